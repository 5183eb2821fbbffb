// One document on disk with coalesced durable writes, for the state store, the patient directory and
// the users file: changes made in the same turn share one write, and save() resolves only once a
// write that contains them has been fsync'd.
//
// When writes fail (a full disk, an I/O error) the change stays in memory and is written again by
// the next save, by flush(), or by a retry of our own a second later: nothing needs a restart. The
// log says so once when writing starts failing and once when it works again, not once per attempt.

import { silentLogger, type Logger } from '../model/logger.ts';
import { DurableFileAdapter } from './durable-file-adapter.ts';
import { errorText } from '../model/error-text.ts';

/** What the document needs from its file; DurableFileAdapter is the real one, tests inject failures. */
export interface DocumentAdapter<T, R = T> {
  /** What is stored (for the state store: the document, while writes carry what changed). */
  read(): Promise<R | null>;
  /** Durable once resolved. Must take what it writes from `data` before it first awaits. */
  write(data: T): Promise<void>;
  close(): Promise<void>;
}

export interface DurableDocumentOptions<T, R = T> {
  log?: Logger;
  adapter?: DocumentAdapter<T, R>;
  /** Told, in write order, when a write of `data` (a snapshot() result) is on disk. */
  onWritten?: (data: T) => void;
  /** Told when a write of `data` failed: what it carried is not on disk and must go with a later one. */
  onWriteFailed?: (data: T, err: unknown) => void;
  /** After a failed write with nothing else to write, try again this much later. Default 1000. */
  retryMs?: number;
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
  promise.catch(() => undefined); // a batch nobody awaits must not become an unhandled rejection
  return { promise, resolve, reject };
}

/** An error as one short line (no stack): a full disk repeats itself, its stack says nothing. */
export function errorLine(err: unknown): string {
  const text = errorText(err);
  const code = err instanceof Error ? (err as NodeJS.ErrnoException).code : undefined;
  return code && !text.startsWith(code) ? `${code}: ${text}` : text;
}

export class DurableDocument<T, R = T> {
  private pending: Batch | undefined;
  private inFlight: Promise<void> | undefined;
  private version = 0;
  private durableVersion = 0;
  private closed = false;
  /** Since when writes fail, and how often they did; undefined while they work. */
  private failing: { since: number; attempts: number } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;

  private constructor(
    private readonly adapter: DocumentAdapter<T, R>,
    /** Called when a write starts: the document as it is then. */
    private readonly snapshot: () => T,
    private readonly log: Logger,
    private readonly file: string,
    private readonly opts: DurableDocumentOptions<T, R>,
  ) {}

  /** Opens (and locks) the file; `snapshot` is read at each write. Returns the stored document, null when there is none yet. */
  static async open<T, R = T>(
    file: string,
    snapshot: () => T,
    opts: DurableDocumentOptions<T, R> = {},
  ): Promise<{ document: DurableDocument<T, R>; stored: R | null }> {
    const log = opts.log ?? silentLogger;
    // Without an adapter the document is a file that reads back what was written (R is T).
    const adapter: DocumentAdapter<T, R> = opts.adapter ?? ((await DurableFileAdapter.open<T>(file, { log })) as unknown as DocumentAdapter<T, R>);
    try {
      const stored = await adapter.read();
      return { document: new DurableDocument<T, R>(adapter, snapshot, log, file, opts), stored };
    } catch (err) {
      await adapter.close().catch(() => undefined);
      throw err;
    }
  }

  /** Resolves once everything changed before this call is on disk. */
  save(): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.file}: document is closed`));
    this.version++;
    return this.schedule();
  }

  /** True while the last write failed (until one succeeds). */
  get writesFailing(): boolean {
    return this.failing !== undefined;
  }

  /** Resolves when everything saved so far is durable (retrying a write that failed). */
  async flush(): Promise<void> {
    const target = this.version;
    while (this.durableVersion < target) await this.schedule();
    await this.inFlight;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      clearTimeout(this.retryTimer);
      await this.adapter.close();
    }
  }

  private schedule(): Promise<void> {
    if (this.pending) return this.pending.promise;
    const batch = newBatch();
    this.pending = batch;
    // setImmediate, not a microtask: changes made across awaits in the same turn join the batch.
    if (!this.inFlight) setImmediate(() => this.startWrite());
    return batch.promise;
  }

  private startWrite(): void {
    const batch = this.pending;
    if (!batch || this.inFlight) return;
    this.pending = undefined;
    const version = this.version;
    let data: T | undefined;
    let written: Promise<void>;
    try {
      // Both may throw synchronously (DurableFileAdapter serializes inside write()).
      data = this.snapshot();
      written = this.adapter.write(data);
    } catch (err) {
      written = Promise.reject(err);
    }
    let failed = false;
    this.inFlight = written
      .then(
        () => {
          this.durableVersion = Math.max(this.durableVersion, version);
          this.recovered();
          if (data !== undefined) this.opts.onWritten?.(data);
          batch.resolve();
        },
        (err: unknown) => {
          failed = true;
          this.failed(err);
          if (data !== undefined) this.opts.onWriteFailed?.(data, err);
          batch.reject(err);
        },
      )
      .finally(() => {
        this.inFlight = undefined;
        if (!this.pending) return;
        // After a failure the next write waits a turn: those told "not stored" (a device's reading)
        // take back what they changed first, so it cannot reach the disk with a later write.
        if (failed) setImmediate(() => this.startWrite());
        else this.startWrite();
      });
  }

  private failed(err: unknown): void {
    if (this.failing) {
      this.failing.attempts++;
      this.log.debug({ file: this.file, err: errorLine(err) }, 'document write failed again');
    } else {
      this.failing = { since: Date.now(), attempts: 1 };
      this.log.error(
        { file: this.file, err: errorLine(err) },
        'writes are failing: changes are kept in memory and nothing is acknowledged as stored until a write works again',
      );
    }
    // Nobody else may write for a while (an idle gateway): try again ourselves.
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      if (!this.closed && this.durableVersion < this.version) this.flush().catch(() => undefined);
    }, this.opts.retryMs ?? 1000);
    this.retryTimer.unref();
  }

  private recovered(): void {
    if (!this.failing) return;
    const { since, attempts } = this.failing;
    this.failing = undefined;
    clearTimeout(this.retryTimer);
    this.log.warn({ file: this.file, failedWrites: attempts, failingMs: Date.now() - since }, 'writes work again');
  }
}
