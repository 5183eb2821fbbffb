// What devices sent that could not be read (a malformed MQTT message, an unreadable EKG file,
// garbage on a line), kept for review: a reading that never formed must still be findable.
// On the storage engine: `rejected` ([at, id] -> the input) and `rejected-by-device`
// ([device, at, id]), so the page's list, all devices or one, reads only the page it shows.

import { join } from 'node:path';
import type { Database } from 'lmdb';
import type { Logger } from '../model/logger.ts';
import type { StorageEngine } from './engine.ts';
import { importDayFolder, importOrLater, type ImportReport } from './journal-import.ts';
import { storedKey } from './recent-store.ts';
import { newestFirst, normalizeTime, pruneInBatches, retentionCutoff, take } from './time-index.ts';

export interface RejectedInput {
  at: string;
  deviceId: string;
  reason: string;
  /** What arrived, capped at MAX_BYTES characters. */
  bytes: string;
  truncated?: boolean;
}

const MAX_BYTES = 256 * 1024;
/** A storm of garbage on a line must not fill the disk: beyond this many a second, only counted. */
const MAX_PER_SECOND = 20;
const PRUNE_BATCH = 100;

/** Ids of this run's entries: after `at`, they order entries of one millisecond as they came. */
const RUN = Date.now().toString(36);
let counter = 0;
const nextId = () => `${RUN}-${(counter++).toString(36).padStart(8, '0')}`;

type EntryKey = [at: string, id: string];
type DeviceKey = [device: string, at: string, id: string];

function isRejectedInput(value: unknown): value is RejectedInput {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<RejectedInput>;
  return typeof r.at === 'string' && !Number.isNaN(Date.parse(r.at)) && typeof r.deviceId === 'string' && typeof r.reason === 'string' && typeof r.bytes === 'string';
}

export class RejectsJournal {
  readonly #entries: Database<RejectedInput, EntryKey>;
  readonly #byDevice: Database<true, DeviceKey>;
  readonly #window = new Map<string, { second: number; n: number }>();
  readonly #dropped = new Map<string, number>();
  readonly #retentionDays: number;
  readonly #log: Logger;

  constructor(
    private readonly engine: StorageEngine,
    opts: { retentionDays?: number; log: Logger },
  ) {
    this.#entries = engine.db<RejectedInput, EntryKey>('rejected');
    this.#byDevice = engine.db<true, DeviceKey>('rejected-by-device');
    this.#retentionDays = opts.retentionDays ?? 90;
    this.#log = opts.log;
  }

  /** The journal, with `<dataDir>/rejected/` (an earlier version's day files) imported first if it is there. */
  static async open(engine: StorageEngine, dataDir: string, opts: { retentionDays?: number; log: Logger }): Promise<RejectsJournal> {
    const journal = new RejectsJournal(engine, opts);
    await importOrLater(opts.log, () => journal.importDayFiles(join(dataDir, 'rejected')));
    return journal;
  }

  /** Imports a folder of day files an earlier version wrote; each line keyed by its file and line, so a second import adds nothing. */
  importDayFiles(folder: string): Promise<ImportReport | undefined> {
    return importDayFolder<RejectedInput>(this.engine, folder, {
      log: this.#log,
      accept: isRejectedInput,
      write: async (batch) => {
        await this.#put(batch.map((l) => [l.record, `${l.file}:${String(l.line).padStart(8, '0')}`]));
      },
    });
  }

  #put(entries: Array<[RejectedInput, string]>): Promise<boolean> {
    // Issued in one turn: one transaction, one flush.
    let done: Promise<boolean> = Promise.resolve(true);
    for (const [entry, id] of entries) {
      const at = normalizeTime(entry.at);
      void this.#entries.put([at, id], entry);
      done = this.#byDevice.put([storedKey(entry.deviceId), at, id], true);
    }
    return done;
  }

  /** Keeps one rejected input; false when it was only counted (rate limit). */
  keep(deviceId: string, reason: string, bytes: string, now = new Date()): boolean {
    const second = Math.floor(now.getTime() / 1000);
    const w = this.#window.get(deviceId);
    if (w && w.second === second && w.n >= MAX_PER_SECOND) {
      this.#dropped.set(deviceId, (this.#dropped.get(deviceId) ?? 0) + 1);
      return false;
    }
    this.#window.set(deviceId, w && w.second === second ? { second, n: w.n + 1 } : { second, n: 1 });
    const entry: RejectedInput = { at: now.toISOString(), deviceId, reason, bytes: bytes.slice(0, MAX_BYTES) };
    if (bytes.length > MAX_BYTES) entry.truncated = true;
    this.#put([[entry, nextId()]]).catch((err: unknown) => {
      this.#log.error({ device: deviceId, error: err }, 'could not keep a rejected input for review');
    });
    return true;
  }

  /** Rejected inputs not kept because of the rate limit, per device. */
  dropped(deviceId: string): number {
    return this.#dropped.get(deviceId) ?? 0;
  }

  /** Newest first, all devices or one: `limit` index keys and their entries. */
  recent(opts: { limit: number; deviceId?: string; before?: string }): RejectedInput[] {
    const { deviceId, limit, before } = opts;
    if (deviceId === undefined) {
      const out: RejectedInput[] = [];
      for (const key of take(newestFirst(this.#entries, [], before), limit)) {
        const entry = this.#entries.get(key);
        if (entry) out.push(entry);
      }
      return out;
    }
    const out: RejectedInput[] = [];
    // The index holds a long device id by its hash: the entry says whose it is.
    for (const [, at, id] of newestFirst(this.#byDevice, [storedKey(deviceId)], before)) {
      const entry = this.#entries.get([at, id]);
      if (entry?.deviceId !== deviceId) continue;
      out.push(entry);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Removes entries older than the retention (whole UTC days), a batch per transaction; resolves with how many. */
  prune(now: Date = new Date()): Promise<number> {
    const cutoff = retentionCutoff(now, this.#retentionDays);
    return pruneInBatches(() =>
      this.#entries.childTransaction(() => {
        const batch = [...this.#entries.getRange({ end: [cutoff], limit: PRUNE_BATCH })];
        for (const { key, value } of batch) {
          void this.#entries.remove(key);
          void this.#byDevice.remove([storedKey(value.deviceId), key[0], key[1]]);
        }
        return batch.length;
      }),
    );
  }
}
