// The state document (lowdb) with coalesced durable writes: a change applies in memory at once and
// its promise resolves only after a write that contains it has been fsync'd.

import { Low, type Adapter } from 'lowdb';
import { silentLogger, type Logger } from '../model/logger.ts';
import { DurableFileAdapter } from './durable-file-adapter.ts';
import { emptyState, type StateDoc } from './types.ts';

/** What the store needs from its adapter; DurableFileAdapter is the real one, tests wrap it. */
export interface StoreAdapter extends Adapter<StateDoc> {
  close(): Promise<void>;
}

export interface StateStoreOptions {
  log?: Logger;
  /** Replaces the durable file adapter (tests inject failures through it). */
  adapter?: StoreAdapter;
}

interface Batch {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A batch nobody awaits (flush of a failed write) must not become an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks the top-level shape; fills collections a future version might leave out. */
function checkShape(file: string, value: unknown): StateDoc {
  if (!isRecord(value)) throw new Error(`${file}: the state document is not a JSON object`);
  if (value.version !== 1) throw new Error(`${file}: unsupported state version ${JSON.stringify(value.version)} (expected 1)`);
  if (typeof value.seq !== 'number') throw new Error(`${file}: "seq" is not a number`);
  for (const key of ['bindings', 'readings', 'messages'] as const) {
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
      // The same bytes go out again; the receiver may see the control ID twice (DESIGN.md "Outbox").
      m.state = 'queued';
      delete m.nextAttemptAt;
      n++;
    }
  }
  return n;
}

export class StateStore {
  private pending: Batch | undefined;
  private inFlight: Promise<void> | undefined;
  /** Bumped on every change; durableVersion is the newest one known to be on disk. */
  private version = 0;
  private durableVersion = 0;
  private closed = false;

  private constructor(
    private readonly db: Low<StateDoc>,
    private readonly adapter: StoreAdapter,
    private readonly log: Logger,
  ) {}

  static async open(file: string, opts: StateStoreOptions = {}): Promise<StateStore> {
    const log = opts.log ?? silentLogger;
    const adapter = opts.adapter ?? (await DurableFileAdapter.open<StateDoc>(file, { log }));
    try {
      const raw = await adapter.read();
      const created = raw === null;
      const doc = created ? emptyState() : checkShape(file, raw);
      const db = new Low<StateDoc>(adapter, doc);
      const store = new StateStore(db, adapter, log);
      const requeued = requeueInterruptedSends(doc);
      if (requeued > 0) log.warn({ file, requeued }, 'messages that were being sent at the last stop go out again');
      if (created || requeued > 0) await db.write();
      return store;
    } catch (err) {
      await adapter.close().catch(() => undefined);
      throw err;
    }
  }

  /** The current in-memory state. Read-only by convention: change it through update(). */
  get data(): Readonly<StateDoc> {
    return this.db.data;
  }

  /** Applies `mutate` now; resolves with its result once the change is durable. */
  update<T>(mutate: (doc: StateDoc) => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('state store is closed'));
    let result: T;
    try {
      result = mutate(this.db.data);
    } catch (err) {
      return Promise.reject(err);
    }
    this.version++;
    return this.schedule().then(() => result);
  }

  /** Resolves when everything changed so far is durable (retries a write that failed before). */
  async flush(): Promise<void> {
    while (this.durableVersion < this.version) await this.schedule();
    await this.inFlight;
  }

  /** Flushes, then releases the file and its lock; later updates reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      await this.adapter.close();
    }
  }

  private schedule(): Promise<void> {
    if (this.pending) return this.pending.promise;
    const batch = newBatch();
    this.pending = batch;
    // setImmediate, not a microtask: updates made across awaits within the same turn join the batch.
    if (!this.inFlight) setImmediate(() => this.startWrite());
    return batch.promise;
  }

  private startWrite(): void {
    const batch = this.pending;
    if (!batch || this.inFlight) return;
    this.pending = undefined;
    const version = this.version;
    this.inFlight = this.db.write().then(
      () => {
        this.durableVersion = Math.max(this.durableVersion, version);
        batch.resolve();
      },
      (err: unknown) => {
        // The changes stay in memory; the next update or flush writes them again.
        this.log.error({ err, file: this.describeFile() }, 'state write failed; the next change retries it');
        batch.reject(err);
      },
    ).finally(() => {
      this.inFlight = undefined;
      // Everything that arrived during the write goes out in exactly one following write.
      if (this.pending) this.startWrite();
    });
  }

  private describeFile(): string | undefined {
    return this.adapter instanceof DurableFileAdapter ? this.adapter.file : undefined;
  }
}
