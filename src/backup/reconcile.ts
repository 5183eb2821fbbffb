// Makes the two copies one state: the state as it was read, with the database as it was then. The
// state document is read first and the database copied after (the other order would lose what
// moved to the history in between: gone from the state read later, not yet in the database copied
// earlier). What happened between the two reads is in the database copy only, and is matched here:
// - a reading of the state copy delivered and archived in between is in the history and still in
//   the state, queued: its move is completed as the gateway completes it (outbox/archive.ts:
//   history first, then removal from the state), so it is neither sent again nor listed twice. A
//   gateway that stored nothing new meanwhile reaches exactly this;
// - a reading stored in between and archived before the copy is in the history but not in the
//   state: it is taken out of the history copy, as are the other readings stored after the read.
//   Told apart by the outbox sequence, not by clocks: every message of such a reading got a seq
//   above the state copy's `seq`, every message enqueued before the read one at most that;
// - the duplicate memory remembers the device messages of readings stored in between, which are in
//   neither copy now: a resend would be acknowledged and dropped, lost. Those entries are forgotten.

import { messagesOf } from '../outbox/outbox.ts';
import { attachEngine } from '../store/engine.ts';
import { HistoryStore } from '../store/history-store.ts';
import { RecentStore } from '../store/recent-store.ts';
import type { OutboxMessage, StateDoc } from '../store/types.ts';

/**
 * Removes from `doc` every reading the history holds together with all of its messages in the
 * state; returns their ids. A reading with a message the history lacks stays as it is.
 */
export function completeArchived(doc: StateDoc, archivedMessages: (readingId: string) => readonly string[] | undefined): string[] {
  const done: string[] = [];
  for (const id of Object.keys(doc.readings)) {
    const archived = archivedMessages(id);
    if (!archived) continue;
    const mine = messagesOf(doc, id);
    if (!mine.every((m) => archived.includes(m.id))) continue;
    for (const m of mine) delete doc.messages[m.id];
    delete doc.readings[id];
    done.push(id);
  }
  return done;
}

/** Whether an archived reading with these messages was enqueued after `doc` was read (and so is not part of it). */
export function enqueuedAfter(doc: StateDoc, messages: readonly OutboxMessage[]): boolean {
  const first = messages[0];
  return first !== undefined && !Object.hasOwn(doc.readings, first.readingId) && messages.every((m) => m.seq > doc.seq);
}

export interface Reconciled {
  /** Readings of the state copy archived between the two reads: moved to the history. */
  archived: number;
  /** Readings stored after the state was read: taken out of the history copy. */
  later: number;
  /** Duplicate-memory entries of readings in neither copy, forgotten. */
  forgotten: number;
}

/** How far before the state read the history is searched: the rule is the sequence, this only bounds the search. */
const SEARCH_BACK_MS = 60_000;

/**
 * Reconciles `doc` (the state read at `stateReadAt`) with the database copied into `<copyDir>/db`,
 * changing both. The copy is this process's own: no gateway has it open.
 */
export async function reconcileCopy(copyDir: string, doc: StateDoc, stateReadAt: number): Promise<Reconciled> {
  const engine = attachEngine(copyDir);
  try {
    const history = new HistoryStore(engine);
    // Before completing the moves: a reading of the state copy must be recognised as one.
    const since = new Date(stateReadAt - SEARCH_BACK_MS).toISOString();
    const later = await history.removeArchivedSince(since, (messages) => enqueuedAfter(doc, messages));
    const archived = completeArchived(doc, (id) => history.byReadingId(id)?.messages.map((m) => m.id)).length;
    const memory = new RecentStore(engine, { pruneEveryMs: 0 });
    // An entry is remembered after its reading is stored, so one from before the state was read has
    // its reading in a copy, or in neither because retention removed it days ago (it must stay). The
    // gateway's clock is this one (same host); a second of slack covers its granularity.
    const forgotten = await memory.forgetUnknownSince(stateReadAt - 1000, (id) => Object.hasOwn(doc.readings, id) || history.byReadingId(id) !== undefined);
    await memory.close();
    return { archived, later, forgotten };
  } finally {
    await engine.close();
  }
}
