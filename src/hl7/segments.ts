// Small builders shared by the ORU encoders: segment and component joining, and the PID and EI
// shapes both messages use. `segment` and `components` take text that is already escaped; the
// others take raw values and escape them themselves.

import type { PatientRef } from '../model/reading.ts';
import { hl7Date } from './datetime.ts';
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
  return parts.slice(0, end).join(separator);
}

/** PID-3 as CX: `mrn^^^authority^MR`. */
export function patientIdentifier(p: PatientRef): string {
  return `${esc(p.mrn)}^^^${esc(p.assigningAuthority ?? '')}^MR`;
}

/** PID-5 as XPN, name type L (legal); empty when neither part is known. */
export function patientName(p: PatientRef): string {
  if (!p.family && !p.given) return '';
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
