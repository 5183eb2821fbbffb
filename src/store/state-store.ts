// The state document with coalesced durable writes (durable-document.ts): a change applies in memory
// at once and its promise resolves only after a write that contains it is on disk. What a write
// carries is what changed: update() hands the mutation a view of the document that notes which
// records it touched, and the file appends those (state-journal.ts), so a write costs what changed,
// whatever the size of the queue.

import { silentLogger, type Logger } from '../model/logger.ts';
import { DurableDocument, type DocumentAdapter } from './durable-document.ts';
import { migrateStateDoc } from './hold-migration.ts';
import { holdReason } from '../model/hold.ts';
import { isRecord } from '../model/is-record.ts';
import { COLLECTIONS, isCollection, noChanges, StateFile, type ChangedKeys, type Collection, type StateWrite } from './state-journal.ts';
import { emptyState, STATE_VERSION, type StateDoc } from './types.ts';

/** What the store needs from its file; StateFile is the real one, tests wrap it to inject failures. */
export type StoreAdapter = DocumentAdapter<StateWrite, StateDoc>;

export interface StateStoreOptions {
  log?: Logger;
  /** Replaces the state file (tests inject failures through it). */
  adapter?: StoreAdapter;
  /** After a failed write with nothing else to write, try again this much later. Default 1000. */
  retryMs?: number;
}

/** Checks the top-level shape; fills collections a future version might leave out. Version 1 is accepted (and migrated by the caller). */
function checkShape(file: string, value: unknown): StateDoc {
  if (!isRecord(value)) throw new Error(`${file}: the state document is not a JSON object`);
  if (value.version !== 1 && value.version !== STATE_VERSION) {
    throw new Error(`${file}: unsupported state version ${JSON.stringify(value.version)} (expected 1 or ${STATE_VERSION})`);
  }
  if (typeof value.seq !== 'number') throw new Error(`${file}: "seq" is not a number`);
  for (const key of COLLECTIONS) {
    if (value[key] === undefined) value[key] = {};
    else if (!isRecord(value[key])) throw new Error(`${file}: "${key}" is not an object`);
  }
  return value as unknown as StateDoc;
}

/** Repairs after a crash: a send that was in flight goes back to the line. Returns the count. */
export function requeueInterruptedSends(doc: StateDoc): number {
  let n = 0;
  for (const m of Object.values(doc.messages)) {
    if (m.state === 'sending') {
      // The same bytes go out again; the receiver may see the control ID twice (docs/architecture.md#store-and-forward).
      m.state = 'queued';
      delete m.nextAttemptAt;
      n++;
    }
  }
  return n;
}

/**
 * Repairs after a damaged journal: a queued reading whose outbox messages are all gone (dropped on
 * replay) would wait forever; it is held for a person to release, which builds its message anew.
 * Returns the count.
 */
export function holdReadingsWithoutMessages(doc: StateDoc, now: Date): number {
  let n = 0;
  for (const r of Object.values(doc.readings)) {
    if (r.status !== 'queued' || !r.messageIds?.length) continue;
    const left = r.messageIds.filter((id) => Object.hasOwn(doc.messages, id));
    if (left.length === r.messageIds.length) continue;
    r.messageIds = left;
    if (left.length > 0) continue; // what is left goes on; the loss is in the replay's error line
    r.status = 'held';
    r.holdReasons.push(
      holdReason('delivery', 'message-lost', 'its message to the EHR was lost with a damaged state journal: release it to build and send it again'),
    );
    r.updatedAt = now.toISOString();
    n++;
  }
  return n;
}

/**
 * A view of `doc` for a mutation: every record of a collection it reads, sets or deletes is passed
 * to `touched` (reading counts: the mutation may change what it read). Replacing a whole collection
 * touches every record of the old and the new one.
 */
function trackChanges(doc: StateDoc, touched: (collection: Collection, key: string) => void): StateDoc {
  const views = new WeakMap<object, Record<string, unknown>>();
  const viewOf = (collection: Collection, records: Record<string, unknown>): Record<string, unknown> => {
    let view = views.get(records);
    if (!view) {
      const mark = (key: string | symbol, present = true): void => {
        if (typeof key === 'string' && present) touched(collection, key);
      };
      view = new Proxy(records, {
        get: (t, k) => (mark(k, Object.hasOwn(t, k)), Reflect.get(t, k)),
        getOwnPropertyDescriptor: (t, k) => (mark(k, Object.hasOwn(t, k)), Reflect.getOwnPropertyDescriptor(t, k)),
        set: (t, k, v) => (mark(k), Reflect.set(t, k, v)),
        defineProperty: (t, k, d) => (mark(k), Reflect.defineProperty(t, k, d)),
        deleteProperty: (t, k) => (mark(k), Reflect.deleteProperty(t, k)),
      });
      views.set(records, view);
    }
    return view;
  };
  const touchAll = (collection: Collection, records: unknown): void => {
    if (isRecord(records)) for (const key of Object.keys(records)) touched(collection, key);
  };
  return new Proxy(doc, {
    get: (t, k) => {
      const value: unknown = Reflect.get(t, k);
      return isCollection(k) && isRecord(value) ? viewOf(k, value) : value;
    },
    set: (t, k, v) => {
      if (isCollection(k)) {
        touchAll(k, t[k]);
        touchAll(k, v);
      }
      return Reflect.set(t, k, v);
    },
    deleteProperty: (t, k) => {
      if (isCollection(k)) touchAll(k, t[k]);
      return Reflect.deleteProperty(t, k);
    },
  });
}

function allKeys(doc: StateDoc): ChangedKeys {
  const changed = noChanges();
  for (const c of COLLECTIONS) for (const key of Object.keys(doc[c])) changed[c].add(key);
  return changed;
}

interface DurableWaiter {
  seq: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class StateStore {
  private closed = false;
  /** Records changed since the last write started. */
  private changed = noChanges();
  private fullPending = false;
  private durable = 0;
  private waiters: DurableWaiter[] = [];
  private readonly watchers = new Map<Collection, Set<(key: string) => void>>();
  /** While a mutation runs with watchers present: what it touched, told to them afterwards. */
  private touching: Array<[Collection, string]> | undefined;
  private readonly view: StateDoc;
  private document!: DurableDocument<StateWrite, StateDoc>;

  private constructor(
    private readonly doc: StateDoc,
    private readonly log: Logger,
  ) {
    this.durable = doc.seq;
    this.view = trackChanges(doc, (c, key) => {
      this.changed[c].add(key);
      this.touching?.push([c, key]);
    });
  }

  static async open(file: string, opts: StateStoreOptions = {}): Promise<StateStore> {
    const log = opts.log ?? silentLogger;
    const adapter = opts.adapter ?? (await StateFile.open(file, { log }));
    let store: StateStore | undefined;
    const self = (): StateStore => {
      if (!store) throw new Error('state store used before it was opened');
      return store;
    };
    const { document, stored } = await DurableDocument.open<StateWrite, StateDoc>(file, () => self().takeWrite(), {
      log,
      adapter,
      retryMs: opts.retryMs,
      onWritten: (w) => self().written(w),
      onWriteFailed: (w, err) => self().writeFailed(w, err),
    });
    try {
      let doc: StateDoc = emptyState();
      let migrated = false;
      if (stored !== null) {
        doc = checkShape(file, stored);
        // Compared as a number: the file may say 1, which the current type no longer admits.
        if ((doc.version as number) !== STATE_VERSION) {
          const from = doc.version as number;
          const readings = migrateStateDoc(doc);
          log.info({ file, from, to: STATE_VERSION, readings }, 'state document migrated');
          migrated = true;
        }
      }
      const requeued = requeueInterruptedSends(doc);
      if (requeued > 0) log.warn({ file, requeued }, 'messages that were being sent at the last stop go out again');
      const orphans = holdReadingsWithoutMessages(doc, new Date());
      if (orphans > 0)
        log.error({ file, readings: orphans }, 'readings whose message was lost with the damaged journal are held for review: release them to send them again');
      store = new StateStore(doc, log);
      store.document = document;
      if (stored === null || requeued > 0 || migrated || orphans > 0) {
        // A new snapshot; should it fail, every record goes to the journal instead.
        store.changed = allKeys(doc);
        store.fullPending = true;
        await document.save();
      }
      return store;
    } catch (err) {
      await document.close().catch(() => undefined);
      throw err;
    }
  }

  /** The current in-memory state. Read-only by convention: change it through update(). */
  get data(): Readonly<StateDoc> {
    return this.doc;
  }

  /** The outbox seq the disk has caught up with: a message whose seq is at most this is stored. */
  get durableSeq(): number {
    return this.durable;
  }

  /** True from a failed write until one succeeds (a full disk): nothing new is stored meanwhile. */
  get writesFailing(): boolean {
    return this.document.writesFailing;
  }

  /** Applies `mutate` now; resolves with its result once the change is durable. */
  update<T>(mutate: (doc: StateDoc) => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('state store is closed'));
    const outer = this.touching;
    const touched: Array<[Collection, string]> = [];
    this.touching = this.watchers.size > 0 ? touched : undefined;
    let result: T;
    try {
      result = mutate(this.view);
    } catch (err) {
      return Promise.reject(err);
    } finally {
      this.touching = outer;
      this.tell(touched);
    }
    if (result instanceof Promise) {
      // What an async mutation changes after its first await would be neither journaled nor awaited.
      void result.catch(() => undefined);
      return this.document.save().then(() => Promise.reject(new TypeError('state update: the mutation must be synchronous (it returned a promise)')));
    }
    return this.document.save().then(() => result);
  }

  /** Resolves once a message with this seq (and all before it) is stored; rejects if the write carrying it fails. */
  whenDurable(seq: number): Promise<void> {
    if (seq <= this.durable) return Promise.resolve();
    if (this.closed) return Promise.reject(new Error('state store is closed'));
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /** Calls `listener` with the key of every record of `collection` an update touched, after it ran. */
  watch(collection: Collection, listener: (key: string) => void): () => void {
    let set = this.watchers.get(collection);
    if (!set) this.watchers.set(collection, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.watchers.delete(collection);
    };
  }

  /** Resolves when everything changed so far is durable (retries a write that failed before). */
  flush(): Promise<void> {
    return this.document.flush();
  }

  /** Writes a fresh snapshot, then releases the file and its lock; later updates reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.fullPending = true;
    this.document.save().catch(() => undefined); // its failure is close()'s, through the flush below
    try {
      await this.document.close();
    } finally {
      for (const w of this.waiters.splice(0)) w.reject(new Error('state store is closed'));
    }
  }

  private tell(touched: Array<[Collection, string]>): void {
    for (const [c, key] of touched) {
      for (const listener of this.watchers.get(c) ?? []) {
        try {
          listener(key);
        } catch (err) {
          this.log.error({ err }, 'state watcher threw');
        }
      }
    }
  }

  private takeWrite(): StateWrite {
    const w: StateWrite = { doc: this.doc, changed: this.changed, full: this.fullPending, seq: this.doc.seq };
    this.changed = noChanges();
    this.fullPending = false;
    return w;
  }

  private written(w: StateWrite): void {
    this.durable = Math.max(this.durable, w.seq);
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (waiter.seq <= this.durable) waiter.resolve();
      else this.waiters.push(waiter);
    }
  }

  /** What the failed write carried goes with the next one; who waited for it is told. */
  private writeFailed(w: StateWrite, err: unknown): void {
    for (const c of COLLECTIONS) for (const key of w.changed[c]) this.changed[c].add(key);
    if (w.full) this.fullPending = true;
    const waiting = this.waiters;
    this.waiters = [];
    for (const waiter of waiting) {
      if (waiter.seq <= w.seq) waiter.reject(err);
      else this.waiters.push(waiter);
    }
  }
}
