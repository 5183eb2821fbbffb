// One JSON document on disk with coalesced durable writes, for the state store and the patient directory:
// changes made in the same turn share one write, and save() resolves only once a write that
// contains them has been fsync'd.

import { silentLogger, type Logger } from '../model/logger.ts';
import { DurableFileAdapter } from './durable-file-adapter.ts';

/** What the document needs from its file; DurableFileAdapter is the real one, tests inject failures. */
export interface DocumentAdapter<T> {
  read(): Promise<T | null>;
  write(data: T): Promise<void>;
  close(): Promise<void>;
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

export class DurableDocument<T> {
  private pending: Batch | undefined;
  private inFlight: Promise<void> | undefined;
  private version = 0;
  private durableVersion = 0;
  private closed = false;

  private constructor(
    private readonly adapter: DocumentAdapter<T>,
    /** Called when a write starts: the document as it is then. */
    private readonly snapshot: () => T,
    private readonly log: Logger,
    private readonly file: string,
  ) {}

  /** Opens (and locks) the file; `snapshot` is read at each write. Returns the stored document, null when there is none yet. */
  static async open<T>(
    file: string,
    snapshot: () => T,
    opts: { log?: Logger; adapter?: DocumentAdapter<T> } = {},
  ): Promise<{ document: DurableDocument<T>; stored: T | null }> {
    const log = opts.log ?? silentLogger;
    const adapter = opts.adapter ?? (await DurableFileAdapter.open<T>(file, { log }));
    try {
      const stored = await adapter.read();
      return { document: new DurableDocument<T>(adapter, snapshot, log, file), stored };
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

  /** Resolves when everything saved so far is durable (retrying a write that failed). */
  async flush(): Promise<void> {
    while (this.durableVersion < this.version) await this.schedule();
    await this.inFlight;
  }

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
    // setImmediate, not a microtask: changes made across awaits in the same turn join the batch.
    if (!this.inFlight) setImmediate(() => this.startWrite());
    return batch.promise;
  }

  private startWrite(): void {
    const batch = this.pending;
    if (!batch || this.inFlight) return;
    this.pending = undefined;
    const version = this.version;
    let written: Promise<void>;
    try {
      // Both may throw synchronously (DurableFileAdapter serializes inside write()).
      written = this.adapter.write(this.snapshot());
    } catch (err) {
      written = Promise.reject(err);
    }
    this.inFlight = written
      .then(
        () => {
          this.durableVersion = Math.max(this.durableVersion, version);
          batch.resolve();
        },
        (err: unknown) => {
          // The change stays in memory; the next save or flush writes it again.
          this.log.error({ file: this.file, err: err instanceof Error ? err.message : String(err) }, 'document write failed; the next change retries it');
          batch.reject(err);
        },
      )
      .finally(() => {
        this.inFlight = undefined;
        if (this.pending) this.startWrite();
      });
  }
}
