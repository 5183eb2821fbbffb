// The uplink's JSON document, "medgate.reading/1": one TypeBox schema gives the TypeScript type the
// builder returns and the JSON Schema a consumer can validate against (readingMessageJsonSchema).
//
// Compatibility rule: within /1, fields are only ever added (consumers must ignore unknown ones);
// renaming, removing or changing the meaning of a field makes it /2.

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const READING_SCHEMA_ID = 'medgate.reading/1';

const IsoDateTime = Type.String({ minLength: 1, description: 'ISO 8601 date-time with offset, as the device or gateway recorded it' });
const Optional = <T extends TSchema>(t: T) => Type.Optional(t);

export const DeviceKindSchema = Type.Union([
  Type.Literal('scale'),
  Type.Literal('bp'),
  Type.Literal('ekg'),
  Type.Literal('lab'),
  Type.Literal('vitals'),
  Type.Literal('generic'),
]);

const Code = Type.Object(
  {
    mdc: Optional(
      Type.Object(
        {
          ref: Type.String({ minLength: 1, description: 'IEEE 11073-10101 REFID, e.g. MDC_PRESS_BLD_NONINV_SYS' }),
          code: Optional(Type.Integer({ minimum: 0, description: 'numeric MDC code (partition * 65536 + term); absent where sources conflict' })),
        },
        { additionalProperties: false },
      ),
    ),
    loinc: Optional(Type.String({ pattern: '^\\d{1,7}-\\d$' })),
    local: Optional(
      Type.Object(
        { system: Type.String({ minLength: 1 }), code: Type.String({ minLength: 1 }), display: Optional(Type.String()) },
        { additionalProperties: false, description: "the device's own code when no standard code is known (or as well as one)" },
      ),
    ),
    display: Optional(Type.String()),
  },
  { additionalProperties: false },
);

const Flag = Type.Union(
  [Type.Literal('L'), Type.Literal('H'), Type.Literal('LL'), Type.Literal('HH'), Type.Literal('A'), Type.Literal('N'), Type.Literal('<'), Type.Literal('>')],
  {
    description: "HL7 table 0078 abnormal flags; '<' and '>' are below/above the instrument's scale",
  },
);

const Status = Type.Union([Type.Literal('final'), Type.Literal('preliminary'), Type.Literal('corrected')]);

/** Fields every observation has, whatever its value. */
const common = {
  code: Code,
  status: Status,
  observedAt: Optional(IsoDateTime),
  referenceRange: Optional(Type.String()),
  flags: Optional(Type.Array(Flag)),
  method: Optional(Type.String()),
  equipment: Optional(Type.String()),
  original: Optional(
    Type.Object(
      { value: Type.String(), unit: Optional(Type.String()) },
      { additionalProperties: false, description: 'value and unit exactly as the device sent them, where normalization changed them' },
    ),
  ),
  comments: Optional(Type.Array(Type.String())),
};

const QuantityObservation = Type.Object(
  {
    ...common,
    valueType: Type.Literal('quantity'),
    value: Type.Number({ description: 'the value as a JSON number (precision may be lost by a float parser: see valueText)' }),
    valueText: Type.String({ pattern: '^-?\\d+(\\.\\d+)?([eE][+-]?\\d+)?$', description: 'the value with the decimals the device sent: "70.50"' }),
    unit: Optional(Type.String({ description: 'UCUM' })),
    precision: Optional(Type.Integer({ minimum: 0, description: 'decimal places the device sent' })),
  },
  { additionalProperties: false },
);

const TextObservation = Type.Object(
  { ...common, valueType: Type.Literal('text'), value: Type.String(), unit: Optional(Type.String()) },
  { additionalProperties: false },
);

const WaveformObservation = Type.Object(
  {
    ...common,
    valueType: Type.Literal('waveform'),
    waveform: Type.Object(
      {
        sampleRateHz: Type.Number({ exclusiveMinimum: 0 }),
        unit: Type.String({ description: 'UCUM unit of the samples' }),
        sampleCount: Type.Integer({ minimum: 0, description: 'samples in the longest lead' }),
        leads: Type.Array(Type.Object({ name: Type.String(), samples: Type.Array(Type.Number()) }, { additionalProperties: false })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

const AttachmentObservation = Type.Object(
  {
    ...common,
    valueType: Type.Literal('attachment'),
    attachment: Type.Object(
      {
        mediaType: Type.String({ minLength: 1 }),
        byteLength: Type.Integer({ minimum: 0, description: 'size of the decoded content' }),
        sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'of the decoded content' }),
        base64: Optional(Type.String({ description: 'the content; absent when it was larger than the uplink allows (see omitted)' })),
        omitted: Optional(Type.String({ description: 'why base64 is absent' })),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

export const ObservationDocSchema = Type.Union([QuantityObservation, TextObservation, WaveformObservation, AttachmentObservation]);

export const ReadingMessageSchema = Type.Object(
  {
    schema: Type.Literal(READING_SCHEMA_ID),
    messageId: Type.String({ minLength: 1, description: 'the outbox control ID: equal on every redelivery, so a consumer can drop duplicates' }),
    readingId: Type.String({ minLength: 1 }),
    createdAt: Type.String({ description: 'when the gateway built this message (not when it was sent)' }),
    gateway: Type.Object({ application: Type.String({ minLength: 1 }), facility: Optional(Type.String()) }, { additionalProperties: false }),
    device: Type.Object({ id: Type.String({ minLength: 1 }), kind: DeviceKindSchema, equipment: Optional(Type.String()) }, { additionalProperties: false }),
    patient: Type.Object(
      {
        mrn: Type.String({ minLength: 1 }),
        assigningAuthority: Optional(Type.String()),
        family: Optional(Type.String()),
        given: Optional(Type.String()),
        dob: Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
        sex: Optional(Type.Union([Type.Literal('M'), Type.Literal('F'), Type.Literal('O'), Type.Literal('U')])),
      },
      { additionalProperties: false },
    ),
    observedAt: IsoDateTime,
    receivedAt: IsoDateTime,
    specimen: Optional(
      Type.Object(
        {
          id: Type.String(),
          collectedAt: Optional(IsoDateTime),
          // HL7 table 0487 code (system HL70487) when known, else the analyzer's word.
          type: Optional(
            Type.Object({ code: Type.String(), display: Optional(Type.String()), system: Optional(Type.String()) }, { additionalProperties: false }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    order: Optional(
      Type.Object(
        {
          placer: Optional(Type.String()),
          filler: Optional(Type.String()),
          code: Optional(Type.Object({ system: Type.String(), code: Type.String(), display: Optional(Type.String()) }, { additionalProperties: false })),
          tests: Optional(
            Type.Array(Type.Object({ system: Type.String(), code: Type.String(), display: Optional(Type.String()) }, { additionalProperties: false })),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    comments: Optional(Type.Array(Type.String())),
    observations: Type.Array(ObservationDocSchema),
  },
  { additionalProperties: false, title: 'medgate reading message, version 1' },
);

export type ReadingMessage = Static<typeof ReadingMessageSchema>;
export type ObservationDoc = Static<typeof ObservationDocSchema>;

/** The plain JSON Schema (draft 2019-09 compatible) to hand to consumers. */
export function readingMessageJsonSchema(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(ReadingMessageSchema)) as Record<string, unknown>;
}

/** Every way `doc` breaks the schema, as "path: message"; empty when it conforms. */
export function readingMessageProblems(doc: unknown): string[] {
  return [...Value.Errors(ReadingMessageSchema, doc)].map((e) => `${e.path || '/'}: ${e.message}`);
}
