// The page's lists of what is still in the state document (held, queued and dead readings; messages
// not yet in the history), newest first. With the EHR away for a day the queue holds tens of
// thousands: a list costs one pass over it and `limit` views, never a sort or a view of all of it.

import { olderThan, type ListCursor } from '../store/list-cursor.ts';
import type { MessageState, OutboxMessage, ReadingStatus, StateDoc, StoredReading } from '../store/types.ts';

/**
 * The first `limit` of the items `keep` accepts, in `order` (negative: a before b), as a stable sort
 * and a slice would give them, keeping only `limit` at a time. Looked at from the end: records are
 * added to the document as they come, so the newest are last, and once they fill the list every
 * older one is passed over at one comparison.
 */
export function firstInOrder<T>(items: readonly T[], limit: number, keep: (item: T) => boolean, order: (a: T, b: T) => number): T[] {
  const out: T[] = [];
  if (limit <= 0) return out;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i]!;
    if (!keep(item)) continue;
    // An equal one seen now came earlier in `items`, so a stable sort puts it first.
    if (out.length >= limit && order(item, out[out.length - 1]!) > 0) continue;
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (order(item, out[mid]!) <= 0) hi = mid;
      else lo = mid + 1;
    }
    out.splice(lo, 0, item);
    if (out.length > limit) out.pop();
  }
  return out;
}

export interface LiveReadingQuery {
  status: ReadingStatus;
  limit: number;
  device?: string;
  /** The patient's MRN. */
  patient?: string;
  /** Only readings after this one in the list (its tie is a reading id; a plain time: received before it). */
  after?: ListCursor;
  /** A further test (a search). */
  match?: (r: StoredReading) => boolean;
}

/** Newest first: reading ids grow with the time they were taken in. */
export function liveReadings(doc: Readonly<StateDoc>, q: LiveReadingQuery): StoredReading[] {
  const after = q.after;
  return firstInOrder(
    Object.values(doc.readings),
    q.limit,
    (r) =>
      r.status === q.status &&
      (q.device === undefined || r.reading.deviceId === q.device) &&
      (q.patient === undefined || r.patient?.mrn === q.patient) &&
      (after === undefined || (after.tie === undefined ? r.reading.receivedAt < after.time : r.reading.id < after.tie)) &&
      (q.match === undefined || q.match(r)),
    (a, b) => (a.reading.id < b.reading.id ? 1 : a.reading.id > b.reading.id ? -1 : 0),
  );
}

export interface LiveMessageQuery {
  limit: number;
  destination?: string;
  state?: MessageState;
  /** Only messages created strictly before this time (normalized ISO text). */
  before?: string;
  /** Only messages after this one in the list (its tie is an outbox seq). */
  after?: ListCursor;
  /** A further test (device, patient, a search). */
  match?: (m: OutboxMessage) => boolean;
}

/** Newest created first; of one instant, the later in the outbox's order first. */
export function newerMessageFirst(a: { createdAt: string; seq: number }, b: { createdAt: string; seq: number }): number {
  return a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.seq - a.seq;
}

export function liveMessages(doc: Readonly<StateDoc>, q: LiveMessageQuery): OutboxMessage[] {
  return firstInOrder(
    Object.values(doc.messages),
    q.limit,
    (m) =>
      (!q.destination || m.destinationId === q.destination) &&
      (!q.state || m.state === q.state) &&
      (q.before === undefined || m.createdAt < q.before) &&
      olderThan(q.after, m.createdAt, m.seq) &&
      (q.match === undefined || q.match(m)),
    newerMessageFirst,
  );
}
