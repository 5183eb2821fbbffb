// Where the next page of a newest-first list starts: the time of the last item shown and what
// orders items of one time (a reading id, an outbox seq). A time alone would skip the rest of a
// millisecond: a batch of readings archived together shares its `at`.

import { normalizeTime } from './time-index.ts';

/** Items strictly older than this; `tie` absent means strictly before `time` (a plain ISO time from an older client). */
export interface ListCursor {
  time: string;
  tie?: string;
}

/** `<ISO time>~<tie>`: "~" is in neither an ISO time nor an id or seq. */
export function cursorText(time: string, tie: string | number): string {
  return `${normalizeTime(time)}~${tie}`;
}

export function parseCursor(text: string | undefined): ListCursor | undefined {
  if (text === undefined || text === '') return undefined;
  const at = text.indexOf('~');
  if (at < 0) return { time: normalizeTime(text) };
  return { time: normalizeTime(text.slice(0, at)), tie: text.slice(at + 1) };
}

/** Whether (time, tie) comes after the cursor in a newest-first list; ties compare as `tieOrder` says (negative: a before b in time). */
export function olderThan(cursor: ListCursor | undefined, time: string, tie: string | number): boolean {
  if (!cursor) return true;
  const t = normalizeTime(time);
  if (t !== cursor.time) return t < cursor.time;
  if (cursor.tie === undefined) return false;
  return typeof tie === 'number' ? tie < Number(cursor.tie) : tie < cursor.tie;
}
