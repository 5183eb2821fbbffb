// ISO 8601 <-> HL7 v2 DTM, both ways, for every path (the ORU encoders, ACKs, the analyzer driver,
// the inbound feed, the demo EHR and simulators). DTM is `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`,
// the offset from UTC as +/-HHMM (HL7 v2.5.1 appendix 2.A, DTM and TS).
//
// The time-zone rule:
// - Writing: a timestamp keeps the UTC offset it was written with: a device that says 09:41-05:00
//   is forwarded as 094100-0500, never shifted into the gateway's zone; a Date is written in the
//   offset asked for (default the gateway's); UTC is +0000. Seconds are the finest precision written.
// - Reading: an offset in the text is kept as written. A DTM without one is, per the standard, in
//   "the local time zone of the sender"; the sender (an analyzer, the EHR) sits with the gateway,
//   so it is read as the gateway's local time, and the ISO text read always carries an offset.
//   `+0000` and `-0000` are both UTC (the v2.9 reading of -0000 as "offset unknown" is not applied).

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

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
  // Every message writes several of these: the usual shapes take a direct path, anything else the
  // general one through parseIso, which alone decides what is refused and how.
  if (typeof iso === 'string') return plainIsoToDtm(iso) ?? hl7TimestampOfIso(iso);
  return dateToDtm(iso, offsetMinutes) ?? hl7TimestampOfIso(toIsoWithOffset(iso, offsetMinutes));
}

/** hl7Timestamp of ISO text through parseIso: the general path, for every shape parseIso reads. */
export function hl7TimestampOfIso(text: string): string {
  const p = parseIso(text);
  if (!p) throw new RangeError(`not an ISO 8601 timestamp: '${text}'`);
  const date = `${pad(p.year, 4)}${pad(p.month)}${pad(p.day)}`;
  if (p.hour === undefined) return date;
  const time = `${pad(p.hour)}${pad(p.minute ?? 0)}${pad(p.second ?? 0)}`;
  return date + time + (p.offsetMinutes === undefined ? '' : offsetText(p.offsetMinutes, false));
}

/**
 * hl7Timestamp of a Date written straight from its fields; undefined where the general path (ISO
 * text, then parseIso) would refuse or could differ: an invalid Date, an offset that is not a whole
 * number of minutes under 24 hours, a year outside 100-9999 once shifted (parseIso reads four
 * digits, and Date.UTC takes years 0-99 as 1900-1999).
 */
export function dateToDtm(date: Date, offsetMinutes: number = -date.getTimezoneOffset()): string | undefined {
  const time = date.getTime();
  if (!Number.isFinite(time) || !Number.isInteger(offsetMinutes) || Math.abs(offsetMinutes) >= 24 * 60) return undefined;
  const shifted = new Date(time + offsetMinutes * 60_000);
  const year = shifted.getUTCFullYear();
  if (!(year >= 100 && year <= 9999)) return undefined;
  return (
    pad(year, 4) +
    pad(shifted.getUTCMonth() + 1) +
    pad(shifted.getUTCDate()) +
    pad(shifted.getUTCHours()) +
    pad(shifted.getUTCMinutes()) +
    pad(shifted.getUTCSeconds()) +
    offsetText(offsetMinutes, false)
  );
}

const DASH = 0x2d;
const COLON = 0x3a;
const DOT = 0x2e;
const PLUS = 0x2b;

/** The number the `count` ASCII digits at `at` spell; -1 when any is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 0x30;
    if (!(d >= 0 && d <= 9)) return -1;
    n = n * 10 + d;
  }
  return n;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Whether text[0..10) is `YYYY-MM-DD` naming a real day of a year parseIso accepts (100-9999). */
function isPlainIsoDate(text: string): boolean {
  if (text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH) return false;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  return year >= 100 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/**
 * hl7Timestamp of the ISO text normalizeIso and toIsoWithOffset write, read by position:
 * `YYYY-MM-DD`, or `YYYY-MM-DDTHH:MM:SS[.fraction][Z|+HH:MM|-HH:MM]`. Undefined for any other
 * text (spaces, a comma fraction, `+HHMM`, a lower-case z, no seconds...) and for what parseIso
 * would refuse; the general path then decides.
 */
export function plainIsoToDtm(text: string): string | undefined {
  const n = text.length;
  if (n < 10 || !isPlainIsoDate(text)) return undefined;
  const date = text.slice(0, 4) + text.slice(5, 7) + text.slice(8, 10);
  if (n === 10) return date;
  if (n < 19 || text.charCodeAt(10) !== 0x54 /* T */ || text.charCodeAt(13) !== COLON || text.charCodeAt(16) !== COLON) return undefined;
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const time = text.slice(11, 13) + text.slice(14, 16) + text.slice(17, 19);
  let i = 19;
  if (i < n && text.charCodeAt(i) === DOT) {
    const first = ++i;
    while (i < n && digitsAt(text, i, 1) >= 0) i++;
    if (i === first) return undefined;
  }
  if (i === n) return date + time;
  const zone = text.charCodeAt(i);
  if (zone === 0x5a /* Z */ && i + 1 === n) return `${date}${time}+0000`;
  if ((zone !== PLUS && zone !== DASH) || i + 6 !== n || text.charCodeAt(i + 3) !== COLON) return undefined;
  const hours = digitsAt(text, i + 1, 2);
  const minutes = digitsAt(text, i + 4, 2);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return undefined;
  // `-00:00` is offset zero, which offsetText writes as +0000.
  if (hours === 0 && minutes === 0) return `${date}${time}+0000`;
  return `${date}${time}${text.charAt(i)}${text.slice(i + 1, i + 3)}${text.slice(i + 4, i + 6)}`;
}

/**
 * hl7Timestamp for ISO text, each distinct text converted once: a message repeats the same few
 * times (observation, collection, analysis) on every row. For one message at a time.
 */
export function timestampMemo(): (iso: string) => string {
  const known = new Map<string, string>();
  return (iso) => {
    let dtm = known.get(iso);
    if (dtm === undefined) {
      dtm = hl7Timestamp(iso);
      known.set(iso, dtm);
    }
    return dtm;
  };
}

/** HL7 DT `YYYYMMDD` from `YYYY-MM-DD` (or from `YYYYMMDD`). Throws RangeError otherwise. */
export function hl7Date(date: string): string {
  // A birth date as the directory keeps it: no need for the general reading below.
  if (date.length === 10 && isPlainIsoDate(date)) return date.slice(0, 4) + date.slice(5, 7) + date.slice(8, 10);
  const t = date.trim();
  const compact = /^(\d{4})(\d{2})(\d{2})$/.exec(t);
  const p = parseIso(compact ? `${compact[1]}-${compact[2]}-${compact[3]}` : t);
  if (!p || p.hour !== undefined) throw new RangeError(`not a date (YYYY-MM-DD): '${date}'`);
  return `${pad(p.year, 4)}${pad(p.month)}${pad(p.day)}`;
}

// What a device, analyzer or the EHR sends as a time, read into ISO 8601 by the rule above: a time
// without an offset gets the gateway's offset at that moment.
const DEVICE_TIMESTAMP = {
  // HL7 v2 TS/DTM: `YYYYMMDDHH[MM[SS[.S{1,4}]]][+/-ZZZZ]`, a fraction only after seconds.
  v2: /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?([+-]\d{4})?$/,
  // HL7 v3 TS (aECG effectiveTime, birthTime): `YYYYMMDD[HH[MM[SS[.S{1,6}]]]][+/-ZZZZ]`.
  v3: /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,6}))?)?)?)?([+-]\d{4})?$/,
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
  if (h !== undefined) iso += `T${h}:${mi ?? '00'}:${s ?? '00'}${frac === undefined ? '' : `.${frac}`}`;
  // parseIso checks that the day and time exist (no 31 February, no hour 25).
  const parts = parseIso(zone === undefined ? iso : `${iso}${zone}`);
  if (!parts) return { kind: 'invalid', text: t };
  if (parts.hour === undefined) return { kind: 'date', date };
  return { kind: 'time', iso: iso + offsetText(parts.offsetMinutes ?? localOffsetAt(parts), true) };
}

/**
 * The UTC offset, in minutes east, that places a wall-clock time of the gateway's zone at the instant
 * ECMAScript's local-time rule gives it (ECMA-262 LocalTime/UTC): the zone's offset at that time;
 * in the hour skipped in spring, the offset before the change, so the text keeps the wall time as
 * written and names the instant the gateway always stored (not the zone's offset after the change,
 * which would put the time an hour early); in the hour repeated in autumn, the first occurrence.
 */
function localOffsetAt(p: IsoParts): number {
  const local = new Date(0);
  // setFullYear, not the constructor: that takes years 0-99 as 1900-1999.
  local.setFullYear(p.year, p.month - 1, p.day);
  local.setHours(p.hour ?? 0, p.minute ?? 0, p.second ?? 0, 0);
  const wall = new Date(0);
  wall.setUTCFullYear(p.year, p.month - 1, p.day);
  wall.setUTCHours(p.hour ?? 0, p.minute ?? 0, p.second ?? 0, 0);
  return Math.round((wall.getTime() - local.getTime()) / 60_000);
}

/** An HL7 v2 DTM (TS.1) read into ISO 8601 by the rule above. */
export function dtmToIso(text: string | undefined): DeviceTimestamp {
  return deviceTimestampToIso(text, 'v2');
}

/** `YYYY-MM-DD` of an HL7 DT or DTM (a birth date: its time is not used); undefined when absent or not a real day. */
export function dtmToDate(text: string | undefined): string | undefined {
  const r = dtmToIso(text);
  if (r.kind === 'date') return r.date;
  if (r.kind === 'time') return r.iso.slice(0, 10);
  return undefined;
}
