import { Type, type Static } from '@sinclair/typebox';

// Tanita records need no configuration today; the object keeps the form stable for later options.
export const tanitaSettings = Type.Object({}, { additionalProperties: false });
export type TanitaSettings = Static<typeof tanitaSettings>;
