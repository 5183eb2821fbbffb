// The one backoff: capped exponential, jitter that only shortens a wait (so a configured cap holds).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, JITTER } from '../../../src/transports/backoff.ts';

describe('backoffDelay', () => {
  it('doubles from the initial wait up to the cap', () => {
    const b = { initialMs: 100, maxMs: 1000 };
    const plain = Array.from({ length: 20 }, (_, i) => backoffDelay(i + 1, b, () => 0));
    expect(plain.slice(0, 6)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(Math.max(...plain)).toBe(1000);
    expect(backoffDelay(3, { initialMs: 10, maxMs: 10_000, factor: 3 }, () => 0)).toBe(90);
    expect(backoffDelay(0, b, () => 0)).toBe(100);
  });

  it('never waits longer than the cap, and takes at most a tenth off', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        fc.integer({ min: 0, max: 3_600_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, initialMs, maxMs, r) => {
          const plain = backoffDelay(attempt, { initialMs, maxMs }, () => 0);
          const jittered = backoffDelay(attempt, { initialMs, maxMs }, () => r);
          expect(plain).toBeLessThanOrEqual(Math.max(maxMs, 0));
          expect(jittered).toBeLessThanOrEqual(plain);
          expect(jittered).toBeGreaterThanOrEqual(Math.floor(plain * (1 - JITTER)));
          expect(Number.isFinite(jittered)).toBe(true);
        },
      ),
    );
  });

  it('spreads links that failed together', () => {
    let seed = 1;
    const random = () => ((seed = (seed * 48271) % 2147483647) - 1) / 2147483646;
    const waits = new Set(Array.from({ length: 20 }, () => backoffDelay(8, { initialMs: 500, maxMs: 30_000 }, random)));
    expect(waits.size).toBeGreaterThan(10);
  });
});
