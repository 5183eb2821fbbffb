// The times a simulated analyzer puts on results for work it was given: never before it had the
// work, the tube collected no later than that.

import { describe, expect, it } from 'vitest';
import { workTimes } from '../../../simulators/work-times.ts';

const at = (hms: string) => new Date(`2026-12-06T${hms}Z`);

describe('workTimes', () => {
  it('run at once: every time is the moment it got the work; run later: a two-minute run ending a minute before the results', () => {
    const hms = (w: ReturnType<typeof workTimes>) => [w.collected, w.received, w.started, w.completed].map((d) => d.toISOString().slice(11, 19));
    expect(hms(workTimes(at('09:13:28'), at('09:13:29')))).toEqual(['09:13:28', '09:13:28', '09:13:28', '09:13:28']);
    expect(hms(workTimes(at('09:00:00'), at('09:20:00')))).toEqual(['09:00:00', '09:00:00', '09:18:00', '09:19:00']);
  });

  it('no time given, or one after now (a clock step): now', () => {
    for (const given of [undefined, at('10:00:00')]) expect(workTimes(given, at('09:00:00')).collected).toEqual(at('09:00:00'));
  });
});
