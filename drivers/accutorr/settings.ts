import { Type, type Static } from '@sinclair/typebox';

export const accutorrSettings = Type.Object(
  {
    pollIntervalMs: Type.Optional(
      Type.Integer({
        minimum: 50,
        maximum: 600_000,
        default: 5000,
        title: 'Poll every (ms)',
        description: 'How often the gateway asks the monitor for patient data ("P")',
      }),
    ),
    maxAgeMinutes: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 1440,
        default: 10,
        title: 'At start, forward a measurement at most this old (minutes)',
        description: 'Older results shown at start-up were probably forwarded before a restart',
      }),
    ),
  },
  { additionalProperties: false },
);

export type AccutorrSettings = Static<typeof accutorrSettings>;
