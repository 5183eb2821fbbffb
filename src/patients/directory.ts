// The patient directory as the gateway holds it: the pure state (directory-state.ts) kept in
// <dataDir>/directory.json, changed only through applyDurably (which resolves once the change is
// fsync'd, so the inbound listener can ACK after it), read through the lookups of PatientDirectory.

import { join } from 'node:path';
import type { InboundEvent } from '../inbound/events.ts';
import { silentLogger, type Logger } from '../model/logger.ts';
import { DirectoryIndex } from './directory-index.ts';
import { apply, emptyDirectory, fromDoc, prune, toDoc, type DirectoryDoc, type DirectoryState, type RetentionOptions } from './directory-state.ts';
import { DurableDocument, type DocumentAdapter } from '../store/durable-document.ts';
import type { DirectoryEntry, OrderEntry, PatientDirectory } from './types.ts';

export {
  apply,
  emptyDirectory,
  prune,
  resolveEntry,
  DEFAULT_RETENTION_HOURS,
  DEFAULT_ACTIVE_RETENTION_HOURS,
  DEFAULT_ORDER_RETENTION_HOURS,
} from './directory-state.ts';
export type { DirectoryDoc, DirectoryState, RetentionOptions } from './directory-state.ts';
export { DirectoryIndex, normalizeName } from './directory-index.ts';

export const DIRECTORY_FILE = 'directory.json';

export function directoryFile(dataDir: string): string {
  return join(dataDir, DIRECTORY_FILE);
}

export interface PatientDirectoryStoreOptions extends RetentionOptions {
  log?: Logger;
  now?: () => Date;
  /** Pruning runs on open, on every change, and on this timer (default 15 minutes; 0 = no timer). */
  pruneIntervalMs?: number;
  /** Replaces the durable file adapter (tests inject failures through it). */
  adapter?: DocumentAdapter<DirectoryDoc>;
}

export interface DirectorySummary {
  active: number;
  discharged: number;
  /** Forwarding addresses left by merges. */
  merged: number;
  openOrders: number;
  cancelledOrders: number;
}

export class PatientDirectoryStore implements PatientDirectory {
  private current: DirectoryState = emptyDirectory();
  private index = new DirectoryIndex(this.current);
  private document!: DurableDocument<DirectoryDoc>;
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly now: () => Date;

  private constructor(
    readonly file: string,
    private readonly opts: PatientDirectoryStoreOptions,
  ) {
    this.log = (opts.log ?? silentLogger).child({ component: 'patient-directory' });
    this.now = opts.now ?? (() => new Date());
  }

  static async open(file: string, opts: PatientDirectoryStoreOptions = {}): Promise<PatientDirectoryStore> {
    const store = new PatientDirectoryStore(file, opts);
    const { document, stored } = await DurableDocument.open<DirectoryDoc>(file, () => toDoc(store.current), {
      log: store.log,
      ...(opts.adapter ? { adapter: opts.adapter } : {}),
    });
    store.document = document;
    try {
      if (stored !== null) store.replace(fromDoc(file, stored));
      const removed = await store.prune();
      store.log.info({ entries: store.current.entries.size, orders: store.current.orders.size, pruned: removed }, 'patient directory loaded');
    } catch (err) {
      await document.close().catch(() => undefined);
      throw err;
    }
    const every = opts.pruneIntervalMs ?? 15 * 60_000;
    if (every > 0) {
      store.timer = setInterval(() => {
        store.prune().catch((err: unknown) => store.log.error({ err }, 'directory prune failed'));
      }, every);
      store.timer.unref();
    }
    return store;
  }

  /** The state now (read-only: change it through applyDurably). */
  get state(): DirectoryState {
    return this.current;
  }

  /**
   * Applies the event in memory at once (lookups see it) and resolves once it is on disk. On a
   * failed write the change stays in memory and goes out with the next write; the sender, told
   * AE, resends, and applying the same message again changes nothing more.
   */
  applyDurably(event: InboundEvent): Promise<void> {
    const now = this.now();
    this.replace(prune(apply(this.current, event, now), now, this.opts).state);
    return this.document.save();
  }

  /** Drops what has aged out; resolves with how many once that is on disk. */
  async prune(now: Date = this.now()): Promise<number> {
    const { state, removed } = prune(this.current, now, this.opts);
    if (removed === 0) return 0;
    this.replace(state);
    await this.document.save();
    this.log.info({ removed }, 'pruned the patient directory');
    return removed;
  }

  summary(): DirectorySummary {
    const s: DirectorySummary = { active: 0, discharged: 0, merged: 0, openOrders: 0, cancelledOrders: 0 };
    for (const e of this.current.entries.values()) {
      if (e.mergedInto !== undefined) s.merged++;
      else if (e.status === 'active') s.active++;
      else s.discharged++;
    }
    for (const o of this.current.orders.values()) {
      if (o.status === 'open') s.openOrders++;
      else s.cancelledOrders++;
    }
    return s;
  }

  byMrn(mrn: string, assigningAuthority?: string): DirectoryEntry | undefined {
    return this.index.byMrn(mrn, assigningAuthority);
  }

  byVisit(visitNumber: string): DirectoryEntry | undefined {
    return this.index.byVisit(visitNumber);
  }

  byNameAndBirthDate(family: string, given: string, dob: string): DirectoryEntry[] {
    return this.index.byNameAndBirthDate(family, given, dob);
  }

  orderBySpecimen(specimenId: string): OrderEntry | undefined {
    return this.index.orderBySpecimen(specimenId);
  }

  ordersBySpecimen(specimenId: string): OrderEntry[] {
    return this.index.ordersBySpecimen(specimenId);
  }

  orderByNumber(placerOrFiller: string): OrderEntry | undefined {
    return this.index.orderByNumber(placerOrFiller);
  }

  /** Writes what is pending, stops the prune timer and releases the file. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.document.close();
  }

  private replace(state: DirectoryState): void {
    if (state === this.current) return;
    this.current = state;
    this.index = new DirectoryIndex(state);
  }
}
