// The delivered history (and discarded readings) on the storage engine, indexed so that every
// query the page and the API make costs what it returns:
// - `history`: reading id -> { at, what the indexes hold, message ids, the reading, or for a bulky
//   one (an EKG's samples, an attachment, a long raw input: hundreds of kB to decode) its list view }
// - `history-bulky`: reading id -> a bulky reading, read only when that one reading is asked for
// - `history-messages`: message id -> the message as delivered, with its reading and device
// - `history-by-time`: [at, reading id], for the newest-first list and for retention
// - `history-lists`: the filtered lists, each [list, ...what it is filtered by, time, id]:
//   readings by status, by device and status, by patient (MRN) and status (time: `at`); messages
//   by destination, state, both or neither (time: `createdAt`, the outbox's own order).
// A record appended again (a crash between the append and the state write that follows it) replaces
// the first copy, its index entries with it: one reading, one entry.

import type { Database } from 'lmdb';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../model/logger.ts';
import type { StorageEngine } from './engine.ts';
import { importDayFolder, importOrLater, type ImportReport } from './journal-import.ts';
import { storedKey } from './recent-store.ts';
import { newestFirst, normalizeTime, pruneInBatches, retentionCutoff, take } from './time-index.ts';
import type { HistoryRecord, HistorySink, MessageState, OutboxMessage, ReadingStatus, StoredReading } from './types.ts';

export interface HistoryStoreOptions<L> {
  /**
   * What lists show of a reading (the page's slim reading); kept ready for bulky readings so a list
   * never decodes their samples. Default: the reading itself.
   */
  listView?: (stored: StoredReading) => L;
  /** Days of history kept by prune(); default 90. */
  retentionDays?: number;
  log?: Logger;
  /** Applied to each record imported from an earlier version's day files (hold-migration.ts). */
  upgrade?: (record: HistoryRecord) => HistoryRecord;
  /**
   * Readings removed per pruning transaction. Its callback runs on the event loop, about 60 µs a
   * reading (its entry read, ten index entries removed) on a 2-core x86: 50 keep a batch near 3 ms.
   */
  pruneBatch?: number;
  /**
   * Where appends are written instead of on this thread (history-thread.ts: a worker thread with the
   * same environment). Queries, pruning and imports' bookkeeping stay here; what it wrote is seen
   * from the next event-loop turn.
   */
  writer?: HistorySink;
}

export interface HistoryQuery {
  limit: number;
  /** Only records archived strictly before this ISO time (paging: pass the last `at` seen). */
  before?: string;
  status?: ReadingStatus;
  deviceId?: string;
  /** The patient's MRN. */
  mrn?: string;
}

export interface HistoryMessageQuery {
  limit: number;
  /** Only messages created strictly before this ISO time. */
  before?: string;
  destination?: string;
  state?: MessageState;
}

/** A record as lists show it. */
export interface ListedRecord<L> {
  at: string;
  reading: L;
  messages: OutboxMessage[];
}

/** A delivered message with what a list shows next to it. */
export interface ArchivedMessage {
  at: string;
  readingId: string;
  deviceId: string;
  message: OutboxMessage;
}

interface Entry<L> {
  at: string;
  status: ReadingStatus;
  deviceId: string;
  mrn?: string;
  messageIds: string[];
  /** The reading; absent for a bulky one, which is in `history-bulky` and listed by `listed`. */
  reading?: StoredReading;
  listed?: L;
}

/** Above this, a raw input makes a reading bulky (the observations alone do for waveforms and attachments). */
const BULKY_RAW = 16 * 1024;

function isBulky(stored: StoredReading): boolean {
  return stored.reading.raw.length > BULKY_RAW || stored.reading.observations.some((o) => typeof o.value === 'object');
}

type TimeKey = [at: string, readingId: string];
type ListKey = Array<string | number>;

const STATUSES: readonly ReadingStatus[] = ['delivered', 'discarded', 'dead', 'queued', 'held'];

function readingLists(e: Entry<unknown>, id: string): ListKey[] {
  const keys: ListKey[] = [
    ['r-status', e.status, e.at, id],
    ['r-device', storedKey(e.deviceId), e.status, e.at, id],
  ];
  if (e.mrn) keys.push(['r-patient', storedKey(e.mrn), e.status, e.at, id]);
  return keys;
}

/** Time then seq: the outbox's own order (newest created first, the later of one instant first). */
function messageLists(m: OutboxMessage): ListKey[] {
  const id = storedKey(m.id);
  const dest = storedKey(m.destinationId);
  const t = normalizeTime(m.createdAt);
  return [
    ['m-all', t, m.seq, id],
    ['m-dest', dest, t, m.seq, id],
    ['m-state', m.state, t, m.seq, id],
    ['m-dest-state', dest, m.state, t, m.seq, id],
  ];
}

const isTime = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));

/** A line of an earlier version's day file with every field the indexes are made of. */
function isHistoryRecord(value: unknown): value is HistoryRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<HistoryRecord>;
  const stored = r.reading;
  if (!isTime(r.at) || typeof stored?.reading?.id !== 'string' || typeof stored.reading.deviceId !== 'string') return false;
  if (!STATUSES.includes(stored.status) || !Array.isArray(r.messages)) return false;
  return r.messages.every(
    (m: Partial<OutboxMessage> | null) =>
      typeof m?.id === 'string' && typeof m.destinationId === 'string' && typeof m.state === 'string' && isTime(m.createdAt) && Number.isFinite(m.seq),
  );
}

export class HistoryStore<L = StoredReading> implements HistorySink {
  readonly #entries: Database<Entry<L>, string>;
  readonly #bulky: Database<StoredReading, string>;
  readonly #messages: Database<ArchivedMessage, string>;
  readonly #byTime: Database<true, TimeKey>;
  readonly #lists: Database<true, ListKey>;
  readonly #retentionDays: number;
  readonly #pruneBatch: number;
  readonly #log: Logger;
  readonly #listView: (stored: StoredReading) => L;

  constructor(
    private readonly engine: StorageEngine,
    private readonly opts: HistoryStoreOptions<L> = {},
  ) {
    this.#entries = engine.db<Entry<L>, string>('history');
    this.#bulky = engine.db<StoredReading, string>('history-bulky');
    this.#messages = engine.db<ArchivedMessage, string>('history-messages');
    this.#byTime = engine.db<true, TimeKey>('history-by-time');
    this.#lists = engine.db<true, ListKey>('history-lists');
    this.#retentionDays = opts.retentionDays ?? 90;
    this.#pruneBatch = opts.pruneBatch ?? 50;
    this.#log = opts.log ?? silentLogger;
    // Without a list view, L is its default, the reading itself.
    this.#listView = opts.listView ?? ((stored) => stored as unknown as L);
  }

  /** The store, with `<dataDir>/history/` (an earlier version's day files) imported first if it is there. */
  static async open<L = StoredReading>(engine: StorageEngine, dataDir: string, opts: HistoryStoreOptions<L> = {}): Promise<HistoryStore<L>> {
    const store = new HistoryStore<L>(engine, opts);
    await importOrLater(store.#log, () => store.importDayFiles(join(dataDir, 'history')));
    return store;
  }

  /** Imports a folder of day files an earlier version wrote (journal-import.ts). */
  importDayFiles(folder: string): Promise<ImportReport | undefined> {
    const upgrade = this.opts.upgrade ?? ((r: HistoryRecord) => r);
    return importDayFolder<HistoryRecord>(this.engine, folder, {
      log: this.#log,
      accept: isHistoryRecord,
      write: (batch) => this.append(batch.map((l) => upgrade(l.record))),
    });
  }

  /** Appends in one transaction; resolves once it is on disk. Appends of one event-loop turn (the writer thread's, with one) share the commit. */
  async append(records: HistoryRecord[]): Promise<void> {
    if (records.length === 0) return;
    if (this.opts.writer) return this.opts.writer.append(records);
    return this.appendHere(records);
  }

  /** append() on this thread (what the writer thread itself runs). */
  async appendHere(records: HistoryRecord[]): Promise<void> {
    if (records.length === 0) return;
    // Keyed by reading: the last copy of a reading in the batch wins.
    const batch = new Map(records.map((r) => [storedKey(r.reading.reading.id), r]));
    await this.#entries.childTransaction(() => {
      for (const [id, r] of batch) {
        const old = this.#entries.get(id);
        if (old) this.#remove(id, old);
        // Keys sort as text: every time in the one form toISOString() gives.
        const at = normalizeTime(r.at);
        const entry: Entry<L> = { at, status: r.reading.status, deviceId: r.reading.reading.deviceId, messageIds: r.messages.map((m) => storedKey(m.id)) };
        const mrn = r.reading.patient?.mrn;
        if (mrn) entry.mrn = mrn;
        if (isBulky(r.reading)) {
          entry.listed = this.#listView(r.reading);
          void this.#bulky.put(id, r.reading);
        } else entry.reading = r.reading;
        void this.#entries.put(id, entry);
        void this.#byTime.put([at, id], true);
        for (const key of readingLists(entry, id)) void this.#lists.put(key, true);
        for (const m of r.messages) {
          const mid = storedKey(m.id);
          const before = this.#messages.get(mid);
          if (before) for (const key of messageLists(before.message)) void this.#lists.remove(key);
          void this.#messages.put(mid, { at, readingId: r.reading.reading.id, deviceId: r.reading.reading.deviceId, message: m });
          for (const key of messageLists(m)) void this.#lists.put(key, true);
        }
      }
    });
  }

  /**
   * Removes the readings archived at or after `since` that `drop` picks by their messages, index
   * entries with them; resolves with how many. For a backup's copy (backup/reconcile.ts).
   */
  removeArchivedSince(since: string, drop: (messages: readonly OutboxMessage[]) => boolean): Promise<number> {
    return this.#entries.childTransaction(() => {
      let n = 0;
      for (const [at, id] of [...this.#byTime.getKeys({ start: [normalizeTime(since)] })]) {
        const e = this.#entries.get(id);
        if (!e || e.at !== at || !drop(this.#messagesOf(id, e))) continue;
        this.#remove(id, e);
        n++;
      }
      return n;
    });
  }

  /** Removes an entry and everything that points at it; inside a write transaction. */
  #remove(id: string, e: Entry<L>): void {
    void this.#entries.remove(id);
    if (!e.reading) void this.#bulky.remove(id);
    void this.#byTime.remove([e.at, id]);
    for (const key of readingLists(e, id)) void this.#lists.remove(key);
    for (const mid of e.messageIds) {
      const m = this.#messages.get(mid);
      // A message id reused by a later reading belongs to that one now.
      if (!m || storedKey(m.readingId) !== id) continue;
      void this.#messages.remove(mid);
      for (const key of messageLists(m.message)) void this.#lists.remove(key);
    }
  }

  #messagesOf(id: string, e: Entry<L>): OutboxMessage[] {
    const messages: OutboxMessage[] = [];
    for (const mid of e.messageIds) {
      const m = this.#messages.get(mid);
      if (m && storedKey(m.readingId) === id) messages.push(m.message);
    }
    return messages;
  }

  /** One reading as archived, whole (samples included), by its id: one look-up per message besides its own. */
  byReadingId(readingId: string): HistoryRecord | undefined {
    const id = storedKey(readingId);
    const e = this.#entries.get(id);
    const reading = e && (e.reading ?? this.#bulky.get(id));
    return e && reading && { at: e.at, reading, messages: this.#messagesOf(id, e) };
  }

  /** One message as delivered, by its id (the control ID). */
  byMessageId(messageId: string): ArchivedMessage | undefined {
    return this.#messages.get(storedKey(messageId));
  }

  /**
   * Newest first (by when they were archived), as lists show them, filtered by status, device and
   * patient through their indexes: `limit` index keys and their entries are read, never the rest of
   * the history, and never a bulky reading's samples.
   */
  recent(query: HistoryQuery): ListedRecord<L>[] {
    const out: ListedRecord<L>[] = [];
    for (const id of this.#recentIds(query)) {
      const e = this.#entries.get(id);
      if (!e) continue;
      const reading = e.reading ? this.#listView(e.reading) : e.listed;
      if (reading !== undefined) out.push({ at: e.at, reading, messages: this.#messagesOf(id, e) });
    }
    return out;
  }

  #recentIds(q: HistoryQuery): string[] {
    if (q.deviceId === undefined && q.mrn === undefined) {
      if (q.status === undefined) return take(newestFirst(this.#byTime, [], q.before), q.limit).map(([, id]) => id);
      return take(newestFirst(this.#lists, ['r-status', q.status], q.before), q.limit).map((k) => String(k[3]));
    }
    // An index key holds a long value by its hash, and one list serves device and patient together:
    // what the list gives is checked against the record (only this device's or patient's entries).
    const keep = (key: ListKey) => {
      const e = this.#entries.get(String(key[4]));
      return e !== undefined && (q.deviceId === undefined || e.deviceId === q.deviceId) && (q.mrn === undefined || e.mrn === q.mrn);
    };
    const list = q.mrn !== undefined ? ['r-patient', storedKey(q.mrn)] : ['r-device', storedKey(q.deviceId!)];
    const statuses = q.status === undefined ? STATUSES : [q.status];
    // Per status at most `limit`, merged: O(limit) for each of a handful of statuses.
    const keys = statuses.flatMap((s) => take(newestFirst(this.#lists, [...list, s], q.before), q.limit, keep));
    // [.., at, id] of one list: newest first, as the index reads them.
    const order = (k: ListKey) => `${String(k[3])}\u0000${String(k[4])}`;
    return keys
      .sort((a, b) => (order(a) < order(b) ? 1 : -1))
      .slice(0, q.limit)
      .map((k) => String(k[4]));
  }

  /** Delivered messages, newest first by creation (the outbox's order), through the message lists. */
  recentMessages(query: HistoryMessageQuery): ArchivedMessage[] {
    const dest = query.destination === undefined ? undefined : storedKey(query.destination);
    const list =
      dest !== undefined && query.state !== undefined
        ? ['m-dest-state', dest, query.state]
        : dest !== undefined
          ? ['m-dest', dest]
          : query.state !== undefined
            ? ['m-state', query.state]
            : ['m-all'];
    const out: ArchivedMessage[] = [];
    for (const key of take(newestFirst(this.#lists, list, query.before), query.limit)) {
      const m = this.#messages.get(String(key[key.length - 1]));
      if (m) out.push(m);
    }
    return out;
  }

  /**
   * Removes readings archived before the start of the UTC day `retentionDays` ago, oldest first,
   * a batch per transaction, yielding between batches. Resolves with how many.
   */
  async prune(now: Date = new Date()): Promise<number> {
    const cutoff = retentionCutoff(now, this.#retentionDays);
    const n = await pruneInBatches(() =>
      this.#entries.childTransaction(() => {
        const keys = [...this.#byTime.getKeys({ end: [cutoff], limit: this.#pruneBatch })];
        for (const [at, id] of keys) {
          void this.#byTime.remove([at, id]);
          const e = this.#entries.get(id);
          // Appended again later: its newer time entry keeps it.
          if (e && e.at === at) this.#remove(id, e);
        }
        return keys.length;
      }),
    );
    if (n > 0) this.#log.info({ readings: n, before: cutoff }, 'pruned delivered history');
    return n;
  }
}
