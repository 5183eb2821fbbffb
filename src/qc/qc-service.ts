// The QC service: what becomes of a report recognised as control material (recognise.ts). Its results
// go to the QC log (qc-log.ts), judged by the Westgard rules against their lot's target; a rejection
// is kept (qc-book.ts), holds the analyzer's patient results for that test until a person reviews it,
// and is what the API, the health judgement and the status strip see (QcApi).

import type { AuditJournal } from '../audit/journal.ts';
import type { Meter } from '../metrics/meter.ts';
import type { DeviceConfigT } from '../config/schema.ts';
import type { DeviceReport } from '../model/driver.ts';
import { PATIENT_REPLICATE_LOT } from '../model/control-mark.ts';
import { errorText } from '../model/error-text.ts';
import { holdLabel, holdReason, type HoldReason } from '../model/hold.ts';
import { silentLogger, type Logger } from '../model/logger.ts';
import { DEFAULT_QC_RETENTION_DAYS, DEFAULT_RUN_WINDOW_MINUTES, QC_RULES, type QcConfigT, type QcRuleName } from '../model/qc-settings.ts';
import type { Reading } from '../model/reading.ts';
import { RequestError } from '../model/request-error.ts';
import { newId } from '../pipeline/ids.ts';
import type { Released } from '../pipeline/intake.ts';
import { normalize } from '../pipeline/normalize.ts';
import type { ReleaseConfirmations } from '../pipeline/release.ts';
import type { StorageEngine } from '../store/engine.ts';
import type { DocumentAdapter } from '../store/durable-document.ts';
import { normalizeTime } from '../store/time-index.ts';
import type { StoredReading } from '../store/types.ts';
import type { GatewayEvent } from '../web/api-types.ts';
import type { QcApi, QcProblem, QcReviewer } from './qc-api.ts';
import { QcBook, qcFile, type EstablishedTarget, type QcBookDoc, type QcRejection } from './qc-book.ts';
import { QcLog, type QcEntry } from './qc-log.ts';
import type { QcEntryView, QcOverview, QcPage, QcQuery, QcRejectionView, QcReviewBody, QcRuleResult, QcSeriesView, QcTargetView } from './qc-view.ts';
import { heldControlMarker } from './held-control.ts';
import { MAX_NAME, qcIdentityOf, type QcIdentity } from './recognise.ts';
import { qcRoleRefusal } from './review-role.ts';
import { earlierPoints, runFor, zPointOf, type RunRef } from './runs.ts';
import { establishTarget, zScore } from './targets.ts';
import { judgeRun, rejectionRules, runOutcome, type Violation } from './westgard.ts';

export interface QcServiceOptions {
  dataDir: string;
  engine: StorageEngine;
  audit: Pick<AuditJournal, 'record'>;
  /** The configured devices now (a page edit changes them). */
  devices(): readonly DeviceConfigT[];
  /** The gateway's `qc` settings now. */
  config(): QcConfigT | undefined;
  /** The patient readings waiting in the gateway (the state document's), to count and release those held for QC. */
  readings(): Iterable<StoredReading>;
  /** The intake's release of a held reading. */
  release(readingId: string, confirm: ReleaseConfirmations): Promise<Released>;
  /** Removes the hold reasons `drop` picks from a held reading and adds `add`, in one durable update; resolves with what remains, or undefined when it is not held. */
  dropHolds(readingId: string, drop: (hold: HoldReason, reading: Reading) => boolean, add?: readonly HoldReason[]): Promise<StoredReading | undefined>;
  emit(event: GatewayEvent): void;
  /** Told of each result logged, with its verdict (medgate_qc_results_total). */
  meter?: Pick<Meter, 'qcResult'>;
  /** The results of one report once they are durable: queued to the destinations that receive QC (src/qc/qc-forward.ts). */
  forward?(entries: QcEntryView[], device: DeviceConfigT): Promise<unknown>;
  log?: Logger;
  now?: () => Date;
  adapter?: DocumentAdapter<QcBookDoc>;
}

/** How many of the newest logged results a start checks against the rejections on record. */
const RECONCILE_BACK = 2000;
/** Reviewed rejections the overview lists after the unreviewed ones. */
const REVIEWED_SHOWN = 20;

const seriesKey = (device: string, test: string): string => `${device}\u0000${test}`;

/** "1-3s, 2-2s": what the hold text, the logs and the audit say of a rejection's rules. */
const rulesText = (rules: readonly string[]): string => rules.join(', ');

/** The hold a patient result gets while its test's QC failed unreviewed (src/model/hold.ts kind qc). */
export function qcHoldText(r: Pick<QcRejection, 'test' | 'lot' | 'rules'>): string {
  return `qc failed: ${r.test} on lot ${r.lot} (${rulesText(r.rules)}) not reviewed`;
}

/** The analyzer's own code of an observation: what QC entries and holds name a test by. */
export function testOf(o: Reading['observations'][number]): string {
  return (o.code.local?.code ?? o.code.loinc ?? o.code.mdc?.ref ?? 'unknown').slice(0, MAX_NAME);
}

export class QcService implements QcApi {
  readonly #log: Logger;
  readonly #now: () => Date;
  /** The latest run of each device's test. */
  readonly #runs = new Map<string, RunRef>();
  /** Rejections whose review is being recorded now. */
  readonly #reviewing = new Set<string>();
  readonly #patientNamedWarnedAt = new Map<string, number>();
  /** Records one report at a time: each is judged against the ones before it. */
  #chain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly log: QcLog,
    readonly book: QcBook,
    private readonly opts: QcServiceOptions,
  ) {
    this.#log = (opts.log ?? silentLogger).child({ component: 'qc' });
    this.#now = opts.now ?? (() => new Date());
  }

  static async open(opts: QcServiceOptions): Promise<QcService> {
    const log = opts.log ?? silentLogger;
    const qcLog = new QcLog(opts.engine, { retentionDays: () => opts.config()?.retentionDays, log });
    const book = await QcBook.open(qcFile(opts.dataDir), { log, ...(opts.adapter ? { adapter: opts.adapter } : {}) });
    const service = new QcService(qcLog, book, opts);
    await service.#reconcile();
    service.#flagHeldControls();
    return service;
  }

  /**
   * Control results an earlier version held among the patient readings ("no patient"): said once at
   * start, by device and reading id, so someone discards them; they can be neither assigned nor
   * released (the intake refuses, src/qc/held-control.ts).
   */
  #flagHeldControls(): void {
    const byDevice = new Map<string, string[]>();
    for (const s of this.opts.readings()) {
      if (s.status !== 'held') continue;
      let marker: string | undefined;
      try {
        marker = heldControlMarker(s.reading, this.#device(s.reading.deviceId)?.qc);
      } catch (err) {
        this.#log.error({ err, device: s.reading.deviceId }, 'held readings could not be checked for control results');
        return;
      }
      if (marker !== undefined) byDevice.set(s.reading.deviceId, [...(byDevice.get(s.reading.deviceId) ?? []), s.reading.id]);
    }
    for (const [device, readings] of byDevice) {
      this.#log.warn({ device, readings }, "held readings are control (QC) results, never a patient's: discard them");
    }
  }

  /**
   * The book is saved before the log (#record), so a rejection on record is never lost; should an
   * earlier version, or a disk that lost the book's last save, leave a logged entry naming a rejection
   * the book lacks, it is raised again here: it still holds, and the page and health show it.
   * Walks back by receipt to the newest rejection the book has (bounded).
   */
  async #reconcile(): Promise<void> {
    let newest = '';
    for (const r of this.book.doc.rejections) if (r.at > newest) newest = r.at;
    const missing = new Map<string, QcRejection>();
    let walked = 0;
    for (const e of this.log.newestReceived()) {
      if (++walked > RECONCILE_BACK || e.receivedAt < newest) break;
      if (e.rejection === undefined || this.book.rejection(e.rejection)) continue;
      const rules = QC_RULES.filter((rule) => e.rules.some((x) => x.rule === rule && x.outcome === 'rejection'));
      const had = missing.get(e.rejection);
      // Walking back: the earliest entry of the run is the one that raised it.
      const r: QcRejection = { id: e.rejection, device: e.device, test: e.test, lot: e.lot, rules, entry: e.id, run: e.run, at: e.receivedAt };
      if (e.level !== undefined) r.level = e.level;
      if (had) r.rules = QC_RULES.filter((x) => rules.includes(x) || had.rules.includes(x));
      missing.set(e.rejection, r);
    }
    for (const r of missing.values()) {
      this.#log.warn({ device: r.device, test: r.test, lot: r.lot, rules: r.rules, rejection: r.id }, 'QC rejection logged but not on record: raised again');
      await this.book.raise(r);
    }
  }

  close(): Promise<void> {
    return this.book.close();
  }

  #device(id: string): DeviceConfigT | undefined {
    return this.opts.devices().find((d) => d.id === id);
  }

  /** The report's QC identity under the device's settings, or undefined when it is a patient's. */
  recognise(device: DeviceConfigT, report: Pick<DeviceReport, 'control' | 'specimen'>): QcIdentity | undefined {
    return qcIdentityOf(report, device.qc);
  }

  /** Logs and judges a control report's results; resolves once they are durable, with an id for the duplicate memory. */
  record(device: DeviceConfigT, report: DeviceReport, identity: QcIdentity): Promise<string> {
    const next = this.#chain.then(() => this.#record(device, report, identity));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  async #record(device: DeviceConfigT, report: DeviceReport, identity: QcIdentity): Promise<string> {
    const now = this.#now();
    const readingId = newId(now);
    const { reading } = normalize(report, {
      deviceId: device.id,
      kind: 'lab',
      receivedAt: now,
      id: readingId,
      codeMap: device.codeMap,
      specimenType: device.lab?.specimenType,
    });
    // An analyzer's resend of what is logged already (its ACK was lost): one physical 1-2s counted twice would be a 2-2s.
    let resent: string | undefined;
    const entries = this.#entriesOf(device, reading, identity, now).filter((e) => {
      const had = this.log.logged(e);
      if (had) this.#log.info({ device: e.device, test: e.test, lot: e.lot, entry: had.id }, 'QC result logged already: a resend, not logged again');
      resent ??= had?.id;
      return !had;
    });
    this.#warnPatientNamed(device.id, report, identity, now);
    const established: EstablishedTarget[] = [];
    for (const e of entries) this.#target(device, e, entries, established);
    const raised = this.#judge(device, entries);
    // A later result of a run already rejected adds to that rejection: said once, when raised.
    const news = raised.filter((r) => !this.book.rejection(r.id));
    // The analyzer is acknowledged once all of it is on disk; the book first: a rejection on record
    // whose entry is missing still holds, an entry whose rejection is missing would hold nothing.
    await Promise.all([...established.map((t) => this.book.establish(t)), ...raised.map((r) => this.book.raise(r))]);
    await this.log.record(entries);
    for (const t of established) this.#log.info({ device: t.device, test: t.test, lot: t.lot, n: t.n }, 'QC target established from the first results');
    for (const e of entries) {
      this.#log.info({ device: e.device, test: e.test, lot: e.lot, status: e.status }, 'QC result logged');
      this.opts.meter?.qcResult(e.device, e.status);
      this.#log.debug({ entry: e.id, value: e.value, unit: e.unit, z: e.z }, 'QC result detail');
      this.opts.emit({ type: 'qc', device: e.device, test: e.test, lot: e.lot, entry: e.id, ...(e.rejection ? { rejection: e.rejection } : {}) });
    }
    for (const rejection of news) {
      this.#log.warn({ device: rejection.device, test: rejection.test, lot: rejection.lot, rules: rejection.rules, rejection: rejection.id }, 'QC rejection');
    }
    if (this.opts.forward && entries.length > 0) {
      // Forwarding is its own durable queue: a failure there is said, and never un-acknowledges the log.
      await this.opts
        .forward(
          entries.map((e) => this.#entryView(e)),
          device,
        )
        .catch((err: unknown) => this.#log.error({ err, device: device.id }, 'QC results logged but not queued for forwarding'));
    }
    return entries[0]?.id ?? resent ?? readingId;
  }

  /** One entry per observation (waveforms and documents are no control results), each placed in its run. */
  #entriesOf(device: DeviceConfigT, reading: Reading, identity: QcIdentity, now: Date): QcEntry[] {
    const window = device.qc?.runWindowMinutes ?? DEFAULT_RUN_WINDOW_MINUTES;
    const entries: QcEntry[] = [];
    for (const o of reading.observations) {
      if (typeof o.value !== 'number' && typeof o.value !== 'string') {
        this.#log.debug({ device: device.id }, 'a control report carried a tracing or document: not a QC result, not logged');
        continue;
      }
      const test = testOf(o);
      const time = normalizeTime(o.observedAt ?? reading.observedAt);
      const id = newId(now);
      const key = seriesKey(device.id, test);
      const run = runFor(this.#runs.get(key) ?? this.#latestRun(device.id, test), time, window, id);
      this.#runs.set(key, run);
      const entry: QcEntry = {
        id,
        device: device.id,
        test,
        lot: identity.lot,
        value: o.value,
        time,
        receivedAt: now.toISOString(),
        role: identity.role,
        marker: identity.marker,
        run: run.run,
        runStart: run.runStart,
        status: 'not-judged',
        rules: [],
      };
      const name = o.code.display ?? o.code.local?.display;
      if (name !== undefined) entry.testName = name;
      if (o.code.loinc !== undefined) entry.loinc = o.code.loinc;
      if (identity.level !== undefined) entry.level = identity.level;
      if (identity.material !== undefined) entry.material = identity.material;
      if (identity.expires !== undefined) entry.expires = identity.expires;
      if (reading.specimen?.id) entry.specimen = reading.specimen.id;
      if (o.unit !== undefined) entry.unit = o.unit;
      entries.push(entry);
    }
    return entries;
  }

  #latestRun(device: string, test: string): RunRef | undefined {
    for (const e of this.log.newestOf(device, test)) return { run: e.run, runStart: e.runStart };
    return undefined;
  }

  /** Sets the entry's target and z, or why it is not judged; a target established now is added to `established`. */
  #target(device: DeviceConfigT, e: QcEntry, batch: readonly QcEntry[], established: EstablishedTarget[]): void {
    if (e.role === 'calibrator') return void (e.notJudged = 'a calibrator: logged, never judged by the QC rules');
    if (e.lot === PATIENT_REPLICATE_LOT) return void (e.notJudged = "a patient's sample re-run as a control: no target fits it");
    if (typeof e.value !== 'number') return void (e.notJudged = 'a text result: the rules judge numbers only');
    const target = this.targetOf(device, e.test, e.lot, established);
    if (!target) {
      const n = device.qc?.establishFromRuns;
      if (n === undefined) return void (e.notJudged = `no target for ${e.test} on lot ${e.lot}: configure one, or establishFromRuns`);
      const made = this.#establish(e, batch, n);
      if (made.target) established.push(made.target);
      return void (e.notJudged = made.why);
    }
    e.target = target;
    if (target.unit !== undefined && e.unit !== target.unit) {
      return void (e.notJudged = `the result's unit (${e.unit ?? 'none'}) is not the target's (${target.unit})`);
    }
    try {
      e.z = zScore(e.value, target);
    } catch (err) {
      e.notJudged = errorText(err);
    }
  }

  /** The configured target, else the established one. */
  targetOf(device: DeviceConfigT, test: string, lot: string, pending: readonly EstablishedTarget[] = []): QcTargetView | undefined {
    const configured = device.qc?.lots?.find((l) => l.id === lot)?.targets?.[test];
    if (configured) return { mean: configured.mean, sd: configured.sd, ...(configured.unit ? { unit: configured.unit } : {}), source: 'configured' };
    return this.#establishedView(device.id, test, lot, pending);
  }

  /**
   * The first `need` numeric control results of the lot and test (in the first one's unit), counting
   * this report's: once there are that many, the target they make. The results that make it are not
   * judged by it.
   */
  #establish(e: QcEntry, batch: readonly QcEntry[], need: number): { target?: EstablishedTarget; why: string } {
    const same = (x: QcEntry) => x.test === e.test && x.lot === e.lot && x.role === 'control' && typeof x.value === 'number';
    const upTo = batch.slice(0, batch.indexOf(e) + 1).filter(same);
    const values: QcEntry[] = [];
    for (const x of this.log.oldestOf(e.device, e.test, e.lot)) {
      if (same(x)) values.push(x);
      if (values.length >= need) break;
    }
    values.push(...upTo);
    const unit = values[0]?.unit;
    const first = values.filter((x) => x.unit === unit).slice(0, need);
    if (first.length < need) return { why: `establishing the target: ${first.length} of ${need} results` };
    try {
      const { mean, sd, n } = establishTarget(first.map((x) => x.value as number));
      const target: EstablishedTarget = {
        device: e.device,
        test: e.test,
        lot: e.lot,
        mean,
        sd,
        ...(unit === undefined ? {} : { unit }),
        n,
        first: first[0]!.time,
        last: first[first.length - 1]!.time,
        at: this.#now().toISOString(),
      };
      return { target, why: `one of the ${need} results the target was established from` };
    } catch (err) {
      this.#log.warn({ device: e.device, test: e.test, lot: e.lot, err }, 'QC target could not be established from the first results');
      return { why: `the first ${need} results make no target (${errorText(err)}): configure one` };
    }
  }

  /** Judges each run of the batch with the device's rules, setting each entry's rules and status; returns the rejections raised (one per run). */
  #judge(device: DeviceConfigT, entries: QcEntry[]): QcRejection[] {
    const rules: readonly QcRuleName[] = device.qc?.rules ?? QC_RULES;
    const window = (device.qc?.runWindowMinutes ?? DEFAULT_RUN_WINDOW_MINUTES) * 60_000;
    const runs = new Map<string, QcEntry[]>();
    for (const e of entries) {
      const key = `${e.test}\u0000${e.run}`;
      runs.set(key, [...(runs.get(key) ?? []), e]);
    }
    const raised: QcRejection[] = [];
    for (const fresh of runs.values()) {
      const { test, run, runStart } = fresh[0]!;
      // The run's results logged before this report (its other levels).
      const stored: QcEntry[] = [];
      const since = new Date(Date.parse(runStart) - window).toISOString();
      // A review starts the rules over within a run too: its earlier levels were judged before the corrective action.
      const restart = this.book.restartOf(device.id, test);
      const restartMs = restart === undefined ? -Infinity : Date.parse(restart);
      for (const x of this.log.newestOf(device.id, test)) {
        if (x.time < since) break;
        if (x.run === run && Date.parse(x.receivedAt) > restartMs) stored.push(x);
      }
      const points = [...stored, ...fresh].flatMap((x) => zPointOf(x) ?? []);
      if (points.length === 0) continue;
      const earlier = earlierPoints(this.log.newestOf(device.id, test), run, this.book.restartOf(device.id, test));
      const violations = judgeRun(points, earlier, rules);
      for (const e of fresh) {
        if (e.z === undefined) continue;
        const own = violations.filter((v) => v.point === e.id);
        e.rules = own.map(ruleResult);
        e.status = runOutcome(own);
      }
      const rejecting = fresh.filter((e) => e.status === 'rejected');
      const ids = new Set(rejecting.map((e) => e.id));
      if (rejecting.length > 0) raised.push(this.#raise(device.id, test, run, rejecting, rejectionRules(violations.filter((v) => ids.has(v.point)))));
    }
    return raised;
  }

  /** Once per run: a later result of a run already rejected adds its rules to that rejection while it is unreviewed. */
  #raise(device: string, test: string, run: string, rejecting: QcEntry[], rules: QcRuleName[]): QcRejection {
    const first = rejecting[0]!;
    const had = this.book.rejection(`R${run}`);
    if (had && !had.review) {
      for (const e of rejecting) e.rejection = had.id;
      return { ...had, rules: QC_RULES.filter((r) => rules.includes(r) || had.rules.includes(r)) };
    }
    const id = had ? `R${first.id}` : `R${run}`;
    for (const e of rejecting) e.rejection = id;
    const rejection: QcRejection = { id, device, test, lot: first.lot, rules, entry: first.id, run, at: this.#now().toISOString() };
    if (first.level !== undefined) rejection.level = first.level;
    return rejection;
  }

  /** The qc holds a patient reading of this device gets now: one per test with an unreviewed rejection (unless the device does not hold). */
  holdsFor(deviceId: string, reading: Pick<Reading, 'observations'>): HoldReason[] {
    if (this.#device(deviceId)?.qc?.holdOnReject === false) return [];
    const open = new Map<string, QcRejection>();
    // The newest unreviewed rejection of each test names the hold.
    for (const r of this.book.open()) if (r.device === deviceId) open.set(r.test, r);
    const holds: HoldReason[] = [];
    for (const [test, r] of open) {
      const indexes = reading.observations.flatMap((o, i) => (testOf(o) === test ? [i] : []));
      if (indexes.length > 0) holds.push(holdReason('qc', 'qc-failed', qcHoldText(r), indexes));
    }
    return holds;
  }

  /** The held readings of a device with a qc hold on a test, in one pass over the waiting readings. */
  #heldFor(device: string, test: string): StoredReading[] {
    const out: StoredReading[] = [];
    for (const s of this.opts.readings()) if (s.status === 'held' && s.reading.deviceId === device && qcTestsOf(s).has(test)) out.push(s);
    return out;
  }

  /** How many held readings each device's test holds for its QC now ("device\0test" -> count): one pass for every rejection shown. */
  #heldCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const s of this.opts.readings()) {
      if (s.status !== 'held' || !s.holdReasons.some((h) => h.kind === 'qc')) continue;
      for (const test of qcTestsOf(s)) {
        const key = seriesKey(s.reading.deviceId, test);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    return counts;
  }

  /** What an unreviewed rejection holds now; a reviewed one holds nothing (what its review released is in the review). */
  #heldCount(r: QcRejection, counts: Map<string, number>): number {
    return r.review ? 0 : (counts.get(seriesKey(r.device, r.test)) ?? 0);
  }

  list(query: QcQuery): QcPage {
    const page = this.log.list({ ...query, limit: query.limit ?? 100 });
    return { entries: page.entries.map((e) => this.#entryView(e)), ...(page.next ? { next: page.next } : {}) };
  }

  overview(): QcOverview {
    const series: QcSeriesView[] = this.log.series().map((s) => {
      const device = this.#device(s.device);
      const target = device ? this.targetOf(device, s.test, s.lot) : this.#establishedView(s.device, s.test, s.lot);
      const last = this.log.get(s.lastId);
      const open = this.book.open().filter((r) => r.device === s.device && r.test === s.test);
      const need = device?.qc?.establishFromRuns;
      const view: QcSeriesView = { device: s.device, test: s.test, lot: s.lot, runs: s.count };
      const label = device?.label;
      if (label !== undefined) view.deviceLabel = label;
      for (const k of ['testName', 'level', 'material', 'unit'] as const) if (s[k] !== undefined) view[k] = s[k];
      if (target) view.target = target;
      else if (need !== undefined) view.establishing = { have: Math.min(s.numeric, need), need };
      if (last) view.last = this.#entryView(last);
      if (open.length > 0) view.openRejection = open[open.length - 1]!.id;
      return view;
    });
    series.sort((a, b) => a.device.localeCompare(b.device) || a.test.localeCompare(b.test) || a.lot.localeCompare(b.lot));
    const all = this.book.doc.rejections;
    const reviewed = all
      .filter((r) => r.review)
      .sort((a, b) => (b.review?.at ?? '').localeCompare(a.review?.at ?? ''))
      .slice(0, REVIEWED_SHOWN);
    const counts = this.#heldCounts();
    return {
      series,
      rejections: [...this.book.open(), ...reviewed].map((r) => this.#rejectionView(r, counts)),
      reviewRole: this.opts.config()?.reviewRole ?? 'admin',
    };
  }

  /** The target established from the lot's first results (one of `pending`, established by this report, or on record). */
  #establishedView(device: string, test: string, lot: string, pending: readonly EstablishedTarget[] = []): QcTargetView | undefined {
    const t = pending.find((x) => x.device === device && x.test === test && x.lot === lot) ?? this.book.target(device, test, lot);
    return t && { mean: t.mean, sd: t.sd, ...(t.unit ? { unit: t.unit } : {}), source: 'established', from: { n: t.n, first: t.first, last: t.last } };
  }

  rejection(id: string): QcRejectionView {
    const r = this.book.rejection(id);
    if (!r) throw new RequestError(404, `no QC rejection "${id}"`);
    return this.#rejectionView(r, this.#heldCounts());
  }

  problems(): QcProblem[] {
    const open = this.book.open();
    const counts = open.length === 0 ? new Map<string, number>() : this.#heldCounts();
    return open.map((r) => ({
      rejection: r.id,
      device: r.device,
      test: r.test,
      lot: r.lot,
      rules: [...r.rules],
      since: r.at,
      held: this.#heldCount(r, counts),
    }));
  }

  async review(who: QcReviewer, id: string, body: QcReviewBody): Promise<QcRejectionView> {
    const r = this.book.rejection(id);
    if (!r) throw new RequestError(404, `no QC rejection "${id}"`);
    const refusal = qcRoleRefusal(who, this.opts.config(), 'reviewing a QC rejection');
    if (refusal !== undefined) throw new RequestError(403, refusal);
    const action = body.action.trim();
    if (action.length < 3) throw new RequestError(400, 'body/action: say what was found and done (at least 3 characters besides spaces)');
    // What the reviewer's release covers is fixed here: a result arriving while the review is written is not sent unseen.
    const covered = new Set(body.release === true ? this.#heldFor(r.device, r.test).map((x) => x.reading.id) : []);
    // Nobody releases results they were not shown: more may have arrived while the dialog was open.
    if (body.release === true && body.heldSeen !== undefined && covered.size !== body.heldSeen)
      throw new RequestError(409, `${covered.size} results are held for QC rejection "${id}" now, not ${body.heldSeen}: look again`);
    // Checked and marked in one step: two people pressing "review" at once record one review.
    if (r.review || this.#reviewing.has(id)) {
      const by = r.review ? ` by ${r.review.by} at ${r.review.at}` : ' by someone else just now';
      throw new RequestError(409, `QC rejection "${id}" was reviewed${by}`);
    }
    this.#reviewing.add(id);
    try {
      // On record before anything changes: a review the journal does not have did not happen.
      await this.opts.audit.record({
        who: who.name,
        action: 'qc-review',
        device: r.device,
        reason: `${r.test} lot ${r.lot} ${r.rules.join(' ')}: ${action}`,
      });
      await this.book.review(id, { by: who.name, at: this.#now().toISOString(), action, released: 0 });
    } finally {
      this.#reviewing.delete(id);
    }
    this.#log.info({ device: r.device, test: r.test, lot: r.lot, rejection: id, by: who.name, release: body.release === true }, 'QC rejection reviewed');
    if (body.release === true) {
      const released = await this.#releaseHeld(who.name, r, covered);
      await this.book.setReleased(id, released);
    }
    // What it did not release (not asked to, or arrived meanwhile) stays held, marked reviewed.
    await this.#markReviewed(who.name, r);
    this.opts.emit({ type: 'qc', device: r.device, test: r.test, lot: r.lot, rejection: id });
    return this.#rejectionView(r, this.#heldCounts());
  }

  /**
   * Once no unreviewed rejection of its test is left, the readings its QC holds (read now, after the
   * review is on record: one that arrived meanwhile is among them): those held for that alone are
   * released; the others lose that test's qc holds and keep their own (a patient to assign, a value to
   * check, another test's failed QC). One failing does not stop the others.
   */
  async #releaseHeld(who: string, r: QcRejection, covered: ReadonlySet<string>): Promise<number> {
    // Another unreviewed rejection of the same test still holds them.
    if (this.book.open().some((o) => o.device === r.device && o.test === r.test)) return 0;
    let released = 0;
    let failed = 0;
    const about = `the review of QC rejection ${r.id} (${r.test} lot ${r.lot} ${r.rules.join(' ')})`;
    for (const s of this.#heldFor(r.device, r.test)) {
      const readingId = s.reading.id;
      if (!covered.has(readingId)) continue;
      const onlyThis = s.holdReasons.every((h) => failedOn(h, s.reading, r.test));
      // Another test's QC failed since it was held: acceptQcFailure would send it past that one too.
      const others = this.holdsFor(r.device, s.reading);
      try {
        if (onlyThis && others.length === 0) {
          const done = await this.opts.release(readingId, { acceptQcFailure: true });
          released++;
          await this.#audit(who, r.device, readingId, done.stored, `acceptQcFailure with ${about}: ${done.settled.map(holdLabel).join(', ')}`);
        } else {
          const left = await this.opts.dropHolds(readingId, (h, reading) => failedOn(h, reading, r.test), others);
          if (left)
            await this.#audit(who, r.device, readingId, left, `qc hold lifted with ${about}; still held for ${left.holdReasons.map(holdLabel).join(', ')}`);
        }
      } catch (err) {
        failed++;
        this.#log.warn({ err, reading: readingId, rejection: r.id }, 'a reading held for a QC rejection could not be released with its review');
      }
    }
    this.#log.info({ rejection: r.id, released, failed }, 'readings held for the QC rejection released with its review');
    return released;
  }

  /**
   * A report naming a patient that only the device's sample-ID rule took as a control: a pattern too
   * loose takes patients' results off the chart, so it is said at warn (once an hour per device: some
   * analyzers repeat the last patient on their QC records), without ids.
   */
  #warnPatientNamed(deviceId: string, report: DeviceReport, identity: QcIdentity, now: Date): void {
    if (report.control || !report.subject?.mrn) return;
    const last = this.#patientNamedWarnedAt.get(deviceId);
    if (last !== undefined && now.getTime() - last < 3_600_000) return;
    this.#patientNamedWarnedAt.set(deviceId, now.getTime());
    this.#log.warn(
      { device: deviceId, how: identity.marker },
      "a report naming a patient was taken as control material by the device's sample-ID rule (not marked on the wire): check qc.sampleIdPattern and qc.lots",
    );
  }

  /** Reviewed without a release: what it held stays held, each a person's decision, and no longer says "not reviewed". */
  async #markReviewed(who: string, r: QcRejection): Promise<void> {
    if (this.book.open().some((o) => o.device === r.device && o.test === r.test)) return;
    const text = `qc failed: ${r.test} on lot ${r.lot} (${rulesText(r.rules)}), reviewed by ${who}: release or discard each result`;
    const mine = (h: HoldReason, reading: Pick<Reading, 'observations'>) => failedOn(h, reading, r.test);
    for (const s of this.#heldFor(r.device, r.test)) {
      const add = s.holdReasons.filter((h) => mine(h, s.reading)).map((h) => holdReason('qc', 'qc-reviewed', text, h.observations));
      if (add.length === 0) continue;
      await this.opts.dropHolds(s.reading.id, mine, add).catch((err: unknown) => {
        this.#log.warn({ err, reading: s.reading.id, rejection: r.id }, 'a reading held for a reviewed QC rejection could not be marked reviewed');
      });
    }
  }

  #audit(who: string, device: string, reading: string, stored: StoredReading, reason: string): Promise<void> {
    const patient = stored.patient;
    return this.opts.audit
      .record({
        who,
        action: 'override',
        device,
        reading,
        ...(patient ? { patient: { mrn: patient.mrn, ...(patient.assigningAuthority ? { assigningAuthority: patient.assigningAuthority } : {}) } } : {}),
        reason,
      })
      .catch((err: unknown) => this.#log.error({ err, reading }, 'a reading released with a QC review could not be audited'));
  }

  /** Removes QC results and reviewed rejections past the retention; resolves with how many. */
  async prune(now: Date = this.#now()): Promise<number> {
    const days = this.opts.config()?.retentionDays ?? DEFAULT_QC_RETENTION_DAYS;
    return (await this.log.prune(now)) + (await this.book.prune(now, days));
  }

  #entryView(e: QcEntry): QcEntryView {
    const { run: _run, runStart: _start, expires: _expires, ...rest } = e;
    const label = this.#device(e.device)?.label;
    return label === undefined ? rest : { ...rest, deviceLabel: label };
  }

  #rejectionView(r: QcRejection, counts: Map<string, number>): QcRejectionView {
    const device = this.#device(r.device);
    const view: QcRejectionView = {
      id: r.id,
      device: r.device,
      test: r.test,
      lot: r.lot,
      rules: [...r.rules],
      entry: r.entry,
      at: r.at,
      holds: device?.qc?.holdOnReject !== false,
      held: this.#heldCount(r, counts),
    };
    if (device?.label !== undefined) view.deviceLabel = device.label;
    if (r.level !== undefined) view.level = r.level;
    if (r.review) view.review = { ...r.review };
    return view;
  }
}

function ruleResult(v: Violation): QcRuleResult {
  return { rule: v.rule, outcome: v.outcome, scope: v.scope, with: [...v.with] };
}

/** The tests one hold is about (every observation's when it names none). */
function testsOfHold(h: HoldReason, reading: Pick<Reading, 'observations'>): Set<string> {
  const tests = new Set<string>();
  for (const i of h.observations ?? reading.observations.map((_, n) => n)) {
    const o = reading.observations[i];
    if (o) tests.add(testOf(o));
  }
  return tests;
}

/** Whether a hold is about this test alone. */
/** A hold for this test's QC failure not reviewed yet (not one a reviewer kept). */
function failedOn(h: HoldReason, reading: Pick<Reading, 'observations'>, test: string): boolean {
  return h.kind === 'qc' && h.code === 'qc-failed' && onlyTest(h, reading, test);
}

function onlyTest(h: HoldReason, reading: Pick<Reading, 'observations'>, test: string): boolean {
  const tests = testsOfHold(h, reading);
  return tests.size === 1 && tests.has(test);
}

/** The tests a held reading's qc holds are about. */
function qcTestsOf(s: StoredReading): Set<string> {
  const tests = new Set<string>();
  // Held by a failure not reviewed yet: a result a reviewer kept held (qc-reviewed) is a person's decision now, no later review's.
  for (const h of s.holdReasons) if (h.kind === 'qc' && h.code === 'qc-failed') for (const t of testsOfHold(h, s.reading)) tests.add(t);
  return tests;
}
