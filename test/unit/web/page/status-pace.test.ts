// The status strip's fetches while events flow: one per burst, and while events keep coming (an
// outage at 50 readings a second) no more than one per THROTTLE_MS, from every open tab.

import { describe, expect, it } from 'vitest';
import { fetchDelay, THROTTLE_MS } from '../../../../src/web/page/lib/status-pace.ts';

describe('status feed pace', () => {
  it('gathers a burst after a quiet spell, then keeps to one fetch per throttle time', () => {
    const now = 1_000_000;
    expect(fetchDelay(Number.NEGATIVE_INFINITY, now)).toBe(300);
    expect(fetchDelay(now - 60_000, now)).toBe(300);
    expect(THROTTLE_MS).toBeGreaterThanOrEqual(2000);
    // Events right after a fetch: the next one waits out the throttle time from that fetch.
    expect(fetchDelay(now - 100, now)).toBe(THROTTLE_MS - 100);
    // Events every 20 ms for ten seconds: fetches at most every THROTTLE_MS.
    let last = Number.NEGATIVE_INFINITY;
    let due: number | undefined;
    const fetches: number[] = [];
    for (let t = 0; t <= 10_000; t += 20) {
      if (due !== undefined && t >= due) {
        fetches.push(t);
        last = t;
        due = undefined;
      }
      due ??= t + fetchDelay(last, t);
    }
    expect(fetches.length).toBeLessThanOrEqual(Math.ceil(10_000 / THROTTLE_MS) + 1);
    for (let i = 1; i < fetches.length; i++) expect(fetches[i]! - fetches[i - 1]!).toBeGreaterThanOrEqual(THROTTLE_MS);
  });
});
