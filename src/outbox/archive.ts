// Delivered readings leave the state document for the history, so the cost of a state write does not
// grow with what has been delivered. History first (fsync'd), then removal: a crash in between leaves
// a duplicate in the history, never a loss.

import type { StateStore } from '../store/state-store.ts';
import type { HistoryRecord, HistorySink, StateDoc } from '../store/types.ts';
import { messagesOf } from './outbox.ts';
import { snapshotMessage, snapshotReading } from '../store/snapshot.ts';

/** Readings being archived right now, per store: two workers finishing one reading append it once. */
const busy = new WeakMap<StateStore, Set<string>>();

/** True when the reading is in the document and every one of its messages is delivered. */
export function isComplete(doc: Readonly<StateDoc>, readingId: string): boolean {
  const r = doc.readings[readingId];
  if (r?.status !== 'delivered') return false;
  const messages = messagesOf(doc, readingId);
  return messages.length > 0 && messages.every((m) => m.state === 'delivered');
}

/**
 * Moves the complete ones among `readingIds` (all messages delivered) with their messages to the
 * history, in one append and one state write. Returns the ids it archived.
 */
export async function archiveComplete(store: StateStore, history: HistorySink, readingIds: Iterable<string>, now: Date): Promise<string[]> {
  let set = busy.get(store);
  if (!set) busy.set(store, (set = new Set()));
  const mine: string[] = [];
  const records: HistoryRecord[] = [];
  for (const id of new Set(readingIds)) {
    const reading = store.data.readings[id];
    if (!reading || set.has(id) || !isComplete(store.data, id)) continue;
    set.add(id);
    mine.push(id);
    records.push({
      at: now.toISOString(),
      // Copies: the history writes them in its next transaction, a turn or more from now.
      reading: snapshotReading(reading),
      messages: messagesOf(store.data, id)
        .map(snapshotMessage)
        .sort((a, b) => a.seq - b.seq),
    });
  }
  if (mine.length === 0) return [];
  try {
    await history.append(records);
    return await store.update((doc) => {
      const done: string[] = [];
      for (const id of mine) {
        // Re-check: a resend or a new message for this reading may have come in during the append.
        if (!isComplete(doc, id)) continue;
        for (const m of messagesOf(doc, id)) delete doc.messages[m.id];
        delete doc.readings[id];
        done.push(id);
      }
      return done;
    });
  } finally {
    for (const id of mine) set.delete(id);
  }
}

/** Moves one reading to the history if all its messages are delivered. Returns whether it did. */
export async function archiveIfComplete(store: StateStore, history: HistorySink, readingId: string, now: Date): Promise<boolean> {
  return (await archiveComplete(store, history, [readingId], now)).length > 0;
}

/** Archives every complete reading (at startup: after a crash between delivery and archiving). */
export async function archiveAllComplete(store: StateStore, history: HistorySink, now: Date): Promise<number> {
  return (await archiveComplete(store, history, Object.keys(store.data.readings), now)).length;
}
