import { Type, type Static } from '@sinclair/typebox';

export const hl7AnalyzerSettings = Type.Object(
  {
    duplicateMemory: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10_000,
        default: 100,
        title: 'Recognise resent messages (0: off)',
        description:
          'A message resent with the same sender, control ID (MSH-10) and content is acknowledged again but not stored twice, also after a restart, for gateway.duplicateWindowHours. 0 turns this off; other values are kept from older configurations and mean on',
      }),
    ),
    ackSendingApplication: Type.Optional(
      Type.String({
        maxLength: 180,
        title: 'ACK sending application (MSH-3)',
        description: 'Default: the receiving application the analyzer named (its MSH-5)',
      }),
    ),
    ackSendingFacility: Type.Optional(
      Type.String({ maxLength: 180, title: 'ACK sending facility (MSH-4)', description: 'Default: the receiving facility the analyzer named (its MSH-6)' }),
    ),
  },
  { additionalProperties: false },
);

export type Hl7AnalyzerSettings = Static<typeof hl7AnalyzerSettings>;
