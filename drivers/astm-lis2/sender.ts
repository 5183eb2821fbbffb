// The sending side of ASTM E1381 (CLSI LIS1-A) for one transmission, as a pure state machine:
// (state, event, now) -> (state, effects). The shell (session.ts) writes, runs the one timer and
// routes the analyzer's bytes here while the transmission is on the wire
// (docs/protocols.md#astm-host-query-and-download).
//
// Rules (E1381 as the Roche cobas host manuals and CLSI LIS1-A implementations state them): the
// sender waits `replyTimeoutMs` (15 s) for each reply, then ends with EOT; a NAK to ENQ means busy:
// wait `busyWaitMs` (10 s) and try again; a NAKed frame is sent again, at most 6 times in all; EOT in
// place of ACK is a receiver interrupt: the frame counts as acknowledged and the sender stops. ENQ in
// reply to our ENQ is contention (E1381 6.2.1; cobas e 411 host manual p. 22): the instrument has
// priority, so the computer yields, receives the instrument's transmission and waits
// `contentionWaitMs` (20 s, as CLSI LIS1-A hosts do) after it before trying again. An analyzer that
// merely had the line when we wanted it (no ENQ of ours was refused) is no contention: after its EOT
// the line is neutral again (E1381 6.4 termination phase; cobas e 411 p. 21: without an ongoing
// transmission both sides are idle), so our ENQ follows at once.
//
// The deadline bounds how long a transmission may wait for the line: a host-query answer's
// (`answerWithinMs`) and a download's (so an analyzer that keeps sending cannot hold it, and the
// orders queued behind it, forever). It ends with `sent: false` and no `answered` flag.

import { ACK, ENQ, EOT, NAK } from './e1381.ts';

export interface SenderConfig {
  replyTimeoutMs: number;
  busyWaitMs: number;
  contentionWaitMs: number;
  /** ENQs tried (answered NAK, or lost to the instrument) before the transmission is given up. */
  maxEnqTries: number;
  /** E1381: a frame is sent at most 6 times. */
  maxFrameTries: number;
}

export type SenderState =
  /** Not started, or finished. */
  | { name: 'idle' }
  /** ENQ sent; the reply timer runs. */
  | { name: 'awaitingEnqReply'; enqTries: number }
  /** Frame `index` sent (`tries` times); the reply timer runs. */
  | { name: 'awaitingFrameReply'; index: number; tries: number; enqTries: number }
  /** The analyzer answered ENQ with NAK: waiting `busyWaitMs` before the next ENQ. */
  | { name: 'busyWait'; enqTries: number }
  /** The analyzer is sending: its bytes go to the receiver. `contended`: it refused our ENQ with its own (E1381 contention). */
  | { name: 'yielded'; enqTries: number; contended: boolean }
  /** The analyzer's transmission ended: waiting `contentionWaitMs` before the next ENQ. */
  | { name: 'contentionWait'; enqTries: number };

export type SenderEvent =
  /** `lineBusy`: the analyzer is in the middle of its own transmission. */
  | { type: 'start'; lineBusy: boolean }
  /** A byte from the analyzer while the transmission is on the wire. */
  | { type: 'byte'; byte: number }
  /** The shell's timer fired. */
  | { type: 'timer' }
  /** The analyzer's own transmission ended (the receiver is idle again). */
  | { type: 'instrumentDone' }
  /** The analyzer wants to send (its ENQ, seen by the shell while we were not on the wire). */
  | { type: 'instrumentStarted' };

/** `answered`: the analyzer was on the line and did not take it (NAKs, an interrupt), as opposed to no answer at all. */
export type SendResult = { sent: true } | { sent: false; reason: string; answered?: true };

export type SenderEffect =
  | { type: 'sendControl'; byte: number }
  | { type: 'sendFrame'; index: number }
  | { type: 'setTimer'; ms: number }
  | { type: 'clearTimer' }
  /** The byte just received is the analyzer's ENQ: hand it to the receiver. */
  | { type: 'toReceiver' }
  | { type: 'finish'; result: SendResult };

export interface SenderContext {
  config: SenderConfig;
  frameCount: number;
  now: number;
  /** The transmission must have started (its ENQ acknowledged) by then, or it is dropped unsent. */
  deadline?: number;
  /** What the deadline is, for the reasons ("the time to answer"). */
  deadlineName?: string;
}

/** The time the line must be won in: the answer's budget, or a download's bound. */
const limit = (ctx: SenderContext): string => ctx.deadlineName ?? 'the time to send';

/**
 * A contention wait is cut to what the deadline leaves, less this much for the ENQ to be answered:
 * after the analyzer's EOT the line is neutral, and a host-query answer's analyzer is waiting for it.
 */
const ENQ_GUARD_MS = 1_000;

export interface Step {
  state: SenderState;
  effects: SenderEffect[];
}

const IDLE: SenderState = { name: 'idle' };

/** Whether the analyzer's bytes belong to the sender now. */
export function onWire(state: SenderState): boolean {
  return state.name === 'awaitingEnqReply' || state.name === 'awaitingFrameReply';
}

export function step(state: SenderState, event: SenderEvent, ctx: SenderContext): Step {
  switch (state.name) {
    case 'idle':
      if (event.type !== 'start') return { state, effects: [] };
      return event.lineBusy ? yieldTo(0, false, ctx, []) : enquire(0, ctx);
    case 'awaitingEnqReply':
      return onEnqReply(state, event, ctx);
    case 'awaitingFrameReply':
      return onFrameReply(state, event, ctx);
    case 'busyWait':
    case 'contentionWait':
      if (event.type === 'timer') return enquire(state.enqTries, ctx);
      // The analyzer took the line while we waited: no ENQ of ours was refused, so no contention.
      if (event.type === 'instrumentStarted') return yieldTo(state.enqTries, false, ctx, []);
      return { state, effects: [] };
    case 'yielded':
      if (event.type === 'instrumentDone') {
        return state.contended ? wait('contentionWait', state.enqTries, contentionWait(ctx), ctx) : enquire(state.enqTries, ctx);
      }
      if (event.type === 'timer') return finish(IDLE, { sent: false, reason: `${limit(ctx)} ran out while the analyzer was sending` }, []);
      return { state, effects: [] };
  }
}

function onEnqReply(state: Extract<SenderState, { name: 'awaitingEnqReply' }>, event: SenderEvent, ctx: SenderContext): Step {
  if (event.type === 'timer') return end(`no reply to ENQ within ${ctx.config.replyTimeoutMs} ms`);
  if (event.type !== 'byte') return { state, effects: [] };
  switch (event.byte) {
    case ACK:
      if (ctx.deadline !== undefined && ctx.now > ctx.deadline) return end(`the line was won after ${limit(ctx)} ran out`);
      return sendFrame(0, 1, state.enqTries, ctx);
    case NAK:
      // The last try refused: nothing left to wait for.
      if (state.enqTries >= ctx.config.maxEnqTries) return enquire(state.enqTries, ctx);
      return wait('busyWait', state.enqTries, ctx.config.busyWaitMs, ctx);
    case ENQ:
      return yieldTo(state.enqTries, true, ctx, [{ type: 'toReceiver' }]);
    default:
      // EOT, noise: not a reply to ENQ.
      return { state, effects: [] };
  }
}

function onFrameReply(state: Extract<SenderState, { name: 'awaitingFrameReply' }>, event: SenderEvent, ctx: SenderContext): Step {
  if (event.type === 'timer') return end(`no reply to frame ${state.index + 1} within ${ctx.config.replyTimeoutMs} ms`);
  if (event.type !== 'byte') return { state, effects: [] };
  const last = state.index === ctx.frameCount - 1;
  switch (event.byte) {
    case ACK:
      return last ? end() : sendFrame(state.index + 1, 1, state.enqTries, ctx);
    case EOT:
      // Receiver interrupt (E1381 6.3.5): the frame was received; the analyzer asks us to stop.
      return last ? end() : end(`the analyzer interrupted the transmission at frame ${state.index + 1} of ${ctx.frameCount} (EOT in place of ACK)`, true);
    case NAK:
      if (state.tries >= ctx.config.maxFrameTries) return end(`frame ${state.index + 1} was answered NAK ${state.tries} times`, true);
      return sendFrame(state.index, state.tries + 1, state.enqTries, ctx);
    case ENQ:
      // Not a reply: the analyzer gave up on us and bids for the line while we hold it: as contention.
      return yieldTo(state.enqTries, true, ctx, [{ type: 'toReceiver' }]);
    default:
      return { state, effects: [] };
  }
}

/** ENQ, unless the tries are spent or the answer's time has run out. */
function enquire(enqTries: number, ctx: SenderContext): Step {
  if (enqTries >= ctx.config.maxEnqTries) {
    return finish(IDLE, { sent: false, reason: `the analyzer did not take the line after ${enqTries} ENQs (busy or sending itself)` }, []);
  }
  if (ctx.deadline !== undefined && ctx.now >= ctx.deadline) return finish(IDLE, { sent: false, reason: `${limit(ctx)} ran out before the line was free` }, []);
  return {
    state: { name: 'awaitingEnqReply', enqTries: enqTries + 1 },
    effects: [{ type: 'sendControl', byte: ENQ }, replyTimer(ctx)],
  };
}

function sendFrame(index: number, tries: number, enqTries: number, ctx: SenderContext): Step {
  return { state: { name: 'awaitingFrameReply', index, tries, enqTries }, effects: [{ type: 'sendFrame', index }, replyTimer(ctx)] };
}

function replyTimer(ctx: SenderContext): SenderEffect {
  return { type: 'setTimer', ms: ctx.config.replyTimeoutMs };
}

function wait(name: 'busyWait' | 'contentionWait', enqTries: number, ms: number, ctx: SenderContext): Step {
  if (ctx.deadline !== undefined && ctx.now + ms >= ctx.deadline) {
    return finish(IDLE, { sent: false, reason: `${limit(ctx)} would run out before the next try` }, []);
  }
  return { state: { name, enqTries }, effects: [{ type: 'setTimer', ms }] };
}

/** The wait after contention, cut to leave the next ENQ time to be answered before the deadline. */
function contentionWait(ctx: SenderContext): number {
  const ms = ctx.config.contentionWaitMs;
  return ctx.deadline === undefined ? ms : Math.min(ms, Math.max(0, ctx.deadline - ctx.now - ENQ_GUARD_MS));
}

function yieldTo(enqTries: number, contended: boolean, ctx: SenderContext, effects: SenderEffect[]): Step {
  const timer: SenderEffect = ctx.deadline === undefined ? { type: 'clearTimer' } : { type: 'setTimer', ms: Math.max(0, ctx.deadline - ctx.now) };
  return { state: { name: 'yielded', enqTries, contended }, effects: [...effects, timer] };
}

/** EOT, then the result: sent when no reason is given. */
function end(reason?: string, answered?: true): Step {
  const result: SendResult = reason === undefined ? { sent: true } : { sent: false, reason, ...(answered ? { answered } : {}) };
  return finish(IDLE, result, [{ type: 'sendControl', byte: EOT }]);
}

function finish(state: SenderState, result: SendResult, effects: SenderEffect[]): Step {
  return { state, effects: [...effects, { type: 'clearTimer' }, { type: 'finish', result }] };
}
