// The sending side of ASTM E1381 (CLSI LIS1-A) for one transmission, as a pure state machine:
// (state, event, now) -> (state, effects). The shell (session.ts) writes, runs the one timer and
// routes the analyzer's bytes here while the transmission is on the wire
// (docs/protocols.md#astm-host-query-and-download).
//
// Rules (E1381 as the Roche cobas host manuals and CLSI LIS1-A implementations state them): the
// sender waits `replyTimeoutMs` (15 s) for each reply, then ends with EOT; a NAK to ENQ means busy:
// wait `busyWaitMs` (10 s) and try again; a NAKed frame is sent again, at most 6 times in all; EOT in
// place of ACK is a receiver interrupt: the frame counts as acknowledged and the sender stops. ENQ in
// reply to our ENQ is contention: the instrument has priority, so the computer yields, receives the
// instrument's transmission and waits `contentionWaitMs` (20 s) after it before trying again.

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
  /** The analyzer is sending (it won contention or was first): its bytes go to the receiver. */
  | { name: 'yielded'; enqTries: number }
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
  /** The transmission must have started (its ENQ acknowledged) by then, or it is dropped unsent (a host-query answer). */
  deadline?: number;
}

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
      return event.lineBusy ? yieldTo(0, ctx, []) : enquire(0, ctx);
    case 'awaitingEnqReply':
      return onEnqReply(state, event, ctx);
    case 'awaitingFrameReply':
      return onFrameReply(state, event, ctx);
    case 'busyWait':
    case 'contentionWait':
      if (event.type === 'timer') return enquire(state.enqTries, ctx);
      if (event.type === 'instrumentStarted') return yieldTo(state.enqTries, ctx, []);
      return { state, effects: [] };
    case 'yielded':
      if (event.type === 'instrumentDone') return wait('contentionWait', state.enqTries, ctx.config.contentionWaitMs, ctx);
      if (event.type === 'timer') return finish(IDLE, { sent: false, reason: 'the time to answer ran out while the analyzer was sending' }, []);
      return { state, effects: [] };
  }
}

function onEnqReply(state: Extract<SenderState, { name: 'awaitingEnqReply' }>, event: SenderEvent, ctx: SenderContext): Step {
  if (event.type === 'timer') return end(`no reply to ENQ within ${ctx.config.replyTimeoutMs} ms`);
  if (event.type !== 'byte') return { state, effects: [] };
  switch (event.byte) {
    case ACK:
      if (ctx.deadline !== undefined && ctx.now > ctx.deadline) return end('the line was won after the time to answer ran out');
      return sendFrame(0, 1, state.enqTries, ctx);
    case NAK:
      return wait('busyWait', state.enqTries, ctx.config.busyWaitMs, ctx);
    case ENQ:
      return yieldTo(state.enqTries, ctx, [{ type: 'toReceiver' }]);
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
      // Not a reply: the analyzer gave up on us and starts its own transmission; ours starts over later.
      return yieldTo(state.enqTries, ctx, [{ type: 'toReceiver' }]);
    default:
      return { state, effects: [] };
  }
}

/** ENQ, unless the tries are spent or the answer's time has run out. */
function enquire(enqTries: number, ctx: SenderContext): Step {
  if (enqTries >= ctx.config.maxEnqTries) {
    return finish(IDLE, { sent: false, reason: `the analyzer did not take the line after ${enqTries} ENQs (busy or sending itself)` }, []);
  }
  if (ctx.deadline !== undefined && ctx.now >= ctx.deadline)
    return finish(IDLE, { sent: false, reason: 'the time to answer ran out before the line was free' }, []);
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
    return finish(IDLE, { sent: false, reason: 'the time to answer would run out before the next try' }, []);
  }
  return { state: { name, enqTries }, effects: [{ type: 'setTimer', ms }] };
}

function yieldTo(enqTries: number, ctx: SenderContext, effects: SenderEffect[]): Step {
  const timer: SenderEffect = ctx.deadline === undefined ? { type: 'clearTimer' } : { type: 'setTimer', ms: Math.max(0, ctx.deadline - ctx.now) };
  return { state: { name: 'yielded', enqTries }, effects: [...effects, timer] };
}

/** EOT, then the result: sent when no reason is given. */
function end(reason?: string, answered?: true): Step {
  const result: SendResult = reason === undefined ? { sent: true } : { sent: false, reason, ...(answered ? { answered } : {}) };
  return finish(IDLE, result, [{ type: 'sendControl', byte: EOT }]);
}

function finish(state: SenderState, result: SendResult, effects: SenderEffect[]): Step {
  return { state, effects: [...effects, { type: 'clearTimer' }, { type: 'finish', result }] };
}
