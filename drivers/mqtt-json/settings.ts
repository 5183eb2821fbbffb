import { Type, type Static } from '@sinclair/typebox';

export const mqttJsonSettings = Type.Object(
  {
    duplicateMemory: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100_000,
        default: 1000,
        title: 'Remember the last N messages',
        description: 'A message published again (same id, or same device, time and measurements) is acknowledged but not stored twice; 0 turns this off',
      }),
    ),
  },
  { additionalProperties: false },
);

export type MqttJsonSettings = Static<typeof mqttJsonSettings>;
