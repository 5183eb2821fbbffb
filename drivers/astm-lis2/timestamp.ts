// ASTM date/time fields (`YYYYMMDD[HHMM[SS]]`, LIS2-A2) to ISO 8601. Instruments send local time
// without an offset; the ISO text keeps it that way and the normalizer reads it as local time.

const DATE_TIME = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?([+-]\d{4})?$/;

interface Parts {
  date: string;
  time?: string;
  offset?: string;
}

function parse(text: string): Parts | undefined {
  const m = DATE_TIME.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, off] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  const parts: Parts = { date: `${y}-${mo}-${d}` };
  if (h !== undefined && mi !== undefined) {
    if (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59)) return undefined;
    parts.time = `${h}:${mi}:${s ?? '00'}`;
  }
  if (off !== undefined) {
    if (Number(off.slice(3)) > 59 || Number(off.slice(1, 3)) > 14) return undefined;
    parts.offset = `${off.slice(0, 3)}:${off.slice(3)}`;
  }
  return parts;
}

/** `20250114093010` -> `2025-01-14T09:30:10`; undefined for empty, date-only or invalid text. */
export function astmDateTime(text: string): string | undefined {
  const p = parse(text);
  if (!p?.time) return undefined;
  return `${p.date}T${p.time}${p.offset ?? ''}`;
}

/** `19800214` (a time part is ignored) -> `1980-02-14`; undefined for empty or invalid text. */
export function astmDate(text: string): string | undefined {
  return parse(text)?.date;
}
