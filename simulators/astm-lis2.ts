// A lab analyzer sending results with ASTM E1381 / E1394 (the instrument side, docs/protocols.md#astm-e1381-low-level):
// every `intervalMs` one transmission (ENQ, frames one at a time, each waiting for its ACK, EOT)
// with one patient and one specimen; panels rotate chemistry / hematology / urinalysis.
// `count` counts results transmissions acknowledged through their last frame (rotating and ordered).
// Link faults (rotating transmissions only): see types.ts.
//
// Orders (docs/protocols.md#astm-host-query-and-download), driven by tests and the demo:
//  - `scan(specimenId)`: the host query. The analyzer sends H, Q (Q-3 `^specimenId`, Q-13 `O`), L,
//    then waits `hostQueryWaitMs` for the host's answer as the receiver of a new session (ACK to
//    ENQ and to every good frame, NAK to a bad checksum or frame number). O records for the
//    specimen: after `runMs` it sends results for exactly those tests (its own codes, values from
//    its seed) with the patient ID (P-3) and specimen ID (O-3) it was given. L-3 `I` ("no
//    information"): it runs nothing, or with `resultsForUnknown` its default tests, no patient ID.
//    `queries` records each outcome. `scans` (the CLI's list) scans on its own, one per `scanIntervalMs`.
//  - downloads: a host transmission it did not ask for fills the worklist (`worklist`): O-12 N or A
//    adds tests, C cancels the tests named (or the specimen when none are). `runWorklist()` sends
//    results for every entry and empties it; `runWorklistAfterMs` does so by itself after a download.
//    `refuseDownloads`: 'nak' NAKs every frame, 'eot' answers each frame with EOT, 'busy' NAKs the
//    host's ENQ (types.ts); the worklist is left as it was. `received` lists what the host sent and whether it was taken.
//  - contention (E1381: the instrument has priority): when its ENQ is answered with ENQ it waits
//    `contentionWaitMs` (Roche cobas e 411 host interface manual, establishment phase: 1 s) and sends
//    ENQ again; a host that yields by answering ACK during that wait gets the frames at once.
//    `crossNextEnq(specimenId?)` makes the next host ENQ meet the analyzer's own (answered with ENQ
//    instead of ACK), the analyzer then sending a query for `specimenId`, else what it has queued,
//    else a rotating transmission.
//    `contentions` counts them. `unsolicited: false` turns the rotating transmissions off.
//
// QC (qc-runs.ts, astm-lis2/qc-records.ts): `sendQcRun()` queues one control specimen per lot of its
// material (empty P, O-3 the control's sample ID, O-12 `Q`, or `N` when marked only by sample ID);
// `qc.everyMs` runs QC by itself. QC transmissions are not results: `count`, `sent` and
// `completed` leave them out; `qcDelivered` counts them.

import { FaultPlan, garbage, toBytes } from './faults.ts';
import { createRng } from './prng.ts';
import { makePatients, makeTransmission, type SentTransmission } from './astm-lis2/content.ts';
import { qcRecords } from './astm-lis2/qc-records.ts';
import { chemistryControls } from './qc-material.ts';
import { qcSender, withQc } from './qc-runs.ts';
import { FrameReader, type Received } from './astm-lis2/frame-reader.ts';
import { queryRecords, readHostTransmission, resultsForWork, UNORDERED_TESTS } from './astm-lis2/host-records.ts';
import { ACK, ENQ, EOT, NAK, STX, frame, frameTexts, type FrameText } from './astm-lis2/wire.ts';
import type { AnalyzerOrderOptions, AnalyzerQcOptions, DeviceIo, Fault, OrderTakingDevice, QcMembers, QcSendingDevice, SimulatorOptions } from './types.ts';
import { SimWorklist, type SimWork } from './worklist.ts';

export interface AstmSimulatorOptions extends SimulatorOptions, AnalyzerOrderOptions, AnalyzerQcOptions {
  /** Wait for an answer to ENQ or a frame before giving up with EOT (E1381 / Roche: 15 s). */
  replyTimeoutMs?: number;
  /** Wait after a NAK to ENQ (busy) or a failed transmission before trying again (Roche: 10 s). */
  retryDelayMs?: number;
  /** The 'stall' fault's silence; longer than the gateway's receiver timeout (30 s). */
  stallMs?: number;
  /** Wait after a contention before its next ENQ (default 1000 ms). */
  contentionWaitMs?: number;
  /** E1381 receiver timeout: no frame for this long ends the host's transmission (default 30 s). */
  receiveTimeoutMs?: number;
}

/** How a host query ended. */
export interface QueryOutcome {
  specimenId: string;
  answer: 'orders' | 'no-information' | 'timeout';
  /** The tests it was given (its own codes). */
  tests: string[];
}

/** One transmission the host sent unasked or in answer. */
export interface HostTransmissionSeen {
  records: string[];
  /** Taken into the worklist or as a query's answer; false when refused or cut off. */
  taken: boolean;
}

export interface AstmSimulatedDevice extends OrderTakingDevice, QcSendingDevice {
  /** Results transmissions acknowledged through their last frame, in order (rotating and ordered). */
  readonly completed: readonly SentTransmission[];
  /** Attempts that ended without completing: NAK limit, reply timeout, stall, EOT mid-record. */
  readonly failedAttempts: number;
  readonly queries: readonly QueryOutcome[];
  readonly received: readonly HostTransmissionSeen[];
  /** Answer the host's next ENQ with an ENQ of its own (see the header). */
  crossNextEnq(specimenId?: string): void;
  readonly contentions: number;
}

/** E1381: a refused frame is sent again at most 6 times (7 sends), then the sender gives up with EOT. */
const MAX_SENDS = 7;

interface Plan {
  badChecksumAt?: number;
  wrongNumberAt?: number;
  lostAckAt?: number;
  stallAt?: number;
  eotAfter?: number;
  enqAt?: number;
  partialAt?: number;
  garbage: boolean;
}

type Kind = 'rotating' | 'results' | 'query' | 'qc';

interface Outgoing {
  kind: Kind;
  tx: SentTransmission;
  /** The specimen of a query. */
  specimenId?: string;
}

interface Attempt extends Outgoing {
  frames: FrameText[];
  /** Faults apply to the first attempt only, so the retry goes through. */
  plan: Plan;
  index: number;
  sends: number;
  /** The current frame is being sent again after its ACK (lost-ack). */
  repeating: boolean;
}

/** `contention`: its ENQ met the host's; waiting to bid again (an ACK meanwhile is the host yielding). */
type Phase = 'between' | 'enq' | 'frame' | 'stalled' | 'receiving' | 'contention';

/** E1381 receiver timeout. */
const RECEIVE_TIMEOUT_MS = 30_000;

export function create(options: AstmSimulatorOptions = {}): AstmSimulatedDevice {
  const rng = createRng(options.seed ?? 1);
  // Ordered results draw from their own stream, so rotating transmissions stay those of the seed.
  const orderRng = createRng((options.seed ?? 1) ^ 0x5eed);
  const faultPlan = new FaultPlan(options.faults ?? [], rng);
  const patients = makePatients(rng);
  const interval = options.intervalMs ?? 20_000;
  const replyTimeoutMs = options.replyTimeoutMs ?? 15_000;
  const retryDelayMs = options.retryDelayMs ?? 10_000;
  const stallMs = options.stallMs ?? 35_000;
  const unsolicited = options.unsolicited ?? true;
  const hostQueryWaitMs = options.hostQueryWaitMs ?? 10_000;
  const runMs = options.runMs ?? 1000;
  const contentionWaitMs = options.contentionWaitMs ?? 1000;
  const receiveTimeoutMs = options.receiveTimeoutMs ?? RECEIVE_TIMEOUT_MS;
  const scanIntervalMs = options.scanIntervalMs ?? interval;
  const count = options.count;
  const log = options.log;

  let io: DeviceIo | null = null;
  let stopped = false;
  let phase: Phase = 'between';
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** The next begin() is only the rotating interval: new work may go first. */
  let timerIsInterval = false;
  let replyTimer: ReturnType<typeof setTimeout> | undefined;
  let current: Attempt | null = null;
  let started = 0;
  let sent = 0;
  let failed = 0;
  const completed: SentTransmission[] = [];
  const outbox: Outgoing[] = [];
  const worklist = new SimWorklist();
  const queries: QueryOutcome[] = [];
  const received: HostTransmissionSeen[] = [];
  const reader = new FrameReader();
  const side = new Set<ReturnType<typeof setTimeout>>();
  let awaiting: { specimenId: string; timer: ReturnType<typeof setTimeout> } | null = null;
  let rx: { records: string[]; partial: string; expectedFn: number; refused: boolean; timer?: ReturnType<typeof setTimeout> } | null = null;
  let cross: { specimenId?: string } | null = null;
  let contentions = 0;
  let scansStarted = false;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  if (count !== undefined && count <= 0) resolveDone();

  const write = (text: string): void => {
    io?.write(toBytes(text));
  };

  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      side.delete(t);
      if (!stopped) fn();
    }, ms);
    side.add(t);
  };

  const clearTimers = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    if (replyTimer !== undefined) clearTimeout(replyTimer);
    if (rx?.timer !== undefined) clearTimeout(rx.timer);
    timer = undefined;
    replyTimer = undefined;
  };

  const schedule = (delayMs: number, fn: () => void, isInterval = false): void => {
    if (timer !== undefined) clearTimeout(timer);
    timerIsInterval = isInterval;
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped && io !== null) fn();
    }, delayMs);
  };

  /** Something new to send: go now unless busy, retrying, or waiting for an answer. */
  const kick = (): void => {
    if (stopped || io === null || phase !== 'between' || awaiting !== null) return;
    if (timer !== undefined && !timerIsInterval) return;
    if (current === null && outbox.length === 0) return;
    schedule(0, begin);
  };

  /** After the line came free: what is queued now, else the next rotating transmission in `interval`. */
  const resume = (): void => {
    if (current !== null || outbox.length > 0) kick();
    else if (unsolicited && timer === undefined) schedule(interval, begin, true);
  };

  const awaitReply = (): void => {
    if (replyTimer !== undefined) clearTimeout(replyTimer);
    replyTimer = setTimeout(() => {
      replyTimer = undefined;
      write(EOT);
      fail(`no reply within ${replyTimeoutMs} ms`);
    }, replyTimeoutMs);
  };

  const planFor = (faults: Set<Fault>, frames: FrameText[]): Plan => {
    const n = frames.length;
    const plan: Plan = { garbage: faults.has('garbage') };
    if (faults.has('bad-checksum')) plan.badChecksumAt = rng.int(0, n - 1);
    if (faults.has('dropped-frame')) plan.wrongNumberAt = rng.int(0, n - 1);
    if (faults.has('lost-ack')) plan.lostAckAt = rng.int(0, n - 1);
    if (faults.has('stall')) plan.stallAt = rng.int(1, n - 1);
    if (faults.has('enq-collision')) plan.enqAt = rng.int(0, n - 1);
    if (faults.has('partial')) plan.partialAt = rng.int(0, n - 1);
    if (faults.has('eot-mid-record')) {
      const etb = frames.findIndex((f, i) => !f.last && i < n - 1);
      if (etb >= 0) plan.eotAfter = etb;
    }
    return plan;
  };

  /** Makes `current` the next transmission: queued work first, then a rotating one when due. */
  const prepare = (): boolean => {
    if (current !== null) return true;
    const next = outbox.shift();
    if (next !== undefined) {
      current = { ...next, frames: frameTexts(next.tx.records), plan: { garbage: false }, index: 0, sends: 0, repeating: false };
      return true;
    }
    if (!unsolicited || (count !== undefined && started >= count)) return false;
    const index = started++;
    const faults = faultPlan.for(index, count);
    const tx = makeTransmission(rng, patients, {
      index,
      now: new Date(),
      implausible: faults.has('implausible'),
      longComment: faults.has('eot-mid-record'),
    });
    const frames = frameTexts(tx.records);
    current = { kind: 'rotating', tx, frames, plan: planFor(faults, frames), index: 0, sends: 0, repeating: false };
    if (faults.size > 0) log?.(`astm-lis2: transmission ${index + 1} with faults ${[...faults].join(', ')}`);
    return true;
  };

  const begin = (): void => {
    if (phase !== 'between' || awaiting !== null) return;
    if (!prepare() || current === null) return;
    if (current.plan.garbage) {
      current.plan.garbage = false;
      write(garbage(rng, '\x02\x03\x04\x05\x06\x15\x17'));
    }
    sendEnq();
  };

  const sendEnq = (): void => {
    if (phase === 'receiving' || current === null) return;
    phase = 'enq';
    awaitReply();
    write(ENQ);
  };
  const sendFrame = (): void => {
    const a = current;
    if (a === null) return;
    const f = a.frames[a.index];
    if (f === undefined) return;
    a.sends++;
    let fn = (a.index + 1) % 8;
    let bad = false;
    if (a.plan.badChecksumAt === a.index) {
      delete a.plan.badChecksumAt;
      bad = true;
    } else if (a.plan.wrongNumberAt === a.index) {
      delete a.plan.wrongNumberAt;
      fn = (fn + 1) % 8;
    }
    phase = 'frame';
    awaitReply();
    if (a.plan.partialAt === a.index) {
      delete a.plan.partialAt;
      // A frame cut off on the wire, then the whole frame.
      write(`${STX}${fn}${f.text.slice(0, rng.int(1, Math.max(1, f.text.length - 1)))}`);
    }
    write(frame(fn, f, bad));
  };

  const fail = (reason: string): void => {
    failed++;
    log?.(`astm-lis2: transmission ${started} not completed (${reason}); will send it again`);
    if (current) {
      current.index = 0;
      current.sends = 0;
      current.repeating = false;
    }
    phase = 'between';
    schedule(retryDelayMs, begin);
  };

  /** The host-query wait: no answer by then, the analyzer gives up and goes on. */
  const giveUpLater = (specimenId: string): ReturnType<typeof setTimeout> =>
    setTimeout(() => {
      awaiting = null;
      queries.push({ specimenId, answer: 'timeout', tests: [] });
      log?.(`astm-lis2: no answer to a host query within ${hostQueryWaitMs} ms`);
      resume();
    }, hostQueryWaitMs);

  const complete = (): void => {
    const a = current;
    if (a === null) return;
    write(EOT);
    current = null;
    phase = 'between';
    if (a.kind === 'query') {
      const specimenId = a.specimenId ?? '';
      awaiting = { specimenId, timer: giveUpLater(specimenId) };
      log?.('astm-lis2: host query sent');
      return;
    }
    if (a.kind === 'qc') qc.acknowledged();
    else {
      sent++;
      completed.push(a.tx);
      log?.(`astm-lis2: transmission ${sent} sent`);
      if (sent === count) resolveDone();
    }
    if (outbox.length > 0) kick();
    else if (unsolicited) schedule(interval, begin, true);
  };

  /** After an accepted frame: the next frame, or a planned fault, or the end. */
  const advance = (): void => {
    const a = current;
    if (a === null) return;
    if (a.plan.lostAckAt === a.index && !a.repeating) {
      delete a.plan.lostAckAt;
      a.repeating = true;
      a.sends = 0;
      sendFrame();
      return;
    }
    a.repeating = false;
    if (a.plan.eotAfter === a.index) {
      delete a.plan.eotAfter;
      write(EOT);
      fail('EOT after an ETB frame');
      return;
    }
    a.index++;
    a.sends = 0;
    if (a.index >= a.frames.length) {
      complete();
      return;
    }
    if (a.plan.enqAt === a.index) {
      delete a.plan.enqAt;
      sendEnq();
      return;
    }
    if (a.plan.stallAt === a.index) {
      delete a.plan.stallAt;
      phase = 'stalled';
      if (replyTimer !== undefined) clearTimeout(replyTimer);
      replyTimer = undefined;
      schedule(stallMs, () => {
        failed++;
        log?.(`astm-lis2: transmission ${started} stalled; starting it over`);
        a.index = 0;
        a.sends = 0;
        phase = 'between';
        begin();
      });
      return;
    }
    sendFrame();
  };

  const onReply = (reply: string): void => {
    if (stopped || io === null || current === null) return;
    if (phase === 'contention') {
      // A host that yields by acknowledging our ENQ at once: the line is ours now.
      if (reply !== ACK) return;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      phase = 'enq';
    }
    if (phase === 'enq') {
      if (reply === ENQ) {
        // Contention: the instrument has priority; wait, then bid again (the host has yielded).
        if (replyTimer !== undefined) clearTimeout(replyTimer);
        replyTimer = undefined;
        contentions++;
        phase = 'contention';
        log?.('astm-lis2: ENQ answered with ENQ (contention); sending ENQ again');
        schedule(contentionWaitMs, sendEnq);
        return;
      }
      if (reply === ACK) {
        if (replyTimer !== undefined) clearTimeout(replyTimer);
        replyTimer = undefined;
        if (current.plan.enqAt === 0) {
          // Collision at the start: ENQ again before the first frame.
          delete current.plan.enqAt;
          sendEnq();
          return;
        }
        current.index = 0;
        current.sends = 0;
        sendFrame();
      } else if (reply === NAK) {
        if (replyTimer !== undefined) clearTimeout(replyTimer);
        replyTimer = undefined;
        phase = 'between';
        schedule(retryDelayMs, sendEnq);
      }
      return;
    }
    if (phase !== 'frame') return;
    if (reply === ACK) {
      if (replyTimer !== undefined) clearTimeout(replyTimer);
      replyTimer = undefined;
      advance();
    } else if (reply === NAK) {
      if (replyTimer !== undefined) clearTimeout(replyTimer);
      replyTimer = undefined;
      if (current.sends >= MAX_SENDS) {
        write(EOT);
        fail(`frame ${current.index + 1} refused ${MAX_SENDS} times`);
        return;
      }
      sendFrame();
    }
    // EOT from the receiver (an interrupt request) is not honoured: this analyzer finishes first.
  };

  // 'AR'/'AE' are the HL7 analyzer's refusals: here they NAK.
  const refusal = options.refuseDownloads === 'eot' || options.refuseDownloads === 'busy' ? options.refuseDownloads : options.refuseDownloads && 'nak';
  const refusing = (): typeof refusal => (awaiting === null ? refusal : undefined);

  /** The host bids for the line. */
  const onHostEnq = (): void => {
    if (phase === 'enq') {
      onReply(ENQ);
      return;
    }
    if (phase === 'frame' || phase === 'stalled' || phase === 'contention') return; // not a receiver now: ignored
    if (phase === 'between' && cross !== null) {
      const wanted = cross;
      cross = null;
      if (wanted.specimenId !== undefined) outbox.unshift(queryOf(wanted.specimenId));
      if (prepare()) {
        // Both bid at once: the host saw our ENQ as its answer and must yield; we have priority.
        write(ENQ);
        contentions++;
        phase = 'contention';
        log?.('astm-lis2: answered the host ENQ with ENQ (contention)');
        schedule(contentionWaitMs, sendEnq);
        return;
      }
    }
    if (refusing() === 'busy') {
      write(NAK);
      return;
    }
    if (rx?.timer !== undefined) clearTimeout(rx.timer);
    if (timer !== undefined && phase === 'between') {
      // Our own next transmission waits until the host is done.
      clearTimeout(timer);
      timer = undefined;
    }
    if (awaiting !== null) clearTimeout(awaiting.timer);
    phase = 'receiving';
    rx = { records: [], partial: '', expectedFn: 1, refused: refusing() !== undefined };
    armReceiveTimer();
    write(ACK);
  };

  const armReceiveTimer = (): void => {
    if (rx === null) return;
    if (rx.timer !== undefined) clearTimeout(rx.timer);
    rx.timer = setTimeout(() => {
      if (rx === null) return;
      received.push({ records: rx.records, taken: false });
      log?.(`astm-lis2: no frame from the host within ${receiveTimeoutMs} ms; transmission discarded`);
      endReceiving();
    }, receiveTimeoutMs);
  };

  const endReceiving = (): void => {
    if (rx?.timer !== undefined) clearTimeout(rx.timer);
    rx = null;
    phase = 'between';
    if (awaiting !== null) restartAwaiting();
    resume();
  };

  const restartAwaiting = (): void => {
    const a = awaiting;
    if (a === null) return;
    clearTimeout(a.timer);
    a.timer = giveUpLater(a.specimenId);
  };

  const onFrame = (f: Extract<Received, { kind: 'frame' }>): void => {
    const r = rx;
    if (r === null) return;
    armReceiveTimer();
    const previous = (r.expectedFn + 7) % 8;
    if (!f.checksumOk || (f.fn !== r.expectedFn && f.fn !== previous)) {
      write(NAK);
      return;
    }
    if (f.fn === previous) {
      write(ACK); // a repeat of the frame already taken (its ACK was lost)
      return;
    }
    if (r.refused) {
      write(refusal === 'eot' ? EOT : NAK);
      return;
    }
    r.expectedFn = (r.expectedFn + 1) % 8;
    const text = r.partial + f.text;
    if (f.last) {
      r.records.push(...text.split('\r').filter((x) => x !== ''));
      r.partial = '';
    } else r.partial = text;
    write(ACK);
  };

  const onHostEot = (): void => {
    const r = rx;
    if (r === null) return;
    const taken = !r.refused;
    received.push({ records: r.records, taken });
    rx = null;
    if (r.timer !== undefined) clearTimeout(r.timer);
    if (taken) takeTransmission(r.records);
    else log?.('astm-lis2: refused a download');
    endReceiving();
  };

  const takeTransmission = (records: string[]): void => {
    const host = readHostTransmission(records);
    const givenAt = new Date();
    const a = awaiting;
    const answer = a === null ? [] : host.items.filter((it) => it.work.specimenId === a.specimenId);
    if (a !== null && (answer.length > 0 || host.termination === 'I')) {
      clearTimeout(a.timer);
      awaiting = null;
      const tests = [...new Set(answer.filter((it) => it.action === 'add').flatMap((it) => it.work.tests))];
      const work = answer.find((it) => it.action === 'add')?.work;
      if (work !== undefined && tests.length > 0) {
        queries.push({ specimenId: a.specimenId, answer: 'orders', tests });
        later(runMs, () => queueResults({ ...work, tests, givenAt }));
      } else {
        queries.push({ specimenId: a.specimenId, answer: 'no-information', tests: [] });
        log?.('astm-lis2: the host has no order for the scanned specimen');
        if (options.resultsForUnknown) later(runMs, () => queueResults({ specimenId: a.specimenId, patientId: '', tests: UNORDERED_TESTS }));
      }
    }
    const rest = host.items.filter((it) => !answer.includes(it));
    for (const it of rest) worklist.apply(it.action, { ...it.work, givenAt });
    if (rest.length > 0) {
      log?.(`astm-lis2: download taken; ${worklist.entries.length} specimens on the worklist`);
      if (options.runWorklistAfterMs !== undefined) later(options.runWorklistAfterMs, runWorklist);
    }
  };

  const queueResults = (work: SimWork): void => {
    const run = resultsForWork(work, orderRng, new Date());
    if (run.notRun.length > 0) log?.(`astm-lis2: ${run.notRun.length} test codes not run here`);
    outbox.push({ kind: 'results', tx: run.tx });
    kick();
  };

  const queryOf = (specimenId: string): Outgoing => ({
    kind: 'query',
    specimenId,
    tx: { panel: 'chemistry', records: queryRecords(specimenId, new Date()), orders: [] },
  });

  const scan = (specimenId: string): void => {
    outbox.push(queryOf(specimenId));
    kick();
  };

  const runWorklist = (): number => {
    const entries = worklist.takeAll();
    for (const w of entries) queueResults(w);
    return entries.length;
  };

  const qc = qcSender({
    options: options.qc,
    seed: options.seed ?? 1,
    lots: chemistryControls('QC-LOT-'),
    queue: (specimen, mark) => {
      outbox.push({ kind: 'qc', tx: { panel: 'chemistry', records: qcRecords(specimen, mark, new Date()), orders: [] } });
      kick();
    },
    later,
    log,
    name: 'astm-lis2',
  });

  const startScans = (): void => {
    if (scansStarted || !options.scans?.length) return;
    scansStarted = true;
    options.scans.forEach((id, i) => later(Math.min(1000, scanIntervalMs) + i * scanIntervalMs, () => scan(id)));
  };

  const handle = (text: string): void => {
    if (stopped || io === null) return;
    for (const ch of text) {
      if (phase === 'enq' || phase === 'frame' || phase === 'stalled' || phase === 'contention') {
        if (ch === ACK || ch === NAK || ch === EOT) onReply(ch);
        else if (ch === ENQ) onHostEnq();
        continue;
      }
      for (const ev of reader.push(ch)) {
        if (ev.kind === 'enq') onHostEnq();
        else if (ev.kind === 'eot') onHostEot();
        else if (ev.kind === 'frame') onFrame(ev);
        else if (rx !== null) write(NAK);
      }
    }
  };

  const abandonReceiving = (): void => {
    if (rx !== null) {
      if (rx.timer !== undefined) clearTimeout(rx.timer);
      received.push({ records: rx.records, taken: false });
      rx = null;
    }
    reader.clear();
  };

  const device: Omit<AstmSimulatedDevice, keyof QcMembers> = {
    driver: 'astm-lis2',
    start(next) {
      if (stopped) return;
      io = next;
      if (phase !== 'between') {
        // Reconnected mid-transmission: start it over.
        phase = 'between';
        if (current) {
          current.index = 0;
          current.sends = 0;
        }
      }
      startScans();
      qc.start();
      if (timer === undefined) schedule(0, begin);
    },
    receive(bytes) {
      if (stopped) return;
      const text = Buffer.from(bytes).toString('latin1');
      // Answer after the current call stack, as a device would: the peer may be in mid-write.
      queueMicrotask(() => handle(text));
    },
    detach() {
      io = null;
      clearTimers();
      abandonReceiving();
      if (awaiting !== null) {
        clearTimeout(awaiting.timer);
        queries.push({ specimenId: awaiting.specimenId, answer: 'timeout', tests: [] });
        awaiting = null;
      }
      if (phase !== 'between') {
        phase = 'between';
        if (current) {
          current.index = 0;
          current.sends = 0;
          current.repeating = false;
        }
      }
    },
    stop() {
      stopped = true;
      io = null;
      clearTimers();
      abandonReceiving();
      if (awaiting !== null) clearTimeout(awaiting.timer);
      for (const t of side) clearTimeout(t);
      side.clear();
    },
    done,
    get sent() {
      return sent;
    },
    get completed() {
      return completed;
    },
    get failedAttempts() {
      return failed;
    },
    scan,
    runWorklist,
    get worklist() {
      return worklist.entries;
    },
    get queries() {
      return queries;
    },
    get received() {
      return received;
    },
    crossNextEnq(specimenId) {
      cross = specimenId === undefined ? {} : { specimenId };
    },
    get contentions() {
      return contentions;
    },
  };
  return withQc(device, qc);
}
