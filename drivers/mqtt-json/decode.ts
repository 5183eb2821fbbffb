// Pure decoder: one MQTT payload -> one DeviceReport, or a reason that names each bad field by its
// path (`measurements[1].value: expected a number`). The TypeBox schema checks the shape; the rest
// (a type or a code, a real time, a known unit) is checked here. See README.md.

import { createHash } from 'node:crypto';
import { Value, ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import type { DeviceReport, Measurement, Refusal } from '../../src/model/driver.ts';
import type { ObservationCode, PatientRef } from '../../src/model/reading.ts';
import { parseIso } from '../../src/hl7/datetime.ts';
import { canonicalUnit } from '../../src/model/units.ts';
import { VITAL_TYPES, vocabularyEntry } from '../../src/model/vocabulary.ts';
import { refused } from '../_shared/refusal.ts';
import { ReadingMessage, type MeasurementT, type ReadingMessageT } from './schema.ts';

export const MAX_PAYLOAD_BYTES = 256 * 1024;
const MAX_PROBLEMS = 3;

export interface DecodedReading {
  report: DeviceReport;
  device: string;
  id?: string;
  /** Digest of what the message says (device, time, patient, measurements), whatever its formatting. */
  digest: string;
  /** The message carries its own measurement time. */
  timed: boolean;
}

export type DecodeResult = { ok: true; value: DecodedReading } | ({ ok: false } & Refusal);

const MDC_CODES = new Map<string, number>();
for (const t of VITAL_TYPES) {
  const mdc = vocabularyEntry(t).mdc;
  if (mdc?.code !== undefined) MDC_CODES.set(mdc.ref, mdc.code);
}

/** JSON pointer `/measurements/1/value` -> `measurements[1].value`. */
export function fieldPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return 'message';
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(part) ? `[${part}]` : out === '' ? part : `.${part}`;
  }
  return out;
}

function quotedValue(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Reasons are logged at warn: a value is named by its kind there, never shown (the detail shows it). */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string' ? 'text' : typeof value === 'number' ? 'a number' : typeof value === 'boolean' ? 'true/false' : 'an object';
}

/** `quoted`: how a value is shown, kindOf for the reason, quotedValue for the detail. */
function describe(e: ValueError, quoted: (v: unknown) => string): string {
  const schema = e.schema as {
    description?: string;
    anyOf?: Array<{ const?: unknown }>;
    minLength?: number;
    maxLength?: number;
    minItems?: number;
    maxItems?: number;
  };
  switch (e.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.ObjectAdditionalProperties:
      return 'is not a field of this message (see README.md)';
    case ValueErrorType.Number:
      return `expected a number, got ${quoted(e.value)}`;
    case ValueErrorType.String:
      return `expected text, got ${quoted(e.value)}`;
    case ValueErrorType.Object:
      return `expected an object, got ${Array.isArray(e.value) ? 'an array' : quoted(e.value)}`;
    case ValueErrorType.Array:
      return `expected an array, got ${quoted(e.value)}`;
    case ValueErrorType.StringMinLength:
      return 'must not be empty';
    case ValueErrorType.StringMaxLength:
      return `is longer than ${schema.maxLength ?? '?'} characters`;
    case ValueErrorType.StringPattern:
      return `expected ${schema.description ?? 'another format'}, got ${quoted(e.value)}`;
    case ValueErrorType.ArrayMinItems:
      return `needs at least ${schema.minItems ?? 1} item(s)`;
    case ValueErrorType.ArrayMaxItems:
      return `has more than ${schema.maxItems ?? '?'} items`;
    case ValueErrorType.Union: {
      const options = (schema.anyOf ?? []).map((s) => s.const).filter((c): c is string => typeof c === 'string');
      return options.length > 0 ? `${quoted(e.value)} is not one of ${options.join(', ')}` : `${quoted(e.value)} is not allowed here`;
    }
    default:
      return e.message.replace(/^Expected/, 'expected');
  }
}

function schemaProblems(value: unknown, quoted: (v: unknown) => string): string[] {
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const e of Value.Errors(ReadingMessage, value)) {
    // Several errors for one field (missing, then not a string): the first says it best.
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    problems.push(`${fieldPath(e.path)}: ${describe(e, quoted)}`);
    if (problems.length >= MAX_PROBLEMS) break;
  }
  return problems;
}

function meaningProblems(msg: ReadingMessageT, quoted: (v: unknown) => string): string[] {
  const problems: string[] = [];
  if (msg.time !== undefined) {
    const t = parseIso(msg.time);
    if (!t || t.hour === undefined) problems.push(`time: expected an ISO 8601 date and time such as 2026-11-27T09:41:00-05:00, got ${quoted(msg.time)}`);
  }
  if (msg.patient?.dob !== undefined && !parseIso(msg.patient.dob)) problems.push('patient.dob: is not a real date');
  msg.measurements.forEach((m, i) => {
    if (m.type === undefined && m.code === undefined) problems.push(`measurements[${i}]: needs a type (from the vocabulary) or a code`);
    if (m.code !== undefined && m.code.loinc === undefined && m.code.mdc === undefined) problems.push(`measurements[${i}].code: needs loinc or mdc`);
    if (canonicalUnit(m.unit) === undefined)
      problems.push(`measurements[${i}].unit: unknown unit ${quoted(m.unit)} (use UCUM or a spelling listed in README.md)`);
  });
  return problems.slice(0, MAX_PROBLEMS);
}

function measurementOf(m: MeasurementT): Measurement {
  const out: Measurement = { value: m.value, valueText: String(m.value), unit: m.unit };
  if (m.type !== undefined) out.type = m.type;
  if (m.code !== undefined) {
    const code: ObservationCode = {};
    if (m.code.mdc !== undefined) {
      const numeric = MDC_CODES.get(m.code.mdc);
      code.mdc = numeric === undefined ? { ref: m.code.mdc } : { ref: m.code.mdc, code: numeric };
    }
    if (m.code.loinc !== undefined) code.loinc = m.code.loinc;
    if (m.code.display !== undefined) code.display = m.code.display;
    out.code = code;
  }
  return out;
}

function subjectOf(p: NonNullable<ReadingMessageT['patient']>): PatientRef {
  const subject: PatientRef = { mrn: p.mrn };
  if (p.assigningAuthority !== undefined) subject.assigningAuthority = p.assigningAuthority;
  if (p.family !== undefined) subject.family = p.family;
  if (p.given !== undefined) subject.given = p.given;
  if (p.dob !== undefined) subject.dob = p.dob;
  if (p.sex !== undefined) subject.sex = p.sex;
  return subject;
}

/** Field order in the message does not matter; what it says does. */
function digestOf(msg: ReadingMessageT): string {
  const p = msg.patient;
  const canonical = [
    msg.device,
    msg.time ?? null,
    p ? [p.mrn, p.assigningAuthority ?? null, p.family ?? null, p.given ?? null, p.dob ?? null, p.sex ?? null] : null,
    msg.measurements.map((m) => [m.type ?? null, m.code?.loinc ?? null, m.code?.mdc ?? null, m.value, m.unit]),
  ];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('base64');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

// The problems twice: with each value's kind for the reason, with the values quoted for the detail.
function refusedFor(safe: string[], quoted: string[], otherwise: string): DecodeResult {
  return refused(safe.join('; ') || otherwise, quoted.join('; ') || otherwise);
}

export function decodeReading(payload: Uint8Array): DecodeResult {
  if (payload.length === 0) return { ok: false, reason: 'message is empty' };
  if (payload.length > MAX_PAYLOAD_BYTES) return { ok: false, reason: `message is larger than ${MAX_PAYLOAD_BYTES / 1024} KiB` };
  let text: string;
  try {
    text = utf8.decode(payload);
  } catch {
    return { ok: false, reason: 'message is not UTF-8 text' };
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    // V8's message quotes the text around the error, which may be a result: only where it broke.
    const at = err instanceof Error ? /position (\d+)/.exec(err.message)?.[1] : undefined;
    return { ok: false, reason: at === undefined ? 'message is not JSON' : `message is not JSON: it breaks at character ${at}` };
  }
  const shape = schemaProblems(json, kindOf);
  if (shape.length > 0 || !Value.Check(ReadingMessage, json)) return refusedFor(shape, schemaProblems(json, quotedValue), 'message does not match the schema');
  const msg = json;
  const meaning = meaningProblems(msg, kindOf);
  if (meaning.length > 0) return refusedFor(meaning, meaningProblems(msg, quotedValue), '');

  const report: DeviceReport = { measurements: msg.measurements.map(measurementOf), equipment: msg.device, raw: text };
  if (msg.time !== undefined) report.observedAt = msg.time.trim();
  if (msg.patient !== undefined) report.subject = subjectOf(msg.patient);
  const value: DecodedReading = { report, device: msg.device, digest: digestOf(msg), timed: msg.time !== undefined };
  if (msg.id !== undefined) value.id = msg.id;
  return { ok: true, value };
}

/**
 * The payload as text for a protocolError, kept for review (the device runner logs it at debug only):
 * UTF-8 when it is, else byte for byte as Latin-1; cut at 64 KiB.
 */
export function payloadText(payload: Uint8Array): string {
  const head = payload.subarray(0, 64 * 1024);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(head);
  } catch {
    return Buffer.from(head).toString('latin1');
  }
}
