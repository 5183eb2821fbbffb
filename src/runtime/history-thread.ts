// The history's writes on a thread of their own. Encoding a delivered reading, its messages and
// their ten index entries for LMDB was the largest share of the main thread's time per reading
// left after the rest was trimmed; on the main thread it delays every device and every ACK behind
// it. The worker (history-thread-worker.ts) opens the same environment (lmdb-js shares it between
// the threads of a process) and runs HistoryStore's own append; the main thread keeps the queries.
//
// Decisions:
// - An append resolves when the worker says its transaction is on disk, and rejects with the
//   worker's error otherwise: the caller (archiving) keeps the readings in the state and retries.
// - A worker that dies (or never starts) must not stop archiving: the appends waiting for it are
//   rejected (they are retried), it is logged once, and from then on appends run on this thread.
// - close() lets the appends already sent finish, then closes the worker's handle on the
//   environment, before the engine itself is closed (the gateway's stoppers run in that order).
// - Neither a worker that never says it is ready nor one that does not close holds up the start or
//   the stop: after a while it is ended (terminate()) and appends run here.
// - The worker starts when appends come faster than `startAtRecordsPerSecond` (a second V8 heap
//   costs 10-15 MB, which a clinic's few readings an hour do not need; the bench's flood starts it
//   in its first second). Until it is ready, appends run here. Without that setting it starts at once.
// - After the worker's commit the main thread's read snapshot is renewed (onWritten) before the
//   caller goes on to remove the readings from the state: a page request in the same turn must
//   find them in one place or the other.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../model/logger.ts';
import { DIST_DIR, FROM_SOURCES } from '../run-mode.ts';
import type { HistoryRecord, HistorySink } from '../store/types.ts';
import { errorText } from '../model/error-text.ts';

export type ThreadRequest = { type: 'append'; id: number; records: HistoryRecord[] } | { type: 'close' };
export type ThreadReply = { type: 'ready' } | { type: 'appended'; id: number; error?: string } | { type: 'closed' };

export interface HistoryThreadOptions {
  dataDir: string;
  log: Logger;
  /** Where appends go once the worker is gone: the history store on this thread. */
  fallback: (records: HistoryRecord[]) => Promise<void>;
  /** Called after each append the worker committed, before its caller hears of it (renew reads). */
  onWritten?: () => void;
  /** The worker's module; tests replace it. */
  workerUrl?: URL;
  /** How long start() and close() wait for the worker. Default 15 s. */
  timeoutMs?: number;
  /** Start the worker only once appends reach this many records in a second; unset: at once. */
  startAtRecordsPerSecond?: number;
}

// The worker only encodes and commits batches: a young generation of a few MB is plenty, and V8's
// default (16 MB semi-spaces) would hold memory a Pi needs.
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };

/**
 * A worker on `url`. Run from source (TypeScript through tsx), the worker registers tsx first: on
 * Node 20 the main thread's module hooks do not reach worker threads.
 */
function startWorker(url: URL, workerData: unknown): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData, resourceLimits: WORKER_LIMITS });
  // Resolved here: an eval'd worker would resolve a bare name from the working directory.
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((tsx) => tsx.register()).then(() => import(${JSON.stringify(url.href)}))`;
  return new Worker(boot, { eval: true, workerData, resourceLimits: WORKER_LIMITS });
}

// The build makes the worker an entry point of its own (scripts/build.ts), beside the CLI in dist/.
const WORKER_URL = FROM_SOURCES ? new URL('./history-thread-worker.ts', import.meta.url) : pathToFileURL(join(DIST_DIR, 'history-thread-worker.js'));

interface Pending {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class HistoryThread implements HistorySink {
  readonly #pending = new Map<number, Pending>();
  /** The worker, once it said it is ready. */
  #worker: Worker | undefined;
  #starting: Promise<void> | undefined;
  readonly #timeoutMs: number;
  #next = 1;
  #gone = false;
  #closed: Promise<void> | undefined;
  #windowStart = 0;
  #windowRecords = 0;

  private constructor(private readonly opts: HistoryThreadOptions) {
    this.#timeoutMs = opts.timeoutMs ?? 15_000;
  }

  /** Resolves once the worker has the environment open, or at once when it starts under load. */
  static async start(opts: HistoryThreadOptions): Promise<HistoryThread> {
    const thread = new HistoryThread(opts);
    if (!opts.startAtRecordsPerSecond) await thread.#spawn();
    return thread;
  }

  /** True once appends run on this thread for good (the worker is gone). */
  get onFallback(): boolean {
    return this.#gone;
  }

  /** True while appends go to the worker. */
  get running(): boolean {
    return this.#worker !== undefined && !this.#gone;
  }

  #spawn(): Promise<void> {
    this.#starting ??= (async () => {
      let worker: Worker;
      try {
        worker = startWorker(this.opts.workerUrl ?? WORKER_URL, { dataDir: this.opts.dataDir });
      } catch (err) {
        this.#lost(`the history writer thread could not be started: ${errorText(err)}`);
        return;
      }
      worker.on('error', (err) => this.#lost(`the history writer thread failed: ${err.message}`));
      worker.on('exit', (code) => this.#lost(`the history writer thread exited (${code})`));
      const ready = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), this.#timeoutMs);
        const onReady = (reply: ThreadReply) => {
          if (reply.type !== 'ready') return;
          worker.off('message', onReady);
          clearTimeout(timer);
          resolve(true);
        };
        worker.on('message', onReady);
        worker.once('exit', () => {
          clearTimeout(timer);
          resolve(false);
        });
      });
      if (!ready) {
        if (!this.#gone) this.#lost(`the history writer thread did not start within ${this.#timeoutMs} ms`);
        await worker.terminate();
        return;
      }
      worker.on('message', (reply: ThreadReply) => this.#onReply(reply));
      this.#worker = worker; // close() closes it even when asked while it was starting
    })();
    return this.#starting;
  }

  /** Whether this append makes the rate reach the setting: then the worker is started. */
  #underLoad(records: number): boolean {
    const perSecond = this.opts.startAtRecordsPerSecond;
    if (!perSecond || this.#starting) return false;
    const now = performance.now();
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#windowRecords = 0;
    }
    this.#windowRecords += records;
    return this.#windowRecords >= perSecond;
  }

  append(records: HistoryRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const worker = this.#worker;
    if (this.#gone || this.#closed || !worker) {
      if (!this.#gone && !this.#closed && this.#underLoad(records.length)) void this.#spawn();
      return this.opts.fallback(records);
    }
    const id = this.#next++;
    return new Promise<void>((resolve, reject) => {
      try {
        worker.postMessage({ type: 'append', id, records } satisfies ThreadRequest);
      } catch (err) {
        // A record that cannot be copied to the thread (a bug): refused like a failed write.
        reject(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      this.#pending.set(id, { resolve, reject });
    });
  }

  /** Lets what was sent finish, then closes the worker's handle on the environment. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#starting;
      const worker = this.#worker;
      if (this.#gone || !worker) return;
      const exited = new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), this.#timeoutMs);
        worker.once('exit', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      worker.postMessage({ type: 'close' } satisfies ThreadRequest);
      if (!(await exited)) {
        this.opts.log.error({ timeoutMs: this.#timeoutMs }, 'the history writer thread did not close in time: ended');
        await worker.terminate();
      }
    })();
    return this.#closed;
  }

  #onReply(reply: ThreadReply): void {
    if (reply.type !== 'appended') return;
    const p = this.#pending.get(reply.id);
    if (!p) return;
    this.#pending.delete(reply.id);
    if (reply.error !== undefined) {
      p.reject(new Error(reply.error));
      return;
    }
    try {
      this.opts.onWritten?.();
    } finally {
      p.resolve(); // committed: whatever renewing the reads did
    }
  }

  #lost(why: string): void {
    if (this.#gone) return;
    this.#gone = true;
    const waiting = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of waiting) p.reject(new Error(why));
    // The end of a close() that asked for it is no loss.
    if (this.#closed) return;
    this.opts.log.error({ err: why, appendsLost: waiting.length }, 'history writes go on on the main thread (those under way are retried)');
  }
}
