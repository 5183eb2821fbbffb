// HL7 v2 TS/DTM -> ISO 8601. `YYYYMMDDHH[MM[SS[.S[S[S[S]]]]]][+/-ZZZZ]`; a time without an offset
// stays without one (normalizeIso in src/hl7/datetime.ts then reads it as the gateway's local time).

import { parseIso } from '../../src/hl7/datetime.ts';

const DTM = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})?(?:(\d{2})(?:\.(\d{1,4}))?)?)?([+-]\d{4})?$/;

export type TimeResult =
  | { kind: 'absent' }
  /** A day without a time: not enough to place a result in time. */
  | { kind: 'date'; date: string }
  | { kind: 'time'; iso: string }
  | { kind: 'invalid'; text: string };

export function hl7Time(text: string): TimeResult {
  const t = text.trim();
  if (t === '') return { kind: 'absent' };
  const m = DTM.exec(t);
  if (!m) return { kind: 'invalid', text: t };
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const date = `${y}-${mo}-${d}`;
  let iso = date;
  if (h !== undefined) {
    iso += `T${h}:${mi ?? '00'}:${s ?? '00'}${frac === undefined ? '' : `.${frac}`}`;
    if (zone !== undefined) iso += `${zone.slice(0, 3)}:${zone.slice(3)}`;
  }
  // parseIso checks that the day and time exist (no 31 February, no hour 25).
  const parts = parseIso(iso);
  if (!parts) return { kind: 'invalid', text: t };
  return parts.hour === undefined ? { kind: 'date', date } : { kind: 'time', iso };
}

/** `YYYY-MM-DD` of an HL7 DT/TS (date of birth); undefined when absent or not a real day. */
export function hl7Date(text: string): string | undefined {
  const r = hl7Time(text);
  if (r.kind === 'date') return r.date;
  if (r.kind === 'time') return r.iso.slice(0, 10);
  return undefined;
}
