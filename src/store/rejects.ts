// What devices sent that could not be read (a malformed MQTT message, an unreadable EKG file,
// garbage on a line), kept for review: a reading that never formed must still be findable.
// On the storage engine: `rejected` ([at, id] -> the input) and `rejected-by-device`
// ([device, at, id]), so the page's list, all devices or one, reads only the page it shows.
// Bounded per device and day and in total (reject-caps.ts); what is dropped is counted, and said
// once an hour per device at warn.

import { join } from 'node:path';
import type { Database } from 'lmdb';
import type { Logger } from '../model/logger.ts';
import type { StorageEngine } from './engine.ts';
import { importDayFolder, importOrLater, type ImportReport } from './journal-import.ts';
import { RejectsBudget, type Eviction, type RejectsLimits } from './reject-caps.ts';
import { storedKey } from './recent-store.ts';
import { newestFirst, normalizeTime, pruneInBatches, retentionCutoff, take } from './time-index.ts';

export interface RejectedInput {
  at: string;
  deviceId: string;
  /** Why, safe for everyone who sees the journal: it names the field, never quotes the input. */
  reason: string;
  /** The reason with the input quoted (`data field "+00083.40kg" has 11 chars`): as private as `bytes`, and withheld with them. */
  detail?: string;
  /** What arrived, capped at MAX_BYTES characters; empty when withheld. */
  bytes: string;
  truncated?: boolean;
  /** Characters that arrived (entries of earlier versions have none: their bytes' length). */
  size?: number;
  /**
   * What arrived is not kept: a watched-folder file the driver could not read may be any file the
   * gateway's user can read (a private key), so only its reason and size are.
   */
  withheld?: true;
}

/** Rejected inputs not kept, per device, since the gateway started. */
export interface DroppedInputs {
  /** Not kept: more than MAX_PER_SECOND in one second. */
  rateLimited: number;
  /** Kept, then removed to stay within the device's daily cap or the journal's total cap. */
  overCap: number;
  /** Characters of the inputs counted above. */
  bytes: number;
}

export interface RejectsJournalOptions {
  retentionDays?: number;
  limits?: RejectsLimits;
  log: Logger;
}

const MAX_BYTES = 256 * 1024;
/** A detail quotes a field or two; an internal error's message could be any length. */
const MAX_DETAIL = 1024;
/** A storm of garbage on a line must not fill the disk: beyond this many a second, only counted. */
const MAX_PER_SECOND = 20;
const PRUNE_BATCH = 100;
const WARN_EVERY_MS = 60 * 60_000;

/** Ids of this run's entries: after `at`, they order entries of one millisecond as they came. */
const RUN = Date.now().toString(36);
let counter = 0;
const nextId = () => `${RUN}-${(counter++).toString(36).padStart(8, '0')}`;

type EntryKey = [at: string, id: string];
type DeviceKey = [device: string, at: string, id: string];

const keyText = ([at, id]: EntryKey) => `${at}\u0000${id}`;
const keyOf = (text: string): EntryKey => {
  const cut = text.indexOf('\u0000');
  return [text.slice(0, cut), text.slice(cut + 1)];
};
const costOf = (e: RejectedInput) => e.bytes.length + e.reason.length + (e.detail?.length ?? 0);

function isRejectedInput(value: unknown): value is RejectedInput {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Partial<RejectedInput>;
  return (
    typeof r.at === 'string' && !Number.isNaN(Date.parse(r.at)) && typeof r.deviceId === 'string' && typeof r.reason === 'string' && typeof r.bytes === 'string'
  );
}

export class RejectsJournal {
  readonly #entries: Database<RejectedInput, EntryKey>;
  readonly #byDevice: Database<true, DeviceKey>;
  readonly #window = new Map<string, { second: number; n: number }>();
  readonly #dropped = new Map<string, DroppedInputs>();
  readonly #warnedAt = new Map<string, number>();
  readonly #budget: RejectsBudget;
  readonly #retentionDays: number;
  readonly #log: Logger;

  constructor(
    private readonly engine: StorageEngine,
    opts: RejectsJournalOptions,
  ) {
    this.#entries = engine.db<RejectedInput, EntryKey>('rejected');
    this.#byDevice = engine.db<true, DeviceKey>('rejected-by-device');
    this.#retentionDays = opts.retentionDays ?? 90;
    this.#log = opts.log;
    this.#budget = new RejectsBudget(opts.limits);
    // What an earlier version kept had no cap: counted oldest first, what is over goes now.
    const evicted: Eviction[] = [];
    for (const { key, value } of this.#entries.getRange({})) evicted.push(...this.#count(key, value));
    this.#evict(evicted, new Date(), false);
  }

  /** The journal, with `<dataDir>/rejected/` (an earlier version's day files) imported first if it is there. */
  static async open(engine: StorageEngine, dataDir: string, opts: RejectsJournalOptions): Promise<RejectsJournal> {
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

  #put(entries: Array<[RejectedInput, string]>, now = new Date()): Promise<boolean> {
    // Issued in one turn: one transaction, one flush (removals over a cap included).
    let done: Promise<boolean> = Promise.resolve(true);
    const evicted: Eviction[] = [];
    for (const [entry, id] of entries) {
      const at = normalizeTime(entry.at);
      void this.#entries.put([at, id], entry);
      done = this.#byDevice.put([storedKey(entry.deviceId), at, id], true);
      evicted.push(...this.#count([at, id], entry));
    }
    this.#evict(evicted, now, true);
    return done;
  }

  #count(key: EntryKey, entry: RejectedInput): Eviction[] {
    return this.#budget.add({ key: keyText(key), deviceId: entry.deviceId, day: key[0].slice(0, 10), cost: costOf(entry) });
  }

  /** Removes what went over a cap; `counted`: the journal's own inputs (not an earlier version's, trimmed at start). */
  #evict(evicted: Eviction[], now: Date, counted: boolean): void {
    const devices = new Set<string>();
    for (const { entry } of evicted) {
      const [at, id] = keyOf(entry.key);
      void this.#entries.remove([at, id]);
      void this.#byDevice.remove([storedKey(entry.deviceId), at, id]);
      if (!counted) continue;
      const d = this.#droppedOf(entry.deviceId);
      d.overCap++;
      d.bytes += entry.cost;
      devices.add(entry.deviceId);
    }
    if (!counted && evicted.length > 0) this.#log.warn({ removed: evicted.length }, "rejected inputs over the journal's caps removed, oldest first");
    for (const device of devices) this.#warnDropped(device, now);
  }

  #droppedOf(deviceId: string): DroppedInputs {
    let d = this.#dropped.get(deviceId);
    if (!d) this.#dropped.set(deviceId, (d = { rateLimited: 0, overCap: 0, bytes: 0 }));
    return d;
  }

  /** Once an hour per device: a flood is news, each input of it is not. */
  #warnDropped(deviceId: string, now: Date): void {
    const last = this.#warnedAt.get(deviceId);
    if (last !== undefined && now.getTime() - last < WARN_EVERY_MS) return;
    this.#warnedAt.set(deviceId, now.getTime());
    this.#log.warn(
      { device: deviceId, ...this.dropped(deviceId) },
      'rejected inputs of this device dropped (rate or size caps); counts since start, said once an hour',
    );
  }

  /**
   * Keeps one rejected input; false when it was only counted (rate limit). `withhold`: keep its
   * reason and size, not the input itself (nor the detail, which quotes it).
   */
  keep(deviceId: string, reason: string, bytes: string, now = new Date(), opts: { withhold?: boolean; detail?: string } = {}): boolean {
    const second = Math.floor(now.getTime() / 1000);
    const w = this.#window.get(deviceId);
    if (w && w.second === second && w.n >= MAX_PER_SECOND) {
      const d = this.#droppedOf(deviceId);
      d.rateLimited++;
      d.bytes += bytes.length;
      this.#warnDropped(deviceId, now);
      return false;
    }
    this.#window.set(deviceId, w && w.second === second ? { second, n: w.n + 1 } : { second, n: 1 });
    const entry: RejectedInput = { at: now.toISOString(), deviceId, reason, bytes: opts.withhold ? '' : bytes.slice(0, MAX_BYTES), size: bytes.length };
    if (opts.withhold) entry.withheld = true;
    else if (bytes.length > MAX_BYTES) entry.truncated = true;
    if (!opts.withhold && opts.detail !== undefined) entry.detail = opts.detail.slice(0, MAX_DETAIL);
    this.#put([[entry, nextId()]], now).catch((err: unknown) => {
      this.#log.error({ device: deviceId, err }, 'could not keep a rejected input for review');
    });
    return true;
  }

  /** Rejected inputs of one device not kept (rate limit) or removed (caps) since the start. */
  dropped(deviceId: string): DroppedInputs {
    return { ...(this.#dropped.get(deviceId) ?? { rateLimited: 0, overCap: 0, bytes: 0 }) };
  }

  /** The same, for every device that had any. */
  droppedAll(): Record<string, DroppedInputs> {
    return Object.fromEntries([...this.#dropped].map(([device, d]) => [device, { ...d }]));
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
          this.#budget.forget(keyText(key));
          void this.#entries.remove(key);
          void this.#byDevice.remove([storedKey(value.deviceId), key[0], key[1]]);
        }
        return batch.length;
      }),
    );
  }
}
