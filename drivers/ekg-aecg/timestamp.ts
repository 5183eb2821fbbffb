// HL7 v3 TS (aECG effectiveTime, birthTime) -> ISO 8601: `YYYYMMDD[HH[MM[SS[.S+]]]][+/-ZZZZ]`.
// A time without an offset stays without one: the normalizer reads it as the gateway's local time.

import { parseIso } from '../../src/hl7/datetime.ts';

const TS = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})?(\d{2})?(?:\.(\d{1,6}))?)?([+-]\d{4})?$/;

export type TsResult = { kind: 'absent' } | { kind: 'date'; date: string } | { kind: 'time'; iso: string } | { kind: 'invalid'; text: string };

export function tsToIso(text: string | undefined): TsResult {
  const t = (text ?? '').trim();
  if (t === '') return { kind: 'absent' };
  const m = TS.exec(t);
  if (!m) return { kind: 'invalid', text: t };
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const date = `${y}-${mo}-${d}`;
  let iso = date;
  if (h !== undefined) {
    iso += `T${h}:${mi ?? '00'}:${s ?? '00'}${frac === undefined ? '' : `.${frac}`}`;
    if (zone !== undefined) iso += `${zone.slice(0, 3)}:${zone.slice(3)}`;
  }
  const parts = parseIso(iso);
  if (!parts) return { kind: 'invalid', text: t };
  return parts.hour === undefined ? { kind: 'date', date } : { kind: 'time', iso };
}
