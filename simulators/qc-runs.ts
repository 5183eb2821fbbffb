// The QC runs of a simulated analyzer: one result per level for each test of its control material,
// numbered, in control unless an out-of-control episode was asked for (qc-material.ts says what
// each one looks like), remembering each series so in-control values never break a rule by chance.
// Both lab analyzer simulators hold one; their own files put a run on the wire.

import { createRng, type Rng } from './prng.ts';
import type { QcMembers, SimQcOptions } from './types.ts';
import { inControlZ, scenarioRuns, scenarioShift, shiftedZ, valueFor, type QcLot, type QcMark, type QcScenario } from './qc-material.ts';

/** One control specimen to send: its sample ID, the lot and level, and the results read off it. */
export interface QcSpecimen {
  /** The sample ID the analyzer gives the control (ASTM O-3, HL7 SPM-2); default the lot. */
  sampleId?: string;
  lot: string;
  level?: string;
  results: Array<{ test: string; value: string; unit?: string }>;
}

/** One result of a QC run, with where it lies against its target. */
export interface QcResultSent {
  sampleId: string;
  lot: string;
  level: string;
  test: string;
  /** As sent. */
  value: string;
  unit: string;
  /** (value as sent - mean) / SD. */
  z: number;
}

export interface QcRunSent {
  /** 1 for the first run. */
  run: number;
  at: Date;
  mark: QcMark;
  /** The episode this run belongs to, and its test. */
  outOfControl?: { rule: QcScenario; test: string };
  results: QcResultSent[];
}

export interface QcRunRequest {
  /** Start an out-of-control episode with this run (4-1s: this run and the next 3; 10-x: and the next 9). */
  outOfControl?: QcScenario;
  /** The test the episode hits; default the first test of the first lot. */
  test?: string;
  mark?: QcMark;
}

/** A scheduled episode: the `run`th QC run (1-based) starts it. */
export interface QcPlan {
  rule: QcScenario;
  run: number;
  test?: string;
}

export class QcRuns {
  #count = 0;
  #episode: { rule: QcScenario; test: string; left: number } | undefined;
  /** z values sent, oldest first: per lot and test, and per test across lots. */
  readonly #history = new Map<string, number[]>();

  constructor(
    readonly lots: readonly QcLot[],
    private readonly rng: Rng,
    private readonly plan?: QcPlan,
  ) {}

  get count(): number {
    return this.#count;
  }

  /** The next run: its values, the episode it belongs to. */
  next(req: QcRunRequest, mark: QcMark, at: Date): QcRunSent {
    const run = ++this.#count;
    const firstTest = Object.keys(this.lots[0]?.targets ?? {})[0] ?? '';
    const planned = this.plan?.run === run ? this.plan : undefined;
    const asked = req.outOfControl !== undefined ? { rule: req.outOfControl, test: req.test } : planned;
    if (asked !== undefined) this.#episode = { rule: asked.rule, test: asked.test ?? firstTest, left: scenarioRuns(asked.rule) };
    const episode = this.#episode;
    const results: QcResultSent[] = [];
    this.lots.forEach((lot, levelIndex) => {
      for (const [test, target] of Object.entries(lot.targets)) {
        const perLot = this.#series(`${lot.id}\u0000${test}`);
        const perTest = this.#series(`\u0000${test}`);
        const shift = episode !== undefined && episode.test === test ? scenarioShift(episode.rule, levelIndex) : undefined;
        const drawn = shift === undefined ? inControlZ(this.rng, [perLot, perTest], (v) => valueFor(target, v).z) : shiftedZ(this.rng, shift);
        const { text, z } = valueFor(target, drawn);
        perLot.push(z);
        perTest.push(z);
        results.push({ sampleId: lot.id, lot: lot.id, level: lot.level, test, value: text, unit: target.unit, z });
      }
    });
    const sent: QcRunSent = { run, at, mark, results };
    if (episode !== undefined) {
      sent.outOfControl = { rule: episode.rule, test: episode.test };
      episode.left--;
      if (episode.left <= 0) this.#episode = undefined;
    }
    return sent;
  }

  #series(key: string): number[] {
    let s = this.#history.get(key);
    if (s === undefined) {
      s = [];
      this.#history.set(key, s);
    }
    // Enough for 10-x; older points do not matter.
    if (s.length > 20) s.splice(0, s.length - 20);
    return s;
  }
}

/** A run as the control specimens the analyzer sends, one per lot (sample ID), in lot order. */
export function specimensOf(run: QcRunSent): QcSpecimen[] {
  const out = new Map<string, QcSpecimen>();
  for (const r of run.results) {
    let s = out.get(r.sampleId);
    if (s === undefined) {
      s = { sampleId: r.sampleId, lot: r.lot, level: r.level, results: [] };
      out.set(r.sampleId, s);
    }
    s.results.push({ test: r.test, value: r.value, unit: r.unit });
  }
  return [...out.values()];
}

/** What each lab analyzer simulator does with QC: the runs, their schedule, and queuing specimens its own way. */
export interface QcSender {
  sendQcRun(request?: QcRunRequest): QcRunSent;
  sendQc(specimen: QcSpecimen, mark?: QcMark): void;
  readonly runs: readonly QcRunSent[];
  /** Control specimens the gateway acknowledged. */
  readonly delivered: number;
  /** The gateway acknowledged one control specimen. */
  acknowledged(): void;
  /** Starts the schedule (once; later calls do nothing). */
  start(): void;
}

/** The first scheduled run this long after the first connection: the link is up by then. */
const FIRST_RUN_MS = 500;

export interface QcSenderOptions {
  options: SimQcOptions | undefined;
  seed: number;
  /** The analyzer's own material, when the options name none. */
  lots: QcLot[];
  /** Puts one control specimen on the analyzer's outbox. */
  queue(specimen: QcSpecimen, mark: QcMark): void;
  /** A timer the analyzer clears when it stops. */
  later(ms: number, fn: () => void): void;
  log?: (line: string) => void;
  name: string;
}

export function qcSender(o: QcSenderOptions): QcSender {
  // Its own stream, so patient values stay those of the seed.
  const runs = new QcRuns(o.options?.lots ?? o.lots, createRng(o.seed ^ 0x0c0c), o.options?.outOfControl);
  const sent: QcRunSent[] = [];
  const defaultMark = o.options?.mark ?? 'wire';
  let started = false;
  let delivered = 0;
  const sendQcRun = (request: QcRunRequest = {}): QcRunSent => {
    const run = runs.next(request, request.mark ?? defaultMark, new Date());
    sent.push(run);
    const specimens = specimensOf(run);
    o.log?.(
      `${o.name}: QC run ${run.run} queued (${specimens.length} control specimens${run.outOfControl ? `, out of control: ${run.outOfControl.rule}` : ''})`,
    );
    for (const s of specimens) o.queue(s, run.mark);
    return run;
  };
  const tick = (everyMs: number): void => {
    sendQcRun();
    o.later(everyMs, () => tick(everyMs));
  };
  return {
    sendQcRun,
    sendQc: (specimen, mark) => o.queue(specimen, mark ?? defaultMark),
    runs: sent,
    get delivered() {
      return delivered;
    },
    acknowledged() {
      delivered++;
      o.log?.(`${o.name}: control specimen ${delivered} acknowledged`);
    },
    start() {
      const everyMs = o.options?.everyMs;
      if (started || everyMs === undefined) return;
      started = true;
      o.later(Math.min(FIRST_RUN_MS, everyMs), () => tick(everyMs));
    },
  };
}

/** The simulator with the QC members of QcSendingDevice, the counters read live. */
export function withQc<T extends object>(device: T, qc: QcSender): T & QcMembers {
  return Object.defineProperties(device, {
    sendQcRun: { value: qc.sendQcRun, enumerable: true },
    sendQc: { value: qc.sendQc, enumerable: true },
    qcRuns: { get: () => qc.runs, enumerable: true },
    qcDelivered: { get: () => qc.delivered, enumerable: true },
  }) as T & QcMembers;
}
