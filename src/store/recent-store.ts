// The durable duplicate memory: which device messages (by the key a driver gives a report) were
// stored, and as which reading, for `gateway.duplicateWindowHours`. Two named databases on the
// engine: `recent` ([deviceId, key] -> first copy) and `recent-by-time` ([ms, deviceId, key]), the
// index that lets pruning take the oldest entries a batch at a time instead of scanning everything.

import { createHash } from 'node:crypto';
import type { Database } from 'lmdb';
import type { FirstCopy } from '../model/driver.ts';
import { silentLogger, type Logger } from '../model/logger.ts';
import type { StorageEngine } from './engine.ts';

export const DEFAULT_DUPLICATE_WINDOW_HOURS = 72;

/** The gateway side of `DeviceLink.resends`: one memory for every device. */
export interface RecentMessages {
  recall(deviceId: string, key: string): FirstCopy | undefined;
  /** Resolves once the key is durable. The first copy stays: a later `remember` of a known key changes nothing. */
  remember(deviceId: string, key: string, readingId: string): Promise<void>;
}

export interface RecentStoreOptions {
  windowHours?: number;
  now?: () => Date;
  log?: Logger;
  /** Entries removed per pruning transaction. */
  pruneBatch?: number;
  /** How often old entries are pruned while the store is open (0: only when `prune()` is called). */
  pruneEveryMs?: number;
}

type RecentKey = [string, string];
type TimeKey = [number, string, string];

/** LMDB keys are at most 1978 bytes and may not contain NUL (lmdb-js README, "Keys"); such a key is stored by its SHA-256. */
const MAX_KEY_BYTES = 512;

export function storedKey(key: string): string {
  if (Buffer.byteLength(key) <= MAX_KEY_BYTES && !key.includes('\u0000')) return key;
  return `sha256:${createHash('sha256').update(key).digest('base64')}`;
}

export class RecentStore implements RecentMessages {
  readonly windowMs: number;
  readonly #byKey: Database<FirstCopy, RecentKey>;
  readonly #byTime: Database<true, TimeKey>;
  readonly #now: () => Date;
  readonly #log: Logger;
  readonly #batch: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #pruning: Promise<number> | undefined;

  constructor(engine: StorageEngine, opts: RecentStoreOptions = {}) {
    this.windowMs = (opts.windowHours ?? DEFAULT_DUPLICATE_WINDOW_HOURS) * 3600_000;
    this.#byKey = engine.db<FirstCopy, RecentKey>('recent');
    this.#byTime = engine.db<true, TimeKey>('recent-by-time');
    this.#now = opts.now ?? (() => new Date());
    this.#log = opts.log ?? silentLogger;
    this.#batch = opts.pruneBatch ?? 1000;
    const every = opts.pruneEveryMs ?? 3600_000;
    if (every > 0) {
      this.#timer = setInterval(() => void this.#prunePeriodically(), every);
      this.#timer.unref();
      void this.#prunePeriodically();
    }
  }

  recall(deviceId: string, key: string): FirstCopy | undefined {
    const first = this.#byKey.get([deviceId, storedKey(key)]);
    // Past the window it is forgotten even before pruning reaches it.
    return first !== undefined && this.#inWindow(first) ? first : undefined;
  }

  async remember(deviceId: string, key: string, readingId: string): Promise<void> {
    const k = storedKey(key);
    const at = this.#now();
    await this.#byKey.transaction(() => {
      const old = this.#byKey.get([deviceId, k]);
      if (old !== undefined && this.#inWindow(old)) return;
      if (old !== undefined) void this.#byTime.remove([Date.parse(old.at), deviceId, k]);
      void this.#byKey.put([deviceId, k], { at: at.toISOString(), readingId });
      void this.#byTime.put([at.getTime(), deviceId, k], true);
    });
  }

  /** Removes entries older than the window, a batch per transaction; resolves with how many. */
  prune(): Promise<number> {
    // One pruning at a time: two would read the same oldest batch.
    this.#pruning ??= this.#prune().finally(() => {
      this.#pruning = undefined;
    });
    return this.#pruning;
  }

  /**
   * Removes the entries remembered at or after `sinceMs` whose reading `known` does not know; resolves
   * with how many. For a backup's copy (backup/reconcile.ts): its state was read before the database
   * was copied, so a reading stored in between is not in it, and its memory must not be either.
   */
  async forgetUnknownSince(sinceMs: number, known: (readingId: string) => boolean): Promise<number> {
    const gone = [...this.#byTime.getKeys({ start: [sinceMs] })].filter(([ms, deviceId, k]) => {
      const first = this.#byKey.get([deviceId, k]);
      return first !== undefined && Date.parse(first.at) === ms && !known(first.readingId);
    });
    if (gone.length === 0) return 0;
    await this.#byTime.transaction(() => {
      for (const [ms, deviceId, k] of gone) {
        void this.#byTime.remove([ms, deviceId, k]);
        void this.#byKey.remove([deviceId, k]);
      }
    });
    return gone.length;
  }

  /** Stops the pruning timer and waits for a pruning under way; the engine is closed by its owner. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#pruning?.catch(() => undefined);
  }

  #inWindow(first: FirstCopy): boolean {
    return Date.parse(first.at) > this.#now().getTime() - this.windowMs;
  }

  async #prune(): Promise<number> {
    // Entries at or before the cutoff are outside the window (see #inWindow); [cutoff + 1] sorts after them.
    const cutoff = this.#now().getTime() - this.windowMs;
    let removed = 0;
    for (;;) {
      const batch = [...this.#byTime.getKeys({ end: [cutoff + 1], limit: this.#batch })];
      if (batch.length === 0) return removed;
      await this.#byTime.transaction(() => {
        for (const [ms, deviceId, k] of batch) {
          void this.#byTime.remove([ms, deviceId, k]);
          // A newer first copy under the same key (remembered again after it expired) has its own time entry.
          const first = this.#byKey.get([deviceId, k]);
          if (first !== undefined && Date.parse(first.at) === ms) void this.#byKey.remove([deviceId, k]);
        }
      });
      removed += batch.length;
    }
  }

  async #prunePeriodically(): Promise<void> {
    try {
      const n = await this.prune();
      if (n > 0) this.#log.info({ entries: n }, 'duplicate memory: entries older than the window pruned');
    } catch (err) {
      this.#log.error({ err }, 'duplicate memory pruning failed');
    }
  }
}
