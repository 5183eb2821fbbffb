import { Type, type Static } from '@sinclair/typebox';

export const mqttJsonSettings = Type.Object(
  {
    duplicateMemory: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100_000,
        default: 1000,
        title: 'Recognise messages published again (0: off)',
        description:
          'A message published again (same device, id and content, or same device, time and measurements) is acknowledged but not stored twice, also after a restart, for gateway.duplicateWindowHours. 0 turns this off; other values are kept from older configurations and mean on',
      }),
    ),
  },
  { additionalProperties: false },
);

export type MqttJsonSettings = Static<typeof mqttJsonSettings>;
