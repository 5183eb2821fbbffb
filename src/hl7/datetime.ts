// ISO 8601 <-> HL7 v2 DTM. A timestamp keeps the UTC offset it was written with: a device that
// says 09:41-05:00 is forwarded as 094100-0500, never shifted into the gateway's zone.

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export interface IsoParts {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
  millisecond?: number;
  /** Minutes east of UTC; undefined when the text carries no offset. */
  offsetMinutes?: number;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Splits an ISO 8601 date or date-time; undefined when the text is not one or names no real day/time. */
export function parseIso(text: string): IsoParts | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    return undefined;
  }
  const parts: IsoParts = { year, month, day };
  if (m[4] !== undefined) {
    parts.hour = Number(m[4]);
    parts.minute = Number(m[5]);
    parts.second = m[6] === undefined ? 0 : Number(m[6]);
    parts.millisecond = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
    if (parts.hour > 23 || parts.minute > 59 || parts.second > 59) return undefined;
  }
  const zone = m[8];
  if (zone !== undefined) {
    if (zone.toUpperCase() === 'Z') {
      parts.offsetMinutes = 0;
    } else {
      const sign = zone.startsWith('-') ? -1 : 1;
      const digits = zone.slice(1).replace(':', '');
      const hours = Number(digits.slice(0, 2));
      const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
      if (hours > 23 || minutes > 59) return undefined;
      parts.offsetMinutes = sign * (hours * 60 + minutes);
    }
  }
  return parts;
}

function offsetText(offsetMinutes: number, colon: boolean): string {
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${sign}${pad(Math.floor(abs / 60))}${colon ? ':' : ''}${pad(abs % 60)}`;
}

/**
 * `2026-11-27T09:41:00.000-05:00`: ISO 8601 with milliseconds and an explicit offset
 * (default: the machine's local offset at that instant).
 */
export function toIsoWithOffset(date: Date, offsetMinutes: number = -date.getTimezoneOffset()): string {
  const time = date.getTime();
  if (!Number.isFinite(time)) throw new RangeError('toIsoWithOffset: invalid Date');
  const shifted = new Date(time + offsetMinutes * 60_000);
  return (
    `${pad(shifted.getUTCFullYear(), 4)}-${pad(shifted.getUTCMonth() + 1)}-${pad(shifted.getUTCDate())}` +
    `T${pad(shifted.getUTCHours())}:${pad(shifted.getUTCMinutes())}:${pad(shifted.getUTCSeconds())}` +
    `.${pad(shifted.getUTCMilliseconds(), 3)}${offsetText(offsetMinutes, true)}`
  );
}

/**
 * Canonical ISO date-time with offset for a device timestamp: keeps the offset it carries; one
 * without an offset is taken as the gateway's local time. Undefined for anything that is not an
 * ISO 8601 date-time (a bare date is not enough to place a reading in time).
 */
export function normalizeIso(text: string): string | undefined {
  const p = parseIso(text);
  if (!p || p.hour === undefined) return undefined;
  const wallUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.millisecond);
  if (p.offsetMinutes !== undefined) {
    return toIsoWithOffset(new Date(wallUtc - p.offsetMinutes * 60_000), p.offsetMinutes);
  }
  const local = new Date(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.millisecond);
  return toIsoWithOffset(local);
}

/**
 * HL7 DTM `YYYYMMDDHHMMSS+ZZZZ` with the offset the ISO text carries (none when it carries none;
 * `YYYYMMDD` for a bare date). A Date is written in the given offset, default the local one.
 * Throws RangeError on text that is not ISO 8601.
 */
export function hl7Timestamp(iso: string | Date, offsetMinutes?: number): string {
  const text = typeof iso === 'string' ? iso : toIsoWithOffset(iso, offsetMinutes);
  const p = parseIso(text);
  if (!p) throw new RangeError(`not an ISO 8601 timestamp: '${text}'`);
  const date = `${pad(p.year, 4)}${pad(p.month)}${pad(p.day)}`;
  if (p.hour === undefined) return date;
  const time = `${pad(p.hour)}${pad(p.minute ?? 0)}${pad(p.second ?? 0)}`;
  return date + time + (p.offsetMinutes === undefined ? '' : offsetText(p.offsetMinutes, false));
}

/** HL7 DT `YYYYMMDD` from `YYYY-MM-DD` (or from `YYYYMMDD`). Throws RangeError otherwise. */
export function hl7Date(date: string): string {
  const t = date.trim();
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  const p = parseIso(compact ? `${compact[1]}-${compact[2]}-${compact[3]}` : t);
  if (!p || p.hour !== undefined) throw new RangeError(`not a date (YYYY-MM-DD): '${date}'`);
  return `${pad(p.year, 4)}${pad(p.month)}${pad(p.day)}`;
}

// What a device or analyzer sends as a time, read into ISO 8601. A time without an offset stays
// without one (normalizeIso then reads it as the gateway's local time).
const DEVICE_TIMESTAMP = {
  // HL7 v2 TS/DTM: `YYYYMMDDHH[MM[SS[.S{1,4}]]][+/-ZZZZ]`, a fraction only after seconds.
  v2: /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})?(?:(\d{2})(?:\.(\d{1,4}))?)?)?([+-]\d{4})?$/,
  // HL7 v3 TS (aECG effectiveTime, birthTime): `YYYYMMDD[HH[MM[SS[.S{1,6}]]]][+/-ZZZZ]`.
  v3: /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})?(\d{2})?(?:\.(\d{1,6}))?)?([+-]\d{4})?$/,
} as const;

export type DeviceTimestamp =
  | { kind: 'absent' }
  /** A day without a time: not enough to place a result in time. */
  | { kind: 'date'; date: string }
  | { kind: 'time'; iso: string }
  | { kind: 'invalid'; text: string };

export function deviceTimestampToIso(text: string | undefined, grammar: keyof typeof DEVICE_TIMESTAMP): DeviceTimestamp {
  const t = (text ?? '').trim();
  if (t === '') return { kind: 'absent' };
  const m = DEVICE_TIMESTAMP[grammar].exec(t);
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
