// Small builders shared by the ORU encoders: segment and component joining, and the PID, PV1 and EI
// shapes both messages use. `segment` and `components` take text that is already escaped; the
// others take raw values and escape them themselves.

import type { PatientRef } from '../model/reading.ts';
import type { Visit } from '../model/visit.ts';
import { dtmToIso, hl7Date, hl7Timestamp } from './datetime.ts';
import { escapeHl7 as esc } from './escape.ts';

/** `fields[0]` is the segment name; trailing empty fields are dropped (HL7 allows it). Ends with CR. */
export function segment(fields: string[]): string {
  let end = fields.length;
  while (end > 1 && fields[end - 1] === '') end--;
  let out = fields[0] ?? '';
  for (let i = 1; i < end; i++) out += `|${fields[i]}`;
  return `${out}\r`;
}

/** Joins components with `^` (or subcomponents with `&`), dropping trailing empty ones. */
export function components(parts: string[], separator: '^' | '&' = '^'): string {
  let end = parts.length;
  while (end > 0 && parts[end - 1] === '') end--;
  let out = end > 0 ? (parts[0] ?? '') : '';
  for (let i = 1; i < end; i++) out += `${separator}${parts[i] ?? ''}`;
  return out;
}

/** PID-3 as CX: `mrn^^^authority^MR`. */
export function patientIdentifier(p: PatientRef): string {
  return `${esc(p.mrn)}^^^${esc(p.assigningAuthority ?? '')}^MR`;
}

/**
 * PID-5 as XPN, name type L (legal). PID-5 is required in v2.5.1 and v2.6; when neither part is
 * known (a device that reports an MRN only, no directory) it carries name type U (unspecified,
 * table 0200) alone, so the field is present without inventing a name.
 */
export function patientName(p: PatientRef): string {
  if (!p.family && !p.given) return '^^^^^^U';
  return `${esc(p.family ?? '')}^${esc(p.given ?? '')}^^^^^L`;
}

/** PID-7; an unreadable birth date is left out rather than refused, since PID-3 identifies the patient. */
export function birthDate(dob: string | undefined): string {
  if (dob === undefined) return '';
  try {
    return hl7Date(dob);
  } catch {
    return '';
  }
}

// HL7 table 0001 (administrative sex, v2.4 on): the codes, and the words people type for them.
const SEX_CODES = new Set(['A', 'F', 'M', 'N', 'O', 'U']);
const SEX_WORDS: Record<string, string> = { male: 'M', female: 'F', other: 'O', unknown: 'U', ambiguous: 'A' };

/**
 * PID-8 as a table 0001 code: empty when not given; any text that is not a code (or its word) is
 * sent as U, since a receiver may refuse the whole result over a code it does not know.
 */
export function administrativeSex(sex: string | undefined): string {
  if (sex !== undefined && SEX_CODES.has(sex)) return sex; // already a code, as the directory keeps it
  const t = (sex ?? '').trim();
  if (t === '') return '';
  const upper = t.toUpperCase();
  if (SEX_CODES.has(upper)) return upper;
  return SEX_WORDS[t.toLowerCase()] ?? 'U';
}

/**
 * PV1-3 (PL) from the location as the directory keeps it: the components the inbound ADT sent,
 * unescaped and joined with `^` (point of care^room^bed...). Each component is escaped on its own,
 * so `^` stays the separator and every other delimiter (`&` included) travels as text.
 */
export function locationField(text: string): string {
  return components(text.split('^').map((part) => esc(part)));
}

/**
 * A directory time (ISO 8601, or HL7 DTM as an ADT carries it, read by dtmToIso's zone rule) as
 * HL7 DTM; empty when it is neither, so a malformed admit time never blocks a result.
 */
function visitTimestamp(text: string | undefined): string {
  if (text === undefined || text.trim() === '') return '';
  const t = text.trim();
  const dtm = dtmToIso(t);
  const iso = dtm.kind === 'time' ? dtm.iso : dtm.kind === 'date' ? dtm.date : t;
  try {
    return hl7Timestamp(iso);
  } catch {
    return '';
  }
}

/** PV1-2 when a visit is known but its class is not: table 0004 U (unknown), rather than guess O or I. */
export const UNKNOWN_PATIENT_CLASS = 'U';

/**
 * The PV1 segment (ending in CR) for a visit the directory knows: PV1-1 `1`, PV1-2 patient class
 * (U when not known: the field is required in v2.5 and v2.6), PV1-3 location, PV1-19 visit number
 * (CX.1), PV1-44/45 admit and discharge date/time. Empty text when the visit carries none of
 * these, so callers can append it unconditionally.
 */
export function pv1(visit: Visit): string {
  const patientClass = visit.patientClass?.trim() ?? '';
  const location = locationField(visit.location ?? '');
  const visitNumber = esc(visit.visitNumber ?? '');
  const admitted = visitTimestamp(visit.admittedAt);
  const discharged = visitTimestamp(visit.dischargedAt);
  if (patientClass === '' && location === '' && visitNumber === '' && admitted === '' && discharged === '') return '';
  const fields = new Array<string>(46).fill('');
  fields[0] = 'PV1';
  fields[1] = '1';
  fields[2] = patientClass === '' ? UNKNOWN_PATIENT_CLASS : esc(patientClass);
  fields[3] = location;
  fields[19] = visitNumber;
  fields[44] = admitted;
  fields[45] = discharged;
  return segment(fields);
}

/**
 * OBR-2/OBR-3 (and ORC-2/3) from an order number the reading carries: the number exactly as the
 * EHR (or the analyzer) gave it, escaped, with no namespace of ours, since the gateway did not
 * assign it and the EHR matches the result to its order on it. Undefined when there is none.
 */
export function orderNumber(number: string | undefined): string | undefined {
  return number === undefined || number === '' ? undefined : esc(number);
}

export interface AssigningApplication {
  name: string;
  eui64?: string;
}

/**
 * EI with the application that assigned the id as namespace: `id^APP`, or `id^APP^EUI64^EUI-64`
 * when the application has an EUI-64. With `&` it is written as subcomponents, for an EI inside
 * another type (SPM-2's EIP).
 */
export function entityIdentifier(id: string, app: AssigningApplication, separator: '^' | '&' = '^'): string {
  const parts = [esc(id), esc(app.name)];
  if (app.eui64 !== undefined) parts.push(esc(app.eui64), 'EUI-64');
  return components(parts, separator);
}

/** What both ORU encoders need for MSH, PID and PV1. */
export interface OruHeaderContext {
  controlId: string;
  now: Date;
  /** MSH-3 as `NAME^EUI64^EUI-64` when eui64 is given. */
  sendingApplication: { name: string; eui64?: string };
  sendingFacility?: string;
  receivingApplication?: string;
  receivingFacility?: string;
  processingId?: 'P' | 'T' | 'D';
  patient: PatientRef;
  /** The patient's current visit from the directory; PV1 is sent only with one. */
  visit?: Visit;
}
