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
//   neither copy now: a resend would be acknowledged and dropped, lost. Those entries are forgotten;
//   those of QC reports the QC log copy holds are kept (a resent control is not logged twice).

import { silentLogger } from '../model/logger.ts';
import { messagesOf } from '../outbox/outbox.ts';
import { QcLog } from '../qc/qc-log.ts';
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

// The history and the duplicate memory are stamped with the wall clock, and searched from a time
// before the state read. The decisions are not by time: a history entry goes by its outbox seqs, a
// memory entry by whether its reading is in a copy. Time only bounds the search, and the bound must
// hold when the clock is set back (a Raspberry Pi has no real-time clock: NTP or a person may step
// it back). So it reaches ten minutes before the read, far more than a backup's two reads take, and
// the caller moves the read time back by any step it measured meanwhile (clockSetBack). Not wider:
// the seq rule trusts the state's counter, and the less history it is asked about the less a state
// rebuilt after damage (its counter started again) could wrongly leave out. A memory entry
// remembered before the read has its reading in one of the copies unless the history's retention
// removed it, which keeps everything at least a day.
const SEARCH_BACK_MS = 600_000;

/**
 * How far the wall clock was set back since `at` (Date.now() and performance.now() read together):
 * what the monotonic clock, which no setting moves, measured minus what the wall clock moved.
 */
export function clockSetBack(at: { wall: number; mono: number }, now: { wall: number; mono: number } = { wall: Date.now(), mono: performance.now() }): number {
  return Math.max(0, now.mono - at.mono - (now.wall - at.wall));
}

/**
 * Reconciles `doc` (the state read at `stateReadAt`, on the wall clock as it runs now) with the
 * database copied into `<copyDir>/db`, changing both. The copy is this process's own: no gateway has it open.
 */
export async function reconcileCopy(copyDir: string, doc: StateDoc, stateReadAt: number): Promise<Reconciled> {
  const engine = attachEngine(copyDir);
  try {
    const history = new HistoryStore(engine);
    const since = stateReadAt - SEARCH_BACK_MS;
    // Before completing the moves: a reading of the state copy must be recognised as one.
    const later = await history.removeArchivedSince(new Date(since).toISOString(), (messages) => enqueuedAfter(doc, messages));
    const archived = completeArchived(doc, (id) => history.byReadingId(id)?.messages.map((m) => m.id)).length;
    const memory = new RecentStore(engine, { pruneEveryMs: 0 });
    // An entry is remembered after its reading is stored: one whose reading is in neither copy was
    // stored after the state read (or is older than the retention, beyond the search).
    // A QC report is remembered under its first QC entry's id (src/qc/qc-service.ts): the log copy has it, so a resend is still recognised after a restore.
    const qc = new QcLog(engine, { log: silentLogger });
    const forgotten = await memory.forgetUnknownSince(
      since,
      (id) => Object.hasOwn(doc.readings, id) || history.byReadingId(id) !== undefined || qc.get(id) !== undefined,
    );
    await memory.close();
    return { archived, later, forgotten };
  } finally {
    await engine.close();
  }
}
