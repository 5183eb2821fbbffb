// The delivered history (and discarded readings) on the storage engine, indexed so that every
// query the page and the API make costs what it returns:
// - `history`: reading id -> { at, what the indexes hold, message ids, the reading, or for a bulky
//   one (an EKG's samples, an attachment, a long raw input: hundreds of kB to decode) its list view }
// - `history-bulky`: reading id -> a bulky reading, read only when that one reading is asked for
// - `history-messages`: message id -> the message as delivered, with its reading and device
// - `history-by-time`: [at, reading id], for the newest-first list and for retention
// - `history-lists`: the filtered lists, each [list, ...what it is filtered by, time, id]:
//   readings by status, by device and status, by patient (MRN) and status (time: `at`); messages
//   by destination, state, both or neither, by device and by patient (MRN) (time: `createdAt`, the
//   outbox's own order).
// - `history-meta`: which index layout the lists are in (history-index-upgrade.ts brings an older
//   folder's lists up to it in the background; until it is done, device and patient message
//   filters scan the general lists instead).
// A record appended again (a crash between the append and the state write that follows it) replaces
// the first copy, its index entries with it: one reading, one entry.

import type { Database } from 'lmdb';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../model/logger.ts';
import { nameMatches, namedPatient, type NamedPatient } from '../model/search-text.ts';
import {
  indexesCurrent,
  upgradeInBackground,
  upgradeIndexes,
  type BackgroundUpgrade,
  type HistoryMeta,
  type IndexUpgradeResult,
} from './history-index-upgrade.ts';
import { cursorText, type ListCursor } from './list-cursor.ts';
import type { StorageEngine } from './engine.ts';
import { importDayFolder, importOrLater, type ImportReport } from './journal-import.ts';
import { storedKey } from './recent-store.ts';
import { newestAfter, newestFirst, normalizeTime, pruneInBatches, retentionCutoff, take } from './time-index.ts';
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
  /** Whom its reading was for (absent for none; as stored, absent in what layout 1 archived: lists read it from the reading's entry). */
  patient?: NamedPatient;
  message: OutboxMessage;
}

/** One page of a newest-first list and where the next one starts. */
export interface HistoryPage<T> {
  items: T[];
  /** Set when there may be more: pass it as the next query's `after`. */
  next?: string;
  /** Set when a filter the index cannot answer (a name) stopped after looking at this many. */
  scanned?: number;
  /** Set when a device or patient filter was answered by a scan: the upgrade of older messages' lists is not done. */
  indexing?: true;
}

export interface HistoryReadingPageQuery {
  status: ReadingStatus;
  limit: number;
  after?: ListCursor;
  deviceId?: string;
  mrn?: string;
  /** Words of a name (search-text.ts): looked for in the newest `scanLimit` of the list only. */
  nameWords?: readonly string[];
  scanLimit?: number;
}

export interface HistoryMessagePageQuery {
  limit: number;
  after?: ListCursor;
  destination?: string;
  state?: MessageState;
  deviceId?: string;
  mrn?: string;
  nameWords?: readonly string[];
  scanLimit?: number;
}

/** What a search needs of a reading without reading it (a bulky one is hundreds of kB). */
export interface ArchivedSummary {
  at: string;
  status: ReadingStatus;
  deviceId: string;
  patient?: NamedPatient;
  messageIds: string[];
}

/** Filters the indexes do not answer read at most this many keys per page. */
export const DEFAULT_SCAN_LIMIT = 5000;
/**
 * The same for readings: an entry holds its reading (its observations and raw input), several times
 * a message's size to decode, and 5000 of them took 100-300 ms of the event loop per request on a
 * 2-core x86. "Show older" goes on from where a page stopped.
 */
export const READING_SCAN_LIMIT = 1000;

interface Entry<L> {
  at: string;
  status: ReadingStatus;
  deviceId: string;
  mrn?: string;
  /** The patient's name, for a name search (absent in entries layout 1 wrote: their reading has it). */
  patient?: NamedPatient;
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
export function messageLists(a: Pick<ArchivedMessage, 'deviceId' | 'patient' | 'message'>): ListKey[] {
  const m = a.message;
  const id = storedKey(m.id);
  const dest = storedKey(m.destinationId);
  const t = normalizeTime(m.createdAt);
  const keys: ListKey[] = [
    ['m-all', t, m.seq, id],
    ['m-dest', dest, t, m.seq, id],
    ['m-state', m.state, t, m.seq, id],
    ['m-dest-state', dest, m.state, t, m.seq, id],
    ['m-device', storedKey(a.deviceId), t, m.seq, id],
  ];
  if (a.patient?.mrn) keys.push(['m-patient', storedKey(a.patient.mrn), t, m.seq, id]);
  return keys;
}

/**
 * Up to `limit` keys `keep` accepts, and the key the next page starts after when there may be
 * more: the last one returned, or, when `scanLimit` keys were read first, the last one read.
 */
function takePage(
  keys: Iterable<ListKey>,
  limit: number,
  keep: (key: ListKey) => boolean,
  scanLimit: number | undefined,
): { keys: ListKey[]; next?: ListKey; scanned?: number } {
  const out: ListKey[] = [];
  let read = 0;
  let last: ListKey | undefined;
  for (const key of keys) {
    if (scanLimit !== undefined && read >= scanLimit) return { keys: out, next: last, scanned: read };
    read++;
    last = key;
    if (!keep(key)) continue;
    if (out.length === limit) return { keys: out, next: out[out.length - 1] };
    out.push(key);
  }
  return { keys: out };
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
  readonly #meta: Database<HistoryMeta, string>;
  /** Whether the message lists by device and patient are complete (history-index-upgrade.ts). */
  #indexed: boolean;
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
    this.#meta = engine.db<HistoryMeta, string>('history-meta');
    this.#indexed = indexesCurrent(this.#meta, this.#messages);
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

  /** Whether device and patient message filters are answered by their lists (else by a bounded scan). */
  get indexed(): boolean {
    return this.#indexed;
  }

  /**
   * Brings the lists an earlier version wrote up to this version's layout, or goes on where a run
   * before stopped; `stopped` ends it between batches. Resolves with how many messages it indexed.
   */
  async upgradeIndexes(opts: { batch?: number; stopped?: () => boolean } = {}): Promise<IndexUpgradeResult> {
    const result = await upgradeIndexes<ArchivedMessage>({
      meta: this.#meta,
      messages: this.#messages,
      lists: this.#lists,
      addedLists: (a) => this.#storedMessageLists(a).filter((k) => k[0] === 'm-device' || k[0] === 'm-patient'),
      log: this.#log,
      ...opts,
    });
    if (result.done) this.#indexed = true;
    return result;
  }

  /** upgradeIndexes() after this turn, not awaited: for the gateway once it is up (stop() it before the engine closes). */
  upgradeIndexesInBackground(): BackgroundUpgrade {
    return upgradeInBackground((stopped) => this.upgradeIndexes({ stopped }), this.#log);
  }

  /** An archived message with its patient: as stored, or (layout 1 kept none) from its reading's entry. */
  #withPatient(a: ArchivedMessage): ArchivedMessage {
    if (a.patient) return a;
    const e = this.#entries.get(storedKey(a.readingId));
    const patient = e?.mrn ? (e.patient ?? namedPatient(e.reading?.patient) ?? { mrn: e.mrn }) : undefined;
    return patient ? { ...a, patient } : a;
  }

  /** The list keys a stored message has (its patient's from its entry if layout 1 wrote it). */
  #storedMessageLists(a: ArchivedMessage, entry?: Entry<L>): ListKey[] {
    if (a.patient || !entry) return messageLists(a.patient ? a : this.#withPatient(a));
    return messageLists(entry.mrn ? { ...a, patient: { mrn: entry.mrn } } : a);
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
        const patient = namedPatient(r.reading.patient);
        if (patient) {
          entry.mrn = patient.mrn;
          entry.patient = patient;
        }
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
          if (before) for (const key of this.#storedMessageLists(before)) void this.#lists.remove(key);
          const archived: ArchivedMessage = { at, readingId: r.reading.reading.id, deviceId: r.reading.reading.deviceId, message: m };
          if (patient) archived.patient = patient;
          void this.#messages.put(mid, archived);
          for (const key of messageLists(archived)) void this.#lists.put(key, true);
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
      for (const key of this.#storedMessageLists(m, e)) void this.#lists.remove(key);
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
    const a = this.#messages.get(storedKey(messageId));
    return a && this.#withPatient(a);
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
      if (m) out.push(this.#withPatient(m));
    }
    return out;
  }

  /** What a search needs of one archived reading, by its id: one look-up, never its samples. */
  summary(readingId: string): ArchivedSummary | undefined {
    const e = this.#entries.get(storedKey(readingId));
    if (!e) return undefined;
    const patient = e.mrn ? (e.patient ?? namedPatient(e.reading?.patient) ?? { mrn: e.mrn }) : undefined;
    return { at: e.at, status: e.status, deviceId: e.deviceId, ...(patient ? { patient } : {}), messageIds: e.messageIds };
  }

  /** One reading as lists show it, by its id, with its messages. */
  listed(readingId: string): ListedRecord<L> | undefined {
    const id = storedKey(readingId);
    const e = this.#entries.get(id);
    const reading = e && (e.reading ? this.#listView(e.reading) : e.listed);
    return e && reading !== undefined ? { at: e.at, reading, messages: this.#messagesOf(id, e) } : undefined;
  }

  /**
   * A page of one status's readings, newest archived first, through the status, device or patient
   * list; a name is looked for in at most `scanLimit` keys (the page says how many it read).
   */
  readingsPage(q: HistoryReadingPageQuery): HistoryPage<ListedRecord<L>> {
    const list: ListKey =
      q.mrn !== undefined
        ? ['r-patient', storedKey(q.mrn), q.status]
        : q.deviceId !== undefined
          ? ['r-device', storedKey(q.deviceId), q.status]
          : ['r-status', q.status];
    const n = list.length;
    const entries = new Map<string, Entry<L>>();
    const keep = (key: ListKey) => {
      const id = String(key[n + 1]);
      const e = this.#entries.get(id);
      if (!e || (q.deviceId !== undefined && e.deviceId !== q.deviceId) || (q.mrn !== undefined && e.mrn !== q.mrn)) return false;
      // An entry of layout 1 without messages was not upgraded: its reading still names the patient.
      if (q.nameWords && !nameMatches(e.patient ?? namedPatient(e.reading?.patient), q.nameWords)) return false;
      entries.set(id, e);
      return true;
    };
    // A name, or a device within a patient's list (checked on each entry), is looked for, not listed.
    const looks = q.nameWords !== undefined || (q.mrn !== undefined && q.deviceId !== undefined);
    const page = takePage(newestAfter(this.#lists, list, q.after), q.limit, keep, looks ? (q.scanLimit ?? READING_SCAN_LIMIT) : undefined);
    const items: Array<ListedRecord<L>> = [];
    for (const key of page.keys) {
      const id = String(key[n + 1]);
      const e = entries.get(id)!;
      const reading = e.reading ? this.#listView(e.reading) : e.listed;
      if (reading !== undefined) items.push({ at: e.at, reading, messages: this.#messagesOf(id, e) });
    }
    return {
      items,
      ...(page.next ? { next: cursorText(String(page.next[n]), String(page.next[n + 1])) } : {}),
      ...(page.scanned ? { scanned: page.scanned } : {}),
    };
  }

  /**
   * A page of archived messages, newest created first, through the most selective list the filters
   * allow. Until the upgrade of an older folder's lists is done, a device or patient filter scans the
   * general list at most `scanLimit` keys at a time, and the page says so.
   */
  messagesPage(q: HistoryMessagePageQuery): HistoryPage<ArchivedMessage> {
    const dest = q.destination === undefined ? undefined : storedKey(q.destination);
    const scanning = !this.#indexed && (q.mrn !== undefined || q.deviceId !== undefined);
    const list: ListKey =
      q.mrn !== undefined && !scanning
        ? ['m-patient', storedKey(q.mrn)]
        : q.deviceId !== undefined && !scanning
          ? ['m-device', storedKey(q.deviceId)]
          : dest !== undefined && q.state !== undefined
            ? ['m-dest-state', dest, q.state]
            : dest !== undefined
              ? ['m-dest', dest]
              : q.state !== undefined
                ? ['m-state', q.state]
                : ['m-all'];
    const n = list.length;
    // The device and patient lists hold every destination and state: those are checked on the record.
    const checks = q.mrn !== undefined || q.deviceId !== undefined || q.nameWords !== undefined;
    const found = new Map<string, ArchivedMessage>();
    const keep = (key: ListKey) => {
      const id = String(key[n + 2]);
      const stored = this.#messages.get(id);
      if (!stored) return false;
      const m = stored.message;
      if (q.destination !== undefined && m.destinationId !== q.destination) return false;
      if (q.state !== undefined && m.state !== q.state) return false;
      if (q.deviceId !== undefined && stored.deviceId !== q.deviceId) return false;
      const a = this.#withPatient(stored);
      if (q.mrn !== undefined && a.patient?.mrn !== q.mrn) return false;
      if (q.nameWords && !nameMatches(a.patient, q.nameWords)) return false;
      found.set(id, a);
      return true;
    };
    // The tie of a message list is its seq, a number in the key: a text one would sort after every number.
    const after = q.after?.tie === undefined ? q.after : { time: q.after.time, tie: Number(q.after.tie) };
    const page = takePage(newestAfter(this.#lists, list, after), q.limit, keep, checks ? (q.scanLimit ?? DEFAULT_SCAN_LIMIT) : undefined);
    return {
      items: page.keys.map((k) => found.get(String(k[n + 2]))!),
      ...(page.next ? { next: cursorText(String(page.next[n]), Number(page.next[n + 1])) } : {}),
      ...(page.scanned ? { scanned: page.scanned } : {}),
      ...(scanning ? { indexing: true as const } : {}),
    };
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
