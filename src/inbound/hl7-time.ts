// HL7 v2 DTM / DT -> ISO 8601. The inverse of src/hl7/datetime.ts, for what the EHR sends us.

import { normalizeIso, parseIso } from '../hl7/datetime.ts';

// YYYY MM DD [HH [MM [SS [.S{1,4}]]]] [+/-ZZZZ]; a DTM coarser than a day does not place a visit.
const DTM = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?([+-]\d{4})?$/;

/**
 * `20250114093016-0500` -> `2025-01-14T09:30:16.000-05:00`; a bare date -> `2025-01-14`. A time
 * without an offset is the gateway's local time (as normalizeIso does). Undefined when not a DTM.
 */
export function hl7ToIso(text: string): string | undefined {
  const m = DTM.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const date = `${y}-${mo}-${d}`;
  if (h === undefined) return parseIso(date) ? date : undefined;
  const time = `${h}:${mi ?? '00'}:${s ?? '00'}${frac ? `.${frac}` : ''}`;
  const offset = zone ? `${zone.slice(0, 3)}:${zone.slice(3)}` : '';
  return normalizeIso(`${date}T${time}${offset}`);
}

/** PID-7 (a DT, or a DTM whose time part is ignored) -> YYYY-MM-DD; undefined when not a real day. */
export function hl7ToDate(text: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:\d{2,6}(?:\.\d{1,4})?)?(?:[+-]\d{4})?$/.exec(text.trim());
  if (!m) return undefined;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  return parseIso(date) ? date : undefined;
}
