// The mqtt-json message, as a TypeBox schema: the one source of the validator and of the published
// JSON schema (reading.schema.json, written by write-schema.ts and checked by a unit test).

import { Type, type Static } from '@sinclair/typebox';
import type { VitalType } from '../../src/model/vocabulary.ts';

export const SCHEMA_ID = 'https://medgate.invalid/schemas/mqtt-json/reading.schema.json';

/**
 * The measurement names a device may use: the vital-sign part of the vocabulary, listed here so the
 * published schema changes only when this format does (ECG and lab values can come with a `code`).
 */
export const MQTT_TYPES = [
  'bp.systolic',
  'bp.diastolic',
  'bp.mean',
  'pulse',
  'pulse.nibp',
  'pulse.oximetry',
  'spo2',
  'temperature',
  'weight',
  'height',
  'bmi',
  'glucose',
  'respiration',
  'body.fat.percent',
  'body.fat.mass',
  'body.fatfree.mass',
  'body.muscle.mass',
  'body.bone.mass',
  'body.water.mass',
  'body.water.percent',
  'body.impedance',
] as const satisfies readonly VitalType[];

const Text = (maxLength: number, description: string) => Type.String({ minLength: 1, maxLength, description });

export const MeasurementCode = Type.Object(
  {
    loinc: Type.Optional(Type.String({ pattern: '^\\d{1,7}-\\d$', description: 'a LOINC code such as 8480-6' })),
    mdc: Type.Optional(Type.String({ pattern: '^MDC_[A-Za-z0-9_]+$', description: 'an IEEE 11073 MDC reference id such as MDC_PRESS_BLD_NONINV_SYS' })),
    display: Type.Optional(Text(200, 'what the code means, in words')),
  },
  { additionalProperties: false, description: 'a standard code, for measurements outside the vocabulary: loinc or mdc (or both)' },
);

export const Measurement = Type.Object(
  {
    type: Type.Optional(
      Type.Union(
        MQTT_TYPES.map((t) => Type.Literal(t)),
        { description: 'one of the vocabulary names' },
      ),
    ),
    code: Type.Optional(MeasurementCode),
    value: Type.Number({ description: 'a number' }),
    unit: Text(32, 'the unit, in UCUM (mm[Hg], /min, %, Cel, [degF], kg, [lb_av]) or a common spelling (mmHg, bpm, degF, lb)'),
  },
  { additionalProperties: false, description: 'one measurement: a type from the vocabulary, or a code' },
);

export const Patient = Type.Object(
  {
    mrn: Text(64, "the patient's medical record number"),
    assigningAuthority: Type.Optional(Text(64, 'who issued the MRN')),
    family: Type.Optional(Text(128, 'family name')),
    given: Type.Optional(Text(128, 'given name')),
    dob: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a date of birth as YYYY-MM-DD' })),
    sex: Type.Optional(Type.Union([Type.Literal('M'), Type.Literal('F'), Type.Literal('O'), Type.Literal('U')], { description: 'M, F, O or U' })),
  },
  { additionalProperties: false, description: 'whose reading this is, when the device knows' },
);

export const ReadingMessage = Type.Object(
  {
    device: Text(64, 'the device identity (serial number), sent to the EHR as the equipment'),
    time: Type.Optional(
      Type.String({ minLength: 1, maxLength: 40, description: 'when it was measured, ISO 8601 date and time with offset, e.g. 2026-11-27T09:41:00-05:00' }),
    ),
    id: Type.Optional(Text(128, 'a message id unique per device, so a resent message is recognised')),
    patient: Type.Optional(Patient),
    measurements: Type.Array(Measurement, { minItems: 1, maxItems: 100, description: 'one to 100 measurements' }),
  },
  {
    $id: SCHEMA_ID,
    title: 'medgate mqtt-json reading',
    description: 'One reading published by a device over MQTT; see drivers/mqtt-json/README.md',
    additionalProperties: false,
  },
);

export type ReadingMessageT = Static<typeof ReadingMessage>;
export type MeasurementT = Static<typeof Measurement>;

/** The JSON schema text committed as reading.schema.json. */
export function readingJsonSchema(): string {
  return `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...ReadingMessage }, null, 2)}\n`;
}
