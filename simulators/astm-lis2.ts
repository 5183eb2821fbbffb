// A lab analyzer sending results with ASTM E1381 / E1394 (the instrument side, docs/protocols.md#astm-e1381-low-level):
// every `intervalMs` one transmission (ENQ, frames one at a time, each waiting for its ACK, EOT)
// with one patient and one specimen; panels rotate chemistry / hematology / urinalysis.
// `count` counts transmissions acknowledged through their last frame. Link faults: see types.ts.

import { FaultPlan, garbage, toBytes } from './faults.ts';
import { createRng } from './prng.ts';
import { makePatients, makeTransmission, type SentTransmission } from './astm-lis2/content.ts';
import { ACK, ENQ, EOT, NAK, STX, frame, frameTexts, type FrameText } from './astm-lis2/wire.ts';
import type { DeviceIo, Fault, SimulatedDevice, SimulatorOptions } from './types.ts';

export interface AstmSimulatorOptions extends SimulatorOptions {
  /** Wait for an answer to ENQ or a frame before giving up with EOT (E1381 / Roche: 15 s). */
  replyTimeoutMs?: number;
  /** Wait after a NAK to ENQ (busy) or a failed transmission before trying again (Roche: 10 s). */
  retryDelayMs?: number;
  /** The 'stall' fault's silence; longer than the gateway's receiver timeout (30 s). */
  stallMs?: number;
}

export interface AstmSimulatedDevice extends SimulatedDevice {
  /** Transmissions acknowledged through their last frame, in order. */
  readonly completed: readonly SentTransmission[];
  /** Attempts that ended without completing: NAK limit, reply timeout, stall, EOT mid-record. */
  readonly failedAttempts: number;
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

interface Attempt {
  tx: SentTransmission;
  frames: FrameText[];
  /** Faults apply to the first attempt only, so the retry goes through. */
  plan: Plan;
  index: number;
  sends: number;
  /** The current frame is being sent again after its ACK (lost-ack). */
  repeating: boolean;
}

type Phase = 'between' | 'enq' | 'frame' | 'stalled';

export function create(options: AstmSimulatorOptions = {}): AstmSimulatedDevice {
  const rng = createRng(options.seed ?? 1);
  const faultPlan = new FaultPlan(options.faults ?? [], rng);
  const patients = makePatients(rng);
  const interval = options.intervalMs ?? 20_000;
  const replyTimeoutMs = options.replyTimeoutMs ?? 15_000;
  const retryDelayMs = options.retryDelayMs ?? 10_000;
  const stallMs = options.stallMs ?? 35_000;
  const count = options.count;
  const log = options.log;

  let io: DeviceIo | null = null;
  let stopped = false;
  let phase: Phase = 'between';
  let timer: ReturnType<typeof setTimeout> | undefined;
  let replyTimer: ReturnType<typeof setTimeout> | undefined;
  let current: Attempt | null = null;
  let started = 0;
  let sent = 0;
  let failed = 0;
  const completed: SentTransmission[] = [];
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  if (count !== undefined && count <= 0) resolveDone();

  const write = (text: string): void => {
    io?.write(toBytes(text));
  };

  const clearTimers = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    if (replyTimer !== undefined) clearTimeout(replyTimer);
    timer = undefined;
    replyTimer = undefined;
  };

  const schedule = (delayMs: number, fn: () => void): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped && io !== null) fn();
    }, delayMs);
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

  const begin = (): void => {
    if (current === null) {
      if (count !== undefined && started >= count) return;
      const index = started++;
      const faults = faultPlan.for(index, count);
      const tx = makeTransmission(rng, patients, {
        index,
        now: new Date(),
        implausible: faults.has('implausible'),
        longComment: faults.has('eot-mid-record'),
      });
      const frames = frameTexts(tx.records);
      current = { tx, frames, plan: planFor(faults, frames), index: 0, sends: 0, repeating: false };
      if (faults.size > 0) log?.(`astm-lis2: transmission ${index + 1} with faults ${[...faults].join(', ')}`);
    }
    if (current.plan.garbage) {
      current.plan.garbage = false;
      write(garbage(rng, '\x02\x03\x04\x05\x06\x15\x17'));
    }
    sendEnq();
  };

  const sendEnq = (): void => {
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

  const complete = (): void => {
    const a = current;
    if (a === null) return;
    write(EOT);
    current = null;
    phase = 'between';
    sent++;
    completed.push(a.tx);
    log?.(`astm-lis2: transmission ${sent} sent`);
    if (sent === count) resolveDone();
    schedule(interval, begin);
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
        begin();
      });
      return;
    }
    sendFrame();
  };

  const onReply = (reply: string): void => {
    if (stopped || io === null || current === null) return;
    if (phase === 'enq') {
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

  return {
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
      if (timer === undefined) schedule(0, begin);
    },
    receive(bytes) {
      if (stopped) return;
      for (const b of bytes) {
        const ch = String.fromCharCode(b);
        // Answer after the current call stack, as a device would: the peer may be in mid-write.
        if (ch === ACK || ch === NAK || ch === EOT) queueMicrotask(() => onReply(ch));
      }
    },
    detach() {
      io = null;
      clearTimers();
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
  };
}
