import { Type, type Static } from '@sinclair/typebox';

export const hl7AnalyzerSettings = Type.Object(
  {
    duplicateMemory: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 10_000,
        default: 100,
        title: 'Remember the last N messages per connection',
        description: 'A message resent with the same control ID (MSH-10) and content is acknowledged again but not stored twice',
      }),
    ),
    ackSendingApplication: Type.Optional(
      Type.String({ maxLength: 180, title: 'ACK sending application (MSH-3)', description: 'Default: the receiving application the analyzer named (its MSH-5)' }),
    ),
    ackSendingFacility: Type.Optional(
      Type.String({ maxLength: 180, title: 'ACK sending facility (MSH-4)', description: 'Default: the receiving facility the analyzer named (its MSH-6)' }),
    ),
  },
  { additionalProperties: false },
);

export type Hl7AnalyzerSettings = Static<typeof hl7AnalyzerSettings>;
