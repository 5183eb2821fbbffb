import { describe, it, expect } from 'vitest';
import { driver as aecgDriver } from '../../../drivers/ekg-aecg/index.ts';
import { driver as serialDriver } from '../../../drivers/ekg-serial/index.ts';
import type { DeviceReport } from '../../../src/model/driver.ts';
import type { Waveform } from '../../../src/model/reading.ts';
import { normalize } from '../../../src/pipeline/normalize.ts';
import { checkPlausibility } from '../../../src/pipeline/plausibility.ts';
import { analyze } from '../../../simulators/ekg/analyze.ts';
import { DIGIT_UV } from '../../../simulators/ekg/cart-output.ts';
import { synthesize } from '../../../simulators/ekg/synth.ts';
import { create, type CartReading } from '../../../simulators/ekg-cart.ts';
import { createRng } from '../../../simulators/prng.ts';
import type { Fault } from '../../../simulators/types.ts';
import { open } from '../drivers/harness.ts';

// Stated tolerances: what the claims may differ from a measurement of the cart's own waveform.
const TOL = { heartRate: 1, intervalMs: 10, axisDeg: 5 };

describe('EKG synthesis: the claims agree with the waveform', () => {
  it.each(Array.from({ length: 25 }, (_, i) => i + 1))('seed %i', (seed) => {
    const ecg = synthesize(createRng(seed));
    const m = analyze(ecg.clean, ecg.sampleRateHz);
    const c = ecg.claims;
    expect(Math.abs(m.heartRate - c.heartRate)).toBeLessThanOrEqual(TOL.heartRate);
    expect(Math.abs(m.prMs - c.prMs)).toBeLessThanOrEqual(TOL.intervalMs);
    expect(Math.abs(m.qrsMs - c.qrsMs)).toBeLessThanOrEqual(TOL.intervalMs);
    expect(Math.abs(m.qtMs - c.qtMs)).toBeLessThanOrEqual(TOL.intervalMs);
    expect(Math.abs(m.pAxis - c.pAxis)).toBeLessThanOrEqual(TOL.axisDeg);
    expect(Math.abs(m.qrsAxis - c.qrsAxis)).toBeLessThanOrEqual(TOL.axisDeg);
    expect(Math.abs(m.tAxis - c.tAxis)).toBeLessThanOrEqual(TOL.axisDeg);
    expect(c.qtcMs).toBe(Math.round(c.qtMs / Math.sqrt(60 / c.heartRate)));
  });

  it('is 10 s of 12 leads at 500 Hz, with limb leads related by Einthoven and Goldberger', () => {
    const ecg = synthesize(createRng(7));
    expect(ecg.leads.map((l) => l.name)).toEqual(['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
    for (const l of ecg.leads) expect(l.samples).toHaveLength(5000);
    const [I, II, III, aVR, aVL, aVF] = ecg.clean.map((l) => l.samples);
    for (let k = 0; k < 5000; k += 37) {
      expect(III?.[k]).toBeCloseTo((II?.[k] ?? 0) - (I?.[k] ?? 0), 6);
      expect(aVR?.[k]).toBeCloseTo(-((I?.[k] ?? 0) + (II?.[k] ?? 0)) / 2, 6);
      expect(aVL?.[k]).toBeCloseTo((I?.[k] ?? 0) - (II?.[k] ?? 0) / 2, 6);
      expect(aVF?.[k]).toBeCloseTo((II?.[k] ?? 0) - (I?.[k] ?? 0) / 2, 6);
    }
    // R-wave progression: V5's R is taller than V1's, V1's S deeper than V5's.
    const max = (name: string): number => Math.max(...(ecg.clean.find((l) => l.name === name)?.samples ?? []));
    const min = (name: string): number => Math.min(...(ecg.clean.find((l) => l.name === name)?.samples ?? []));
    expect(max('V5')).toBeGreaterThan(2 * max('V1'));
    expect(min('V1')).toBeLessThan(2 * min('V5'));
  });

  it('is the same for the same seed and differs for another', () => {
    expect(synthesize(createRng(3)).leads[1]?.samples.slice(0, 50)).toEqual(synthesize(createRng(3)).leads[1]?.samples.slice(0, 50));
    expect(synthesize(createRng(3)).claims).not.toEqual(synthesize(createRng(4)).claims);
  });
});

interface Run {
  writes: Buffer[];
  readings: readonly CartReading[];
}

async function run(format: 'aecg' | 'serial', count: number, faults: Fault[] = [], seed = 11): Promise<Run> {
  const sim = create({ format, count, faults, seed, intervalMs: 40, now: () => new Date('2026-11-27T14:41:00Z') });
  const writes: Buffer[] = [];
  sim.start({ write: (b) => writes.push(Buffer.from(b)) });
  await sim.done;
  sim.stop();
  return { writes, readings: sim.readings };
}

function expectClaims(report: DeviceReport, reading: CartReading): void {
  const byType = Object.fromEntries(report.measurements.filter((m) => m.type).map((m) => [m.type, m.value]));
  const c = reading.claims;
  expect(byType).toEqual({
    'ecg.heart_rate': c.heartRate,
    'ecg.pr': c.prMs,
    'ecg.qrs': c.qrsMs,
    'ecg.qt': c.qtMs,
    'ecg.qtc': c.qtcMs,
    'ecg.p_axis': c.pAxis,
    'ecg.qrs_axis': c.qrsAxis,
    'ecg.t_axis': c.tAxis,
  });
  expect(report.measurements.find((m) => m.code?.loinc === '8601-7')?.value).toBe(reading.statements.join('\n'));
  if (reading.patient) {
    const p = reading.patient;
    expect(report.subject).toEqual({ mrn: p.mrn, family: p.family, given: p.given, dob: p.dob, sex: p.sex });
  } else {
    expect(report.subject).toBeUndefined();
  }
}

describe('EKG cart simulator -> drivers (in process)', () => {
  it('aECG: every document is read back with the claimed values, the patient and the 12-lead tracing', async () => {
    const { writes, readings } = await run('aecg', 3);
    expect(writes).toHaveLength(3);
    const h = open(aecgDriver);
    for (const w of writes) await h.session.receiveMessage?.(w, { receivedAt: new Date() });
    expect(h.errors).toEqual([]);
    expect(h.reports).toHaveLength(3);
    h.reports.forEach((r, i) => {
      const reading = readings[i];
      if (!reading) throw new Error('missing claims');
      expectClaims(r, reading);
      expect(r.observedAt).toBe('2026-11-27T14:41:00+00:00');
      expect(r.equipment).toBe('CardioSim 12 SN0042');
      const wave = r.measurements.find((m) => typeof m.value === 'object' && m.value.kind === 'waveform')?.value as Waveform;
      expect(wave.sampleRateHz).toBe(500);
      expect(wave.leads.map((l) => [l.name, l.samples.length])).toEqual(
        ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'].map((n) => [n, 5000]),
      );
      for (const s of wave.leads[1]?.samples ?? []) expect(Math.abs(s % DIGIT_UV)).toBe(0);
      // The tracing that arrived still shows the claimed rate (noise and quantization included).
      expect(Math.abs(analyze(wave.leads, wave.sampleRateHz).heartRate - reading.claims.heartRate)).toBeLessThanOrEqual(TOL.heartRate);
      const { reading: normalized, problems } = normalize(r, { deviceId: 'ekg-1', kind: 'ekg', receivedAt: new Date() });
      expect(problems).toEqual([]);
      expect(checkPlausibility(normalized)).toEqual([]);
    });
  });

  it('serial: every summary block is read back with the claimed values and the patient', async () => {
    const { writes, readings } = await run('serial', 3);
    const h = open(serialDriver);
    for (const w of writes) h.feed(w);
    expect(h.errors).toEqual([]);
    expect(h.reports).toHaveLength(3);
    h.reports.forEach((r, i) => {
      const reading = readings[i];
      if (!reading) throw new Error('missing claims');
      expectClaims(r, reading);
      const t = reading.takenAt;
      const p = (n: number): string => String(n).padStart(2, '0');
      expect(r.observedAt).toBe(`${t.getFullYear()}-${p(t.getMonth() + 1)}-${p(t.getDate())}T${p(t.getHours())}:${p(t.getMinutes())}:${p(t.getSeconds())}`);
    });
  });

  it('serial faults: garbage and cut blocks are protocol errors, every good test still arrives, 400 /min is held', async () => {
    const { writes, readings } = await run('serial', 4, ['garbage', 'partial', 'implausible'], 5);
    const h = open(serialDriver);
    for (const w of writes) h.feed(w);
    expect(h.reports).toHaveLength(4);
    expect(h.errors.length).toBeGreaterThan(0);
    h.reports.forEach((r, i) => expectClaims(r, readings[i] as CartReading));
    const held = h.reports.filter((r) => checkPlausibility(normalize(r, { deviceId: 'e', kind: 'ekg', receivedAt: new Date() }).reading).length > 0);
    expect(held.length).toBeGreaterThanOrEqual(1);
    expect(held.every((r) => r.measurements.some((m) => m.type === 'ecg.heart_rate' && m.value === 400))).toBe(true);
  });

  it('aECG faults: a non-XML write and a cut document are refused, every good document arrives', async () => {
    const { writes, readings } = await run('aecg', 3, ['garbage', 'partial'], 9);
    expect(writes.length).toBeGreaterThan(3);
    const h = open(aecgDriver);
    for (const w of writes) await h.session.receiveMessage?.(w, { receivedAt: new Date() });
    expect(h.reports).toHaveLength(3);
    expect(h.errors.length).toBe(writes.length - 3);
    h.reports.forEach((r, i) => expectClaims(r, readings[i] as CartReading));
  });
});
