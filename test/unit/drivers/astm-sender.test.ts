// astm-lis2, the E1381 sender as a pure state machine: the transitions the session tests reach only
// through timing (deadlines, stray bytes, a yield with a budget), step by step.

import { describe, expect, it } from 'vitest';
import { ACK, ENQ, EOT, NAK } from '../../../drivers/astm-lis2/e1381.ts';
import { onWire, step, type SenderContext, type SenderState } from '../../../drivers/astm-lis2/sender.ts';

const config = { replyTimeoutMs: 15_000, busyWaitMs: 10_000, contentionWaitMs: 20_000, maxEnqTries: 6, maxFrameTries: 6 };
const ctx = (now = 0, deadline?: number): SenderContext => ({
  config,
  frameCount: 2,
  now,
  ...(deadline === undefined ? {} : { deadline, deadlineName: 'the time to answer' }),
});
const idle: SenderState = { name: 'idle' };

describe('E1381 sender', () => {
  it('starts with ENQ and the reply timer; a busy line makes it wait for the analyzer instead', () => {
    expect(step(idle, { type: 'start', lineBusy: false }, ctx())).toEqual({
      state: { name: 'awaitingEnqReply', enqTries: 1 },
      effects: [
        { type: 'sendControl', byte: ENQ },
        { type: 'setTimer', ms: 15_000 },
      ],
    });
    expect(step(idle, { type: 'start', lineBusy: true }, ctx())).toEqual({
      state: { name: 'yielded', enqTries: 0, contended: false },
      effects: [{ type: 'clearTimer' }],
    });
  });

  it('ignores what is not a reply: bytes and timers while idle, EOT or noise after ENQ', () => {
    expect(step(idle, { type: 'byte', byte: ACK }, ctx()).effects).toEqual([]);
    expect(step(idle, { type: 'timer' }, ctx()).effects).toEqual([]);
    const waiting: SenderState = { name: 'awaitingEnqReply', enqTries: 1 };
    expect(step(waiting, { type: 'byte', byte: EOT }, ctx())).toEqual({ state: waiting, effects: [] });
    expect(step(waiting, { type: 'byte', byte: 0x41 }, ctx())).toEqual({ state: waiting, effects: [] });
  });

  it('an answer past its deadline is never started: no ENQ; a line won late is closed with EOT alone', () => {
    expect(step(idle, { type: 'start', lineBusy: false }, ctx(1_000, 1_000))).toEqual({
      state: idle,
      effects: [{ type: 'clearTimer' }, { type: 'finish', result: { sent: false, reason: 'the time to answer ran out before the line was free' } }],
    });
    const late = step({ name: 'awaitingEnqReply', enqTries: 1 }, { type: 'byte', byte: ACK }, ctx(1_001, 1_000));
    expect(late.effects).toEqual([
      { type: 'sendControl', byte: EOT },
      { type: 'clearTimer' },
      { type: 'finish', result: { sent: false, reason: 'the line was won after the time to answer ran out' } },
    ]);
  });

  it('yielding with a deadline arms it; its timer drops the answer without writing', () => {
    const contention = step({ name: 'awaitingEnqReply', enqTries: 2 }, { type: 'byte', byte: ENQ }, ctx(400, 1_000));
    expect(contention).toEqual({ state: { name: 'yielded', enqTries: 2, contended: true }, effects: [{ type: 'toReceiver' }, { type: 'setTimer', ms: 600 }] });
    expect(onWire(contention.state)).toBe(false);
    expect(step(contention.state, { type: 'timer' }, ctx(1_000, 1_000)).effects).toEqual([
      { type: 'clearTimer' },
      { type: 'finish', result: { sent: false, reason: 'the time to answer ran out while the analyzer was sending' } },
    ]);
  });

  it('after contention (our ENQ answered ENQ): the contention wait, then ENQ; the analyzer starting again during it yields again', () => {
    const waiting = step({ name: 'yielded', enqTries: 1, contended: true }, { type: 'instrumentDone' }, ctx());
    expect(waiting).toEqual({ state: { name: 'contentionWait', enqTries: 1 }, effects: [{ type: 'setTimer', ms: 20_000 }] });
    expect(step(waiting.state, { type: 'instrumentStarted' }, ctx()).state).toEqual({ name: 'yielded', enqTries: 1, contended: false });
    expect(step(waiting.state, { type: 'timer' }, ctx()).state).toEqual({ name: 'awaitingEnqReply', enqTries: 2 });
  });

  it('after the analyzer merely had the line (no ENQ of ours refused): ENQ as soon as its transmission ends (E1381: the line is neutral)', () => {
    for (const before of [idle, { name: 'busyWait', enqTries: 1 } as const, { name: 'contentionWait', enqTries: 1 } as const]) {
      const yielded = before.name === 'idle' ? step(before, { type: 'start', lineBusy: true }, ctx()) : step(before, { type: 'instrumentStarted' }, ctx());
      const after = step(yielded.state, { type: 'instrumentDone' }, ctx());
      expect(after.state).toEqual({ name: 'awaitingEnqReply', enqTries: before.name === 'idle' ? 1 : 2 });
      expect(after.effects[0]).toEqual({ type: 'sendControl', byte: ENQ });
    }
  });

  it('an answer contention wait is cut to its budget (less the ENQ guard), so contention does not drop it', () => {
    // 20 s contention wait, 9 s of the budget left: ENQ again after 8 s.
    expect(step({ name: 'yielded', enqTries: 1, contended: true }, { type: 'instrumentDone' }, ctx(1_000, 10_000))).toEqual({
      state: { name: 'contentionWait', enqTries: 1 },
      effects: [{ type: 'setTimer', ms: 8_000 }],
    });
  });

  it('a download deadline: the analyzer keeping the line past it ends the download unsent, not "answered"', () => {
    const dl: SenderContext = { config, frameCount: 2, now: 120_000, deadline: 120_000, deadlineName: 'the 120000 ms a download may wait for the line' };
    expect(step({ name: 'yielded', enqTries: 0, contended: false }, { type: 'timer' }, dl).effects.at(-1)).toEqual({
      type: 'finish',
      result: { sent: false, reason: 'the 120000 ms a download may wait for the line ran out while the analyzer was sending' },
    });
  });

  it('the last busy NAK ends at once, without another busy wait', () => {
    expect(step({ name: 'awaitingEnqReply', enqTries: 6 }, { type: 'byte', byte: NAK }, ctx())).toEqual({
      state: idle,
      effects: [
        { type: 'clearTimer' },
        { type: 'finish', result: { sent: false, reason: 'the analyzer did not take the line after 6 ENQs (busy or sending itself)' } },
      ],
    });
  });

  it('frames: NAK resends the same frame, the 6th NAK gives up; ENQ in place of a reply yields', () => {
    const sent: SenderState = { name: 'awaitingFrameReply', index: 1, tries: 5, enqTries: 1 };
    expect(step(sent, { type: 'byte', byte: NAK }, ctx()).state).toEqual({ ...sent, tries: 6 });
    expect(step({ ...sent, tries: 6 }, { type: 'byte', byte: NAK }, ctx()).effects.at(-1)).toEqual({
      type: 'finish',
      result: { sent: false, reason: 'frame 2 was answered NAK 6 times', answered: true },
    });
    expect(step(sent, { type: 'byte', byte: ENQ }, ctx()).state).toEqual({ name: 'yielded', enqTries: 1, contended: true });
  });
});
