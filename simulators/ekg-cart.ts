// A resting 12-lead EKG cart: one test per reading (a synthetic ECG, simulators/ekg/synth.ts),
// written as an HL7 aECG document (format 'aecg': one document per write, as a file export or an
// MQTT publish) or as the serial text summary (format 'serial'). Faults: garbage (noise: a
// document that is not XML, or a line of bytes), partial (a document cut short, or a summary
// block cut off by the next header), implausible (a heart rate of 400 claimed).

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cut, FaultPlan, garbage } from './faults.ts';
import { createRng, type Rng } from './prng.ts';
import { createScriptedDevice, lineGap, type Step } from './script-player.ts';
import { aecgDocument, serialSummary, type CartPatient, type CartTest } from './ekg/cart-output.ts';
import { DURATION_S, synthesize, type EcgClaims } from './ekg/synth.ts';
import type { DeviceIo, SimulatedDevice, SimulatorOptions } from './types.ts';

export type EkgCartFormat = 'aecg' | 'serial';

export interface EkgCartOptions extends SimulatorOptions {
  format?: EkgCartFormat;
  /** Clock for the tests' time stamps (default: now). */
  now?: () => Date;
}

/** What the cart claimed for each reading it completed, for tests to compare with what arrived. */
export interface CartReading {
  claims: EcgClaims;
  statements: string[];
  patient?: CartPatient;
  takenAt: Date;
}

export interface EkgCartSimulator extends SimulatedDevice {
  readonly readings: readonly CartReading[];
}

const PATIENTS: CartPatient[] = [
  { mrn: 'MRN4711', family: 'Doe', given: 'Jane', dob: '1970-01-01', sex: 'F' },
  { mrn: 'MRN0815', family: 'Müller', given: 'Jürgen', dob: '1958-06-30', sex: 'M' },
  { mrn: 'A-20931', family: "O'Neil", given: 'Siobhán', dob: '1991-11-02', sex: 'F' },
];

const MODEL = 'CardioSim 12';

function statementsFor(c: EcgClaims): string[] {
  const out = [c.heartRate < 60 ? 'Sinus bradycardia' : c.heartRate > 100 ? 'Sinus tachycardia' : 'Sinus rhythm'];
  if (c.qrsAxis < -30) out.push('Left axis deviation');
  if (c.prMs > 200) out.push('First degree AV block');
  out.push(c.heartRate >= 60 && c.heartRate <= 100 && c.prMs <= 200 && c.qrsAxis >= -30 ? 'Normal ECG' : 'Otherwise normal ECG');
  return out;
}

function makeTest(rng: Rng, index: number, takenAt: Date, implausible: boolean): CartTest {
  const ecg = synthesize(rng);
  const claims = implausible ? { ...ecg.claims, heartRate: 400 } : ecg.claims;
  const test: CartTest = {
    id: `ECG-${String(index + 1).padStart(5, '0')}`,
    takenAt,
    durationS: DURATION_S,
    sampleRateHz: ecg.sampleRateHz,
    claims,
    statements: statementsFor(claims),
    leads: ecg.leads,
    model: MODEL,
    serialNumber: 'SN0042',
  };
  // Now and then a test taken before the patient was entered on the cart.
  if (!rng.chance(0.15)) test.patient = rng.pick(PATIENTS);
  return test;
}

export function create(options: EkgCartOptions = {}): EkgCartSimulator {
  const format = options.format ?? 'aecg';
  const rng = createRng(options.seed ?? 1);
  const plan = new FaultPlan(options.faults ?? [], rng);
  const interval = options.intervalMs ?? 30_000;
  const gap = lineGap(interval);
  const now = options.now ?? (() => new Date());
  const created: CartReading[] = [];

  const device = createScriptedDevice(`ekg-${format}`, options, (index) => {
    const faults = plan.for(index, options.count);
    if (faults.size > 0) options.log?.(`ekg-cart: reading ${index + 1} with faults ${[...faults].join(', ')}`);
    const takenAt = new Date(Math.floor(now().getTime() / 1000) * 1000);
    const test = makeTest(rng, index, takenAt, faults.has('implausible'));
    const reading: CartReading = { claims: test.claims, statements: test.statements, takenAt, ...(test.patient ? { patient: test.patient } : {}) };
    created.push(reading);
    const steps: Step[] = [];
    if (format === 'aecg') {
      const doc = aecgDocument(test);
      if (faults.has('garbage')) steps.push({ text: garbage(rng, '<'), delayMs: gap });
      if (faults.has('partial')) steps.push({ text: doc.slice(0, rng.int(100, doc.length - 100)), delayMs: gap });
      steps.push({ text: doc, delayMs: interval, completesReading: true });
      return steps;
    }
    const lines = serialSummary(test);
    if (faults.has('garbage')) steps.push({ text: garbage(rng, ''), delayMs: gap });
    if (faults.has('partial')) {
      const shown = lines.slice(0, rng.int(2, lines.length - 2));
      for (const l of shown.slice(0, -1)) steps.push({ text: `${l}\r\n`, delayMs: gap });
      steps.push({ text: `${cut(rng, shown.at(-1) ?? 'ECG')}\r\n`, delayMs: gap * 3 });
    }
    lines.forEach((l, i) => steps.push({ text: `${l}\r\n`, delayMs: i === lines.length - 1 ? interval : gap, completesReading: i === lines.length - 1 }));
    return steps;
  });

  // Readings are made in order and each completes before the next starts: the first `sent` are done.
  return Object.defineProperty(device, 'readings', { get: () => created.slice(0, device.sent), enumerable: true }) as EkgCartSimulator;
}

export const createAecg = (options: SimulatorOptions = {}): EkgCartSimulator => create({ ...options, format: 'aecg' });
export const createSerial = (options: SimulatorOptions = {}): EkgCartSimulator => create({ ...options, format: 'serial' });

/**
 * A DeviceIo that exports each write as a new file in `dir`, as a cart saving to a network share:
 * written under a temporary name, then renamed, so a watcher never sees half a file.
 */
export function fileDropIo(dir: string, extension = '.xml'): DeviceIo {
  mkdirSync(dir, { recursive: true });
  let seq = 0;
  return {
    write(bytes) {
      seq++;
      const name = `ECG_${Date.now()}_${String(seq).padStart(4, '0')}${extension}`;
      const tmp = join(dir, `.${name}.part`);
      writeFileSync(tmp, bytes);
      renameSync(tmp, join(dir, name));
    },
  };
}
