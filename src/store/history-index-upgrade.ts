// The history's index layout, and bringing an older one up to it in the background.
//
// Layout 1 (before this file): messages listed by destination and state only. Layout 2 adds the
// message lists by device and by patient (MRN). The upgrade puts only those two keys per archived
// message (the MRN from its reading's entry, which layout 1 already kept), a batch per write
// transaction that also records the last message done: after a crash or a stop the next run goes on
// from there. Each batch reads its messages inside its transaction, so a message the writer thread
// appended again or pruning removed meanwhile is seen as it is now. The layout is recorded when the
// last message is done; until then the store answers device and patient filters by a bounded scan
// (history-store.ts). It runs after the gateway is up, never in the way of its start: a clinic's
// million messages take minutes on a small board. The data format (data-format.ts) is raised with
// it, so an older medgate, which would archive messages without these keys, refuses the folder.

import type { Database } from 'lmdb';
import type { Logger } from '../model/logger.ts';

export const INDEX_LAYOUT = 2;
const LAYOUT_KEY = 'index-layout';
const PROGRESS_KEY = 'index-upgrade';
/**
 * Messages per transaction. Measured on a 2-core x86 with 200,000 messages: 100 hold the event loop
 * at most 13 ms (p99 5 ms) and take 14 s in all; 500 held it up to 64 ms (p99 29 ms) for 9 s.
 */
const BATCH = 100;

type ListKey = Array<string | number>;

export interface IndexLayoutMeta {
  layout: number;
  at: string;
}

/** Where an unfinished upgrade stopped. */
export interface IndexUpgradeProgress {
  /** The key of the last archived message done. */
  after: string;
  messages: number;
}

export type HistoryMeta = IndexLayoutMeta | IndexUpgradeProgress;

export interface IndexUpgradeParts<M> {
  meta: Database<HistoryMeta, string>;
  messages: Database<M, string>;
  lists: Database<true, ListKey>;
  /** The list keys layout 2 adds for an archived message (read inside the write transaction). */
  addedLists(m: M): ListKey[];
  log: Logger;
  /** Messages per transaction (tests make it small). */
  batch?: number;
  /** Checked between batches: true ends the run, its progress kept. */
  stopped?: () => boolean;
}

export interface IndexUpgradeResult {
  /** Messages indexed by this run. */
  messages: number;
  /** Whether the layout is recorded (false: stopped part-way). */
  done: boolean;
}

/** Whether the lists are in this version's layout: recorded, or a history with no message yet. */
export function indexesCurrent(meta: Database<HistoryMeta, string>, messages: Database<unknown, string>): boolean {
  const layout = meta.get(LAYOUT_KEY);
  if (layout && 'layout' in layout && layout.layout >= INDEX_LAYOUT) return true;
  return meta.get(PROGRESS_KEY) === undefined && messages.getKeysCount({ limit: 1 }) === 0;
}

/** Runs the upgrade (or what is left of it) batch by batch, yielding to the event loop between batches. */
export async function upgradeIndexes<M>(parts: IndexUpgradeParts<M>): Promise<IndexUpgradeResult> {
  const layout = parts.meta.get(LAYOUT_KEY);
  if (layout && 'layout' in layout && layout.layout >= INDEX_LAYOUT) return { messages: 0, done: true };
  const size = parts.batch ?? BATCH;
  let indexed = 0;
  for (;;) {
    if (parts.stopped?.()) return { messages: indexed, done: false };
    const n = await parts.messages.transaction(() => {
      const progress = parts.meta.get(PROGRESS_KEY);
      const after = progress && 'after' in progress ? progress : undefined;
      let last: string | undefined;
      let count = 0;
      for (const { key, value } of parts.messages.getRange(after ? { start: after.after, limit: size + 1 } : { limit: size })) {
        if (key === after?.after || count === size) continue;
        for (const k of parts.addedLists(value)) void parts.lists.put(k, true);
        last = key;
        count++;
      }
      if (last === undefined) {
        void parts.meta.put(LAYOUT_KEY, { layout: INDEX_LAYOUT, at: new Date().toISOString() });
        void parts.meta.remove(PROGRESS_KEY);
        // The progress counts every run's messages.
        if (after) parts.log.info({ messages: after.messages, layout: INDEX_LAYOUT }, 'history indexes upgraded');
        return 0;
      }
      void parts.meta.put(PROGRESS_KEY, { after: last, messages: (after?.messages ?? 0) + count });
      return count;
    });
    if (n === 0) return { messages: indexed, done: true };
    indexed += n;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** A run in the background: `done` resolves when it ends (a failure is logged, never thrown). */
export interface BackgroundUpgrade {
  done: Promise<IndexUpgradeResult | undefined>;
  /** Ends the run after its current batch; resolves when it has. */
  stop(): Promise<void>;
}

export function upgradeInBackground(run: (stopped: () => boolean) => Promise<IndexUpgradeResult>, log: Logger): BackgroundUpgrade {
  let stopping = false;
  const done = new Promise<void>((resolve) => setImmediate(resolve))
    .then(() => run(() => stopping))
    .catch((err: unknown) => {
      // The gateway goes on: device and patient message filters keep searching by scan.
      log.error({ err }, 'history index upgrade failed: message filters by device and patient search the newest messages only until the next start');
      return undefined;
    });
  return {
    done,
    async stop() {
      stopping = true;
      await done;
    },
  };
}
