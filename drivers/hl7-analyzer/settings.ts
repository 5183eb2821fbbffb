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
    orderMessage: Type.Optional(
      Type.Union([Type.Literal('OML^O21'), Type.Literal('ORM^O01')], {
        default: 'OML^O21',
        title: 'Order message',
        description:
          "The message an order is sent to the analyzer in (HL7 v2.5.1): OML^O21 with the specimen in SPM, or ORM^O01 for analyzers that take only that, with the specimen ID in OBR-3. Its manual's host interface chapter says which",
      }),
    ),
    orderAckTimeoutMs: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: 600_000,
        default: 30_000,
        title: 'Wait for the order ACK (ms)',
        description: "How long an order sent waits for the analyzer's ACK; without one by then it is sent again later",
      }),
    ),
    orderCodingSystem: Type.Optional(
      Type.String({
        pattern: '^(L|99[A-Za-z0-9]{1,3})$',
        default: '99MDG',
        title: 'Coding system of the analyzer codes in orders (OBR-4.3)',
        description: 'HL7 table 0396 local name: L or 99zzz; some analyzers expect their own (e.g. the one in OBX-3.3 of their results)',
      }),
    ),
  },
  { additionalProperties: false },
);

export type Hl7AnalyzerSettings = Static<typeof hl7AnalyzerSettings>;
