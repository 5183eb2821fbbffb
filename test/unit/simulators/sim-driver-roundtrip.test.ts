// Each simulator's bytes fed straight into its driver (in process, fake timers): exactly `count`
// readings come out for any seed, with or without faults.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import type { DeviceReport, ProtocolError } from '../../../src/model/driver.ts';
import { drivers } from '../../../drivers/index.ts';
import { noninExample } from '../../../drivers/generic-line/index.ts';
import { createSimulator, simulatorIds } from '../../../simulators/index.ts';
import { FAULTS, type Fault } from '../../../simulators/types.ts';
import { openDriverUnderTest } from '../../support/driver-under-test.ts';

interface Run {
  reports: DeviceReport[];
  errors: ProtocolError[];
  sent: number;
  done: boolean;
}

const settingsFor = (id: string): Record<string, unknown> => (id === 'generic-line' ? { ...noninExample } : {});

/** The value that marks the implausible fault in each simulator. */
const implausible: Record<string, (r: DeviceReport) => boolean> = {
  'ad-scale': (r) => r.measurements.some((m) => m.type === 'weight' && m.value === 900),
  tanita: (r) => r.measurements.some((m) => m.type === 'weight' && m.value === 900),
  accutorr: (r) => r.measurements.some((m) => m.type === 'bp.systolic' && m.value === 400),
  'generic-line': (r) => r.measurements.some((m) => m.type === 'pulse.oximetry' && m.value === 400),
};

async function roundtrip(id: string, count: number, seed: number, faults: Fault[]): Promise<Run> {
  const sim = createSimulator(id, { count, seed, faults, intervalMs: 2000 });
  const { session, reports, errors } = openDriverUnderTest(id, (bytes) => sim.receive(bytes), { settings: settingsFor(id) });
  let done = false;
  void sim.done.then(() => {
    done = true;
  });
  sim.start({ write: (bytes) => session.receive(bytes) });
  session.linkUp?.();
  // Bounded: a simulator that never finishes fails the test instead of hanging it.
  for (let i = 0; i < 5000 && !done; i++) await vi.advanceTimersByTimeAsync(500);
  await vi.advanceTimersByTimeAsync(10_000); // let the last weighing finish; nothing new may appear
  sim.stop();
  session.close();
  return { reports, errors, sent: sim.sent, done };
}

describe('simulator -> driver roundtrip', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('has a simulator for every driver', () => {
    expect([...simulatorIds].sort()).toEqual(drivers.map((d) => d.id).sort());
    expect(() => createSimulator('nope', {})).toThrow(/no simulator for driver "nope" \(known: ad-scale, tanita, accutorr, generic-line/);
  });

  // The line-output devices; the analyzers' simulators have roundtrip tests of their own.
  for (const id of ['ad-scale', 'tanita', 'accutorr', 'generic-line']) {
    it(`${id}: exactly count readings without faults`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.integer(), async (count, seed) => {
          const run = await roundtrip(id, count, seed, []);
          expect(run.done).toBe(true);
          expect(run.sent).toBe(count);
          expect(run.errors).toEqual([]);
          expect(run.reports).toHaveLength(count);
          expect(run.reports.some(implausible[id] ?? (() => true))).toBe(false);
        }),
        { numRuns: 15 },
      );
    });

    it(`${id}: faults add protocol errors, never an extra or a missing reading`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.integer(), fc.subarray([...FAULTS], { minLength: 1 }), async (count, seed, faults) => {
          const run = await roundtrip(id, count, seed, faults);
          expect(run.done).toBe(true);
          expect(run.sent).toBe(count);
          expect(run.reports).toHaveLength(count);
          if (faults.includes('partial')) expect(run.errors.length).toBeGreaterThan(0);
          expect(run.reports.some(implausible[id] ?? (() => false))).toBe(faults.includes('implausible'));
        }),
        { numRuns: 25 },
      );
    });
  }

  it('the same seed gives the same bytes', async () => {
    const capture = async (seed: number) => {
      const sim = createSimulator('ad-scale', { count: 3, seed, faults: ['garbage', 'partial'], intervalMs: 100 });
      const out: number[] = [];
      sim.start({ write: (b) => out.push(...b) });
      await vi.runAllTimersAsync();
      return Buffer.from(out).toString('latin1');
    };
    const a = await capture(7);
    expect(await capture(7)).toBe(a);
    expect(await capture(8)).not.toBe(a);
    expect(a).toMatch(/^ST,GS,\+0000\.00kg\r\nUS,GS,/);
  });
});
