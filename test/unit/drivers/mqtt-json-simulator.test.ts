// The MQTT vitals simulator against the mqtt-json driver, in process: every message it publishes is
// one the driver accepts (or, for faults, rejects or deduplicates), and a seed gives the same bytes.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { driver } from '../../../drivers/mqtt-json/index.ts';
import { create } from '../../../simulators/mqtt-vitals.ts';
import type { Fault } from '../../../simulators/types.ts';
import { open } from './harness.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

const clock = (): Date => new Date('2026-11-27T14:41:00Z');

async function run(seed: number, count: number, faults: Fault[] = []): Promise<{ writes: string[]; sim: ReturnType<typeof create> }> {
  const sim = create({ seed, count, faults, intervalMs: 1000, now: clock });
  const writes: string[] = [];
  sim.start({ write: (bytes) => writes.push(Buffer.from(bytes).toString('utf8')) });
  await vi.advanceTimersByTimeAsync(count * 1000 + 10);
  await sim.done;
  sim.stop();
  return { writes, sim };
}

describe('mqtt-vitals simulator', () => {
  it('publishes rotating BP, SpO2, temperature and weight readings the driver accepts', async () => {
    const { writes, sim } = await run(3, 12);
    expect(writes).toHaveLength(12);
    const h = open(driver);
    for (const w of writes) await h.session.receiveMessage!(Buffer.from(w, 'utf8'), { receivedAt: clock() });
    expect(h.errors).toEqual([]);
    expect(h.reports).toHaveLength(12);
    const types = h.reports.map((r) => r.measurements.map((m) => m.type).join(','));
    expect(types.slice(0, 4)).toEqual(['bp.systolic,bp.diastolic,bp.mean,pulse', 'spo2,pulse', 'temperature', 'weight']);
    const units = new Set(h.reports.flatMap((r) => r.measurements.map((m) => m.unit)));
    for (const u of ['mmHg', 'bpm', '%', '/min']) expect(units).toContain(u);
    expect([...units].some((u) => u === 'degF' || u === 'lb')).toBe(true);
    expect(h.reports.map((r) => r.equipment)).toEqual(Array(12).fill('SIM-VITALS-3'));
    expect(sim.messages.map((m) => m.id)).toEqual(h.reports.map((r) => (JSON.parse(r.raw) as { id: string }).id));
  });

  it('is deterministic per seed (with a fixed clock), and differs between seeds', async () => {
    const a = await run(11, 6);
    const b = await run(11, 6);
    const c = await run(12, 6);
    expect(a.writes).toEqual(b.writes);
    expect(a.writes).not.toEqual(c.writes);
  });

  it('faults: garbage is rejected, a duplicate is stored once, implausible is a reading with systolic 400', async () => {
    const { writes, sim } = await run(5, 8, ['garbage', 'duplicate', 'implausible']);
    expect(writes.length).toBeGreaterThan(8);
    const h = open(driver);
    for (const w of writes) await h.session.receiveMessage!(Buffer.from(w, 'utf8'), { receivedAt: clock() });
    expect(h.reports).toHaveLength(8);
    expect(sim.sent).toBe(8);
    expect(h.errors.length).toBeGreaterThanOrEqual(1);
    expect(h.errors.every((e) => /^message is not (JSON|UTF-8)/.test(e.reason))).toBe(true);
    const duplicates = writes.filter((w, i) => writes.indexOf(w) !== i);
    expect(duplicates.length).toBeGreaterThanOrEqual(1);
    expect(h.reports.flatMap((r) => r.measurements).some((m) => m.type === 'bp.systolic' && m.value === 400)).toBe(true);
  });
});
