// What the QC rules decided and people did about it, kept in `<dataDir>/qc.json` (a durable document,
// like orders.json): the targets established from a lot's first runs (never recomputed silently),
// the rejections with their reviews, and when each device's test was last reviewed (the rules start
// over after corrective action). A data folder without it (an earlier version) starts empty.

import { join } from 'node:path';
import { isRecord } from '../model/is-record.ts';
import type { Logger } from '../model/logger.ts';
import { QC_RULES, type QcRuleName } from '../model/qc-settings.ts';
import { DurableDocument, type DocumentAdapter } from '../store/durable-document.ts';
import { retentionCutoff } from '../store/time-index.ts';

export const QC_FILE = 'qc.json';

export function qcFile(dataDir: string): string {
  return join(dataDir, QC_FILE);
}

export interface EstablishedTarget {
  device: string;
  test: string;
  lot: string;
  mean: number;
  sd: number;
  unit?: string;
  /** How many results, and the first and last of them (measured times). */
  n: number;
  first: string;
  last: string;
  /** When it was established. */
  at: string;
}

export interface QcReview {
  by: string;
  at: string;
  action: string;
  released: number;
}

export interface QcRejection {
  id: string;
  device: string;
  test: string;
  lot: string;
  level?: string;
  rules: QcRuleName[];
  /** The QC entry that raised it, and its run. */
  entry: string;
  run: string;
  at: string;
  review?: QcReview;
}

/** The JSON document on disk. */
export interface QcBookDoc {
  version: 1;
  targets: EstablishedTarget[];
  rejections: QcRejection[];
  /** The last review of each device's test: earlier results no longer count for the rules. */
  restarts: Array<{ device: string; test: string; at: string }>;
}

export function emptyQcBook(): QcBookDoc {
  return { version: 1, targets: [], rejections: [], restarts: [] };
}

const str = (v: unknown): v is string => typeof v === 'string';

/** Reads the document back; throws naming the file and what is wrong. */
export function qcBookFrom(file: string, value: unknown): QcBookDoc {
  if (!isRecord(value)) throw new Error(`${file}: the QC document is not a JSON object`);
  if (value.version !== 1) throw new Error(`${file}: unsupported QC document version ${JSON.stringify(value.version)} (expected 1)`);
  const { targets, rejections, restarts } = value;
  if (!Array.isArray(targets) || !Array.isArray(rejections) || !Array.isArray(restarts))
    throw new Error(`${file}: "targets", "rejections" and "restarts" must be arrays`);
  targets.forEach((t: unknown, i) => {
    if (!isRecord(t) || !str(t.device) || !str(t.test) || !str(t.lot) || typeof t.mean !== 'number' || typeof t.sd !== 'number')
      throw new Error(`${file}: targets[${i}] is not a target`);
  });
  rejections.forEach((r: unknown, i) => {
    if (!isRecord(r) || !str(r.id) || !str(r.device) || !str(r.test) || !str(r.lot) || !str(r.at) || !str(r.entry) || !str(r.run) || !Array.isArray(r.rules))
      throw new Error(`${file}: rejections[${i}] is not a rejection`);
    if (!r.rules.every((rule: unknown) => QC_RULES.includes(rule as QcRuleName))) throw new Error(`${file}: rejections[${i}] names an unknown rule`);
  });
  restarts.forEach((r: unknown, i) => {
    if (!isRecord(r) || !str(r.device) || !str(r.test) || !str(r.at)) throw new Error(`${file}: restarts[${i}] is not a restart`);
  });
  return value as unknown as QcBookDoc;
}

export interface QcBookOptions {
  log?: Logger;
  adapter?: DocumentAdapter<QcBookDoc>;
}

export class QcBook {
  #doc: QcBookDoc = emptyQcBook();
  /** The unreviewed rejections; undefined: to be found again (a rejection was raised, reviewed or pruned). */
  #open: QcRejection[] | undefined;
  #document!: DurableDocument<QcBookDoc>;

  private constructor() {}

  static async open(file: string, opts: QcBookOptions = {}): Promise<QcBook> {
    const book = new QcBook();
    const { document, stored } = await DurableDocument.open<QcBookDoc>(file, () => structuredClone(book.#doc), {
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.adapter ? { adapter: opts.adapter } : {}),
    });
    book.#document = document;
    try {
      if (stored !== null) book.#doc = qcBookFrom(file, stored);
    } catch (err) {
      await document.close().catch(() => undefined);
      throw err;
    }
    return book;
  }

  get doc(): Readonly<QcBookDoc> {
    return this.#doc;
  }

  target(device: string, test: string, lot: string): EstablishedTarget | undefined {
    return this.#doc.targets.find((t) => t.device === device && t.test === test && t.lot === lot);
  }

  /** Stores a target once; one already there stays (never recomputed). Resolves once durable. */
  establish(target: EstablishedTarget): Promise<void> {
    if (!this.target(target.device, target.test, target.lot)) this.#doc.targets.push(target);
    return this.#document.save();
  }

  rejection(id: string): QcRejection | undefined {
    return this.#doc.rejections.find((r) => r.id === id);
  }

  /** Unreviewed, oldest first. Kept apart: each patient reading asks, and reviewed ones stay for years. */
  open(): QcRejection[] {
    this.#open ??= this.#doc.rejections.filter((r) => !r.review);
    return this.#open;
  }

  /** Adds a rejection, or adds rules to it when it is there already (a later result of the same run); resolves once durable. */
  raise(rejection: QcRejection): Promise<void> {
    const had = this.rejection(rejection.id);
    if (had) had.rules = QC_RULES.filter((r) => had.rules.includes(r) || rejection.rules.includes(r));
    else this.#doc.rejections.push(rejection);
    this.#open = undefined;
    return this.#document.save();
  }

  /** Records the review and that the rules start over for its device's test; resolves once durable. */
  review(id: string, review: QcReview): Promise<void> {
    const r = this.rejection(id);
    if (!r) return Promise.reject(new Error(`no QC rejection "${id}"`));
    r.review = review;
    this.#open = undefined;
    const restarts = this.#doc.restarts.filter((x) => !(x.device === r.device && x.test === r.test));
    restarts.push({ device: r.device, test: r.test, at: review.at });
    this.#doc.restarts = restarts;
    return this.#document.save();
  }

  /** How many released with it, once that is known (after the review is on record). */
  setReleased(id: string, released: number): Promise<void> {
    const review = this.rejection(id)?.review;
    if (review) review.released = released;
    return this.#document.save();
  }

  /** When the rules last started over for a device's test (its last review). */
  restartOf(device: string, test: string): string | undefined {
    return this.#doc.restarts.find((x) => x.device === device && x.test === test)?.at;
  }

  /** Removes reviewed rejections reviewed before the retention; resolves with how many. */
  async prune(now: Date, retentionDays: number): Promise<number> {
    const cutoff = retentionCutoff(now, retentionDays);
    const before = this.#doc.rejections.length;
    this.#doc.rejections = this.#doc.rejections.filter((r) => !r.review || r.review.at >= cutoff);
    const removed = before - this.#doc.rejections.length;
    this.#open = undefined;
    if (removed > 0) await this.#document.save();
    return removed;
  }

  close(): Promise<void> {
    return this.#document.close();
  }
}
