import { Type, type Static } from '@sinclair/typebox';

export const adScaleSettings = Type.Object(
  {
    mode: Type.Optional(
      Type.Union([Type.Literal('stream'), Type.Literal('print')], {
        default: 'stream',
        title: 'Output mode',
        description:
          'stream: the scale sends continuously, one reading per weighing; print: the scale sends when PRINT is pressed, every stable weight is a reading',
      }),
    ),
    zeroThreshold: Type.Optional(
      Type.Number({ minimum: 0, default: 0.5, title: 'Empty platform at or below', description: 'In the unit the scale sends (kg, lb, g)' }),
    ),
    changeThreshold: Type.Optional(
      Type.Number({ minimum: 0, default: 1, title: 'New reading after a change of more than', description: 'Stream mode only; in the unit the scale sends' }),
    ),
  },
  { additionalProperties: false },
);

export type AdScaleSettings = Static<typeof adScaleSettings>;
