// Newest-first lists on the storage engine: an index whose keys are `[...list, time, id]` (ISO UTC
// times sort as text) is read backwards from a `before` time, so a page of N costs N keys plus
// one cursor positioning, however long the list. Shared by the delivered history and the
// rejected-input journal.

import type { Database, Key } from 'lmdb';
import { utcDay } from './history.ts';

/** Sorts after every ISO time: the start of a list read from its newest end. */
const LATEST = '\uffff';
const DAY_MS = 86_400_000;

/** `before` as the stored times are written (UTC ISO with milliseconds); text that is no time stays as given. */
export function normalizeTime(iso: string): string {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? iso : new Date(ms).toISOString();
}

/**
 * Keys of one list, newest first, with a time strictly before `before`: `[...list, before]` sorts
 * below every `[...list, before, id]`, and `list` itself below every key of the list. Lazy.
 */
export function newestFirst<K extends Key>(db: Database<unknown, K>, list: readonly Key[], before?: string): Iterable<K> {
  const start = [...list, before === undefined ? LATEST : normalizeTime(before)];
  return db.getKeys({ start: start as unknown as K, end: [...list] as unknown as K, reverse: true });
}

/**
 * Keys of one list, newest first, strictly older than `after`: of an earlier time, or of its time
 * and a lower `tie` (the key element after the time: a reading id, an outbox seq). Lazy.
 */
export function newestAfter<K extends Key>(db: Database<unknown, K>, list: readonly Key[], after?: { time: string; tie?: string | number }): Iterable<K> {
  if (after?.tie === undefined) return newestFirst(db, list, after?.time);
  const start = [...list, normalizeTime(after.time), after.tie];
  const keys = db.getKeys({ start: start as unknown as K, end: [...list] as unknown as K, reverse: true });
  // The range includes its start: a key that is exactly the cursor's item (reading lists end in the id).
  const same = (k: K) => Array.isArray(k) && k.length === start.length && k.every((v, i) => v === start[i]);
  return {
    *[Symbol.iterator]() {
      for (const k of keys) if (!same(k)) yield k;
    },
  };
}

/** Up to `limit` of `keys` that `keep` accepts. */
export function take<K>(keys: Iterable<K>, limit: number, keep: (key: K) => boolean = () => true): K[] {
  const out: K[] = [];
  if (limit <= 0) return out;
  for (const key of keys) {
    if (!keep(key)) continue;
    out.push(key);
    if (out.length >= limit) break;
  }
  return out;
}

/** Where retention ends: the start of the UTC day `days` before `now` (a day is kept whole, as the day files were). */
export function retentionCutoff(now: Date, days: number): string {
  return `${utcDay(new Date(now.getTime() - days * DAY_MS))}T00:00:00.000Z`;
}

/**
 * Runs `batch` (one transaction removing up to a batch of the oldest entries, resolving with how
 * many) until it removes none, yielding between batches so requests are served meanwhile.
 */
export async function pruneInBatches(batch: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await batch();
    if (n === 0) return total;
    total += n;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
