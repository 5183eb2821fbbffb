// A data folder exactly as the gateway wrote it before hold reasons were structured (state
// version 1): hold reasons as strings, a discard as one more string, in state.json and in the
// history's JSONL day files. Written byte for byte the way that code wrote them (JSON.stringify of
// the whole document; one JSON line per record).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every hold reason the version-1 code could write, with the kind and code it stands for. */
export const LEGACY_REASONS: ReadonlyArray<readonly [text: string, kind: string, code: string]> = [
  ['no patient: this device always waits for a person to assign its readings', 'patient', 'no-patient'],
  ['no patient: the analyzer sent no patient ID for this specimen', 'patient', 'no-patient'],
  ['no patient: the device reported none and is not bound', 'patient', 'no-patient'],
  ['no patient: the device binding has expired', 'patient', 'no-patient'],
  ['no patient: the patient directory could not be read', 'patient', 'no-patient'],
  ['no patient', 'patient', 'no-patient'],
  ['unknown patient ID: the reported patient ID is not in the directory', 'patient', 'unknown-patient-id'],
  ["unknown patient ID: the order's patient is not in the directory", 'patient', 'unknown-patient-id'],
  ['patient mismatch: the device reported a different patient than the one it is bound to', 'patient', 'patient-mismatch'],
  ['patient mismatch: the reported name and birth date do not match the directory', 'patient', 'patient-mismatch'],
  ['no order: no open order for this specimen', 'patient', 'no-order'],
  ['no order: the order for this specimen was cancelled', 'patient', 'no-order'],
  ['implausible: Body weight 900 kg outside 0.2–650', 'value', 'implausible'],
  ['implausible: diastolic 120 mm[Hg] is not below systolic 80 mm[Hg]', 'value', 'implausible'],
  ['implausible: mean 150 mm[Hg] outside diastolic–systolic 80–120 mm[Hg]', 'value', 'implausible'],
  ["implausible: Systolic blood pressure '---' is not a number", 'value', 'not-a-number'],
  ['implausible: Systolic blood pressure NaN is not a finite number', 'value', 'not-a-number'],
  ['implausible: Body weight 11 stone cannot be checked: expected kg', 'value', 'unit'],
  ["measurement 2: unknown measurement type 'sweat'", 'value', 'unknown-type'],
  ['measurement 3: has neither a type nor a code', 'value', 'unknown-type'],
  ["spo2: value '---' is not a number", 'value', 'not-a-number'],
  ['pulse: value Infinity is not a finite number', 'value', 'not-a-number'],
  ['pulse: value null is neither a number nor text', 'value', 'not-a-number'],
  ["weight: unit 'stone' cannot be converted to kg", 'value', 'unit'],
  ["pulse: observation time 'yesterday' is not an ISO 8601 date-time", 'value', 'time'],
  ["device time '27/11/2026' is not an ISO 8601 date-time; receipt time used", 'value', 'time'],
  ["specimen collection time '31.12.2026' is not an ISO 8601 date-time", 'value', 'time'],
  ['the report carries no measurements', 'value', 'no-measurement'],
  ['no destination configured', 'delivery', 'no-destination'],
  ['the message for a destination could not be built: observation 1 value NaN is not a finite number', 'delivery', 'encode-failed'],
  ['HL7 could not be built: PID-7 is not a date', 'delivery', 'encode-failed'],
  // Nothing ever wrote this: an unknown text must still be held, for the strictest confirmation.
  ['the gateway of a future past said so', 'value', 'unclassified'],
];

const AT = '2026-11-27T09:41:00.000-05:00';

export interface LegacyObservation {
  code: { mdc?: { ref: string; code?: number }; loinc?: string; local?: { system: string; code: string; display?: string }; display?: string };
  value: number | string;
  status: 'F';
  type?: string;
  unit?: string;
  precision?: number;
}

export const WEIGHT = (value: number): LegacyObservation => ({
  code: { mdc: { ref: 'MDC_MASS_BODY_ACTUAL', code: 188736 }, loinc: '29463-7', display: 'Body weight' },
  value,
  status: 'F',
  type: 'weight',
  unit: 'kg',
  precision: 2,
});

/** What the version-1 normalizer kept for a measurement type it did not know. */
export const UNKNOWN_TYPE = (type: string, value: number): LegacyObservation => ({
  code: { local: { system: 'MEDGATE', code: type } },
  value,
  status: 'F',
  unit: 'kg',
  precision: 1,
});

export interface LegacyPatient {
  mrn: string;
  family?: string;
  given?: string;
  dob?: string;
  sex?: 'M' | 'F';
  assigningAuthority?: string;
}

export interface LegacyReadingSpec {
  id: string;
  deviceId?: string;
  kind?: string;
  observations: LegacyObservation[];
  holdReasons: string[];
  status?: 'held' | 'discarded' | 'delivered';
  patient?: LegacyPatient;
}

/** A stored reading in the version-1 shape. */
export function legacyReading(spec: LegacyReadingSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {
    reading: {
      id: spec.id,
      deviceId: spec.deviceId ?? 'scale-1',
      kind: spec.kind ?? 'scale',
      observedAt: AT,
      receivedAt: AT,
      observations: spec.observations,
      raw: 'ST,GS,+0070.00kg',
    },
    status: spec.status ?? 'held',
    holdReasons: spec.holdReasons,
    updatedAt: '2026-11-27T14:41:01.000Z',
  };
  if (spec.patient) {
    out.patient = spec.patient;
    out.patientSource = 'binding';
  }
  return out;
}

/** Writes `<dataDir>/state.json` (version 1) and, for `history`, one day file of records. */
export function writeLegacyDataDir(dataDir: string, held: LegacyReadingSpec[], history: LegacyReadingSpec[] = []): void {
  mkdirSync(dataDir, { recursive: true });
  const readings = Object.fromEntries(held.map((spec) => [spec.id, legacyReading(spec)]));
  writeFileSync(join(dataDir, 'state.json'), JSON.stringify({ version: 1, seq: 0, bindings: {}, readings, messages: {} }));
  if (history.length === 0) return;
  mkdirSync(join(dataDir, 'history'), { recursive: true });
  // Yesterday: well inside any retention, whatever today is.
  const at = new Date(Date.now() - 86_400_000).toISOString();
  const lines = history.map((spec) => JSON.stringify({ at, reading: legacyReading(spec), messages: [] }));
  writeFileSync(join(dataDir, 'history', `${at.slice(0, 10)}.jsonl`), `${lines.join('\n')}\n`);
}
