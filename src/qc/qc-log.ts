// The QC log: every control result the analyzers sent, on the storage engine. Entries by id in
// `qc-entries`; one index `qc-lists` whose keys are `[list, ...what, time, id]`, so every list the
// API offers (all, a device, a device and lot, a device and test, a device, test and lot, a test, a lot) is read
// backwards from a `before` time and a page of N costs N keys (time-index.ts); one more list by the
// gateway's receipt time is what retention goes by. The series (one per
// device, test and lot, with its count and last entry) are kept in `qc-series` and in memory: the
// page asks for them every few seconds, years of QC must not make that slower.

import type { Database } from 'lmdb';
import type { ControlRole } from '../model/control-mark.ts';
import { DEFAULT_QC_RETENTION_DAYS } from '../model/qc-settings.ts';
import { RequestError } from '../model/request-error.ts';
import type { Logger } from '../model/logger.ts';
import type { StorageEngine } from '../store/engine.ts';
import { newestFirst, normalizeTime, pruneInBatches, retentionCutoff } from '../store/time-index.ts';
import type { QcRuleResult, QcStatus, QcTargetView } from './qc-view.ts';

/** One control result as stored (the API's QcEntryView adds the device's label). */
export interface QcEntry {
  id: string;
  device: string;
  /** The analyzer's own test code (`code.local.code`). */
  test: string;
  testName?: string;
  loinc?: string;
  lot: string;
  level?: string;
  material?: string;
  expires?: string;
  /** The control's sample ID as the analyzer sent it. */
  specimen?: string;
  value: number | string;
  unit?: string;
  /** When measured (UTC ISO); the receipt time when the analyzer sent none. */
  time: string;
  receivedAt: string;
  role: ControlRole;
  marker: string;
  /** Results of one device and test within the run window share a run: its id and its first result's time. */
  run: string;
  runStart: string;
  target?: QcTargetView;
  z?: number;
  status: QcStatus;
  notJudged?: string;
  rules: QcRuleResult[];
  rejection?: string;
}

/** One device, test and lot: how many results, the last, and what the page shows of it. */
export interface QcSeries {
  device: string;
  test: string;
  lot: string;
  count: number;
  /** Numeric control results (those that can establish a target). */
  numeric: number;
  lastId: string;
  lastTime: string;
  testName?: string;
  level?: string;
  material?: string;
  unit?: string;
}

export interface QcListQuery {
  device?: string;
  test?: string;
  lot?: string;
  limit: number;
  before?: string;
}

export interface QcLogOptions {
  /** Read at each prune: a config edit applies to the next one. */
  retentionDays?(): number | undefined;
  log: Logger;
}

type ListKey = Array<string>;
type SeriesKey = [device: string, test: string, lot: string];

const PRUNE_BATCH = 100;

/** The index lists one entry belongs to by measured time (without time and id); the first is every entry's. */
function listsOf(e: Pick<QcEntry, 'device' | 'test' | 'lot'>): string[][] {
  return [['*'], ['d', e.device], ['D', e.device, e.lot], ['t', e.device, e.test], ['l', e.device, e.test, e.lot], ['T', e.test], ['L', e.lot]];
}

/**
 * Every entry by the gateway's receipt time: what retention and "since the last review" go by. An
 * analyzer's clock may be years off (never set after a battery change): by measured time, its
 * results would be pruned a day after they came.
 */
const RECEIVED = 'r';
const receivedKey = (e: Pick<QcEntry, 'receivedAt' | 'id'>): ListKey => [RECEIVED, normalizeTime(e.receivedAt), e.id];

/** The narrowest list that answers the query, and what must still be checked on each entry. */
function listFor(q: Pick<QcListQuery, 'device' | 'test' | 'lot'>): string[] {
  if (q.device !== undefined && q.test !== undefined && q.lot !== undefined) return ['l', q.device, q.test, q.lot];
  if (q.device !== undefined && q.test !== undefined) return ['t', q.device, q.test];
  if (q.device !== undefined && q.lot !== undefined) return ['D', q.device, q.lot];
  if (q.device !== undefined) return ['d', q.device];
  if (q.lot !== undefined) return ['L', q.lot];
  if (q.test !== undefined) return ['T', q.test];
  return ['*'];
}

const seriesKey = (e: Pick<QcEntry, 'device' | 'test' | 'lot'>): string => JSON.stringify([e.device, e.test, e.lot]);

export class QcLog {
  readonly #entries: Database<QcEntry, string>;
  readonly #lists: Database<true, ListKey>;
  readonly #seriesDb: Database<QcSeries, SeriesKey>;
  readonly #series = new Map<string, QcSeries>();
  readonly #retentionDays: () => number;

  constructor(engine: StorageEngine, opts: QcLogOptions) {
    this.#entries = engine.db<QcEntry, string>('qc-entries');
    this.#lists = engine.db<true, ListKey>('qc-lists');
    this.#seriesDb = engine.db<QcSeries, SeriesKey>('qc-series');
    this.#retentionDays = () => opts.retentionDays?.() ?? DEFAULT_QC_RETENTION_DAYS;
    for (const { value } of this.#seriesDb.getRange({})) this.#series.set(seriesKey(value), value);
  }

  /** Stores the entries (and their series) in one transaction; resolves once it is on disk. */
  record(entries: readonly QcEntry[]): Promise<void> {
    let done: Promise<unknown> = Promise.resolve();
    for (const raw of entries) {
      const entry: QcEntry = { ...raw, time: normalizeTime(raw.time) };
      void this.#entries.put(entry.id, entry);
      for (const list of listsOf(entry)) done = this.#lists.put([...list, entry.time, entry.id], true);
      done = this.#lists.put(receivedKey(entry), true);
      done = this.#putSeries(this.#withEntry(entry));
    }
    return done.then(() => undefined);
  }

  #withEntry(e: QcEntry): QcSeries {
    const had = this.#series.get(seriesKey(e));
    const numeric = typeof e.value === 'number' && e.role === 'control' ? 1 : 0;
    const newer = !had || e.time >= had.lastTime;
    const next: QcSeries = had
      ? { ...had, count: had.count + 1, numeric: had.numeric + numeric }
      : { device: e.device, test: e.test, lot: e.lot, count: 1, numeric, lastId: e.id, lastTime: e.time };
    if (newer) {
      next.lastId = e.id;
      next.lastTime = e.time;
      for (const k of ['testName', 'level', 'material', 'unit'] as const) if (e[k] !== undefined) next[k] = e[k];
    }
    return next;
  }

  #putSeries(s: QcSeries): Promise<boolean> {
    this.#series.set(seriesKey(s), s);
    return this.#seriesDb.put([s.device, s.test, s.lot], s);
  }

  get(id: string): QcEntry | undefined {
    return this.#entries.get(id);
  }

  /** Newest first (by measured time), filtered; `next` is the `before` of the following page. */
  list(q: QcListQuery): { entries: QcEntry[]; next?: string } {
    if (q.before !== undefined && Number.isNaN(Date.parse(q.before))) throw new RequestError(400, 'before: not a date-time');
    const out: QcEntry[] = [];
    let following: QcEntry | undefined;
    for (const e of this.#newest(listFor(q), q.before)) {
      if ((q.device !== undefined && e.device !== q.device) || (q.test !== undefined && e.test !== q.test) || (q.lot !== undefined && e.lot !== q.lot))
        continue;
      // Paging is by time: a page that is all one time grows rather than split it (the next page would skip the rest).
      if (out.length < q.limit || e.time === out[0]!.time) {
        out.push(e);
        continue;
      }
      following = e;
      break;
    }
    if (!following) return { entries: out };
    const lastTime = out[out.length - 1]!.time;
    // Those sharing the time of the first entry left out go to the next page with it.
    if (following.time === lastTime) out.length = out.findIndex((e) => e.time === lastTime);
    return { entries: out, next: out[out.length - 1]!.time };
  }

  /** Entries of one list, newest first, strictly before `before`. Lazy. */
  *#newest(list: readonly string[], before?: string): Iterable<QcEntry> {
    for (const key of newestFirst(this.#lists, list, before)) {
      const entry = this.#entries.get(key[key.length - 1]!);
      if (entry) yield entry;
    }
  }

  /** One device and test, every lot, newest first. Lazy. */
  newestOf(device: string, test: string, before?: string): Iterable<QcEntry> {
    return this.#newest(['t', device, test], before);
  }

  /** One device, test and lot, oldest first. Lazy. */
  *oldestOf(device: string, test: string, lot: string): Iterable<QcEntry> {
    const list = ['l', device, test, lot];
    for (const key of this.#lists.getKeys({ start: list, end: [...list, '\uffff'] })) {
      const entry = this.#entries.get(key[key.length - 1]!);
      if (entry) yield entry;
    }
  }

  /** Entries by the gateway's receipt, newest first. Lazy. */
  *newestReceived(): Iterable<QcEntry> {
    for (const key of newestFirst(this.#lists, [RECEIVED])) {
      const entry = this.#entries.get(key[key.length - 1]!);
      if (entry) yield entry;
    }
  }

  /** An entry already logged with the same device, test, lot, measured time, specimen and value: an analyzer's resend. */
  logged(e: Pick<QcEntry, 'device' | 'test' | 'lot' | 'time' | 'specimen' | 'value'>): QcEntry | undefined {
    const at = ['l', e.device, e.test, e.lot, normalizeTime(e.time)];
    for (const key of this.#lists.getKeys({ start: at, end: [...at, '\uffff'] })) {
      const x = this.#entries.get(key[key.length - 1]!);
      if (x && x.specimen === e.specimen && x.value === e.value) return x;
    }
    return undefined;
  }

  series(): QcSeries[] {
    return [...this.#series.values()];
  }

  seriesOf(device: string, test: string, lot: string): QcSeries | undefined {
    return this.#series.get(seriesKey({ device, test, lot }));
  }

  /** Removes entries received before the retention (whole UTC days), a batch per transaction; resolves with how many. */
  prune(now: Date = new Date()): Promise<number> {
    const cutoff = retentionCutoff(now, this.#retentionDays());
    return pruneInBatches(() =>
      this.#lists.childTransaction(() => {
        const keys = [...this.#lists.getKeys({ start: [RECEIVED], end: [RECEIVED, cutoff], limit: PRUNE_BATCH })];
        for (const key of keys) {
          const id = key[key.length - 1]!;
          const entry = this.#entries.get(id);
          void this.#lists.remove(key);
          if (!entry) continue;
          void this.#entries.remove(id);
          for (const list of listsOf(entry)) void this.#lists.remove([...list, entry.time, entry.id]);
          this.#forget(entry);
        }
        return keys.length;
      }),
    );
  }

  #forget(e: QcEntry): void {
    const had = this.#series.get(seriesKey(e));
    if (!had) return;
    const count = had.count - 1;
    if (count <= 0) {
      this.#series.delete(seriesKey(e));
      void this.#seriesDb.remove([e.device, e.test, e.lot]);
      return;
    }
    const numeric = had.numeric - (typeof e.value === 'number' && e.role === 'control' ? 1 : 0);
    void this.#putSeries({ ...had, count, numeric: Math.max(0, numeric) });
  }
}
