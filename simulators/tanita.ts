// Tanita body-composition analyzer (SC-240 style): one comma-separated record per measurement,
// then the stray signal the scale sends ~0.1 s later (a NUL here).

import { cut, FaultPlan, garbage } from './faults.ts';
import { createRng, type Rng } from './prng.ts';
import { createScriptedDevice, lineGap, type Step } from './script-player.ts';
import type { SimulatedDevice, SimulatorOptions } from './types.ts';

export function tanitaRecord(rng: Rng, serial: string, weightOverride?: number): string {
  const male = rng.chance(0.5);
  const age = rng.int(18, 85);
  const height = rng.int(150, 198);
  const weight = weightOverride ?? rng.real(45, 140, 0.1);
  const fatPct = rng.real(male ? 8 : 15, male ? 32 : 42, 0.1);
  const fatMass = (weight * fatPct) / 100;
  const ffm = weight - fatMass;
  const water = ffm * 0.73;
  const f1 = (n: number): string => n.toFixed(1);
  const fields: Array<[string, string]> = [
    ['{0', '16'],
    ['~0', '1'],
    ['~1', '1'],
    ['~2', '1'],
    ['MO', '"SC-240"'],
    ['SN', `"${serial}"`],
    ['Bt', '0'],
    ['GE', male ? '1' : '2'],
    ['AG', String(age)],
    ['Hm', String(height)],
    ['Pt', '0.0'],
    ['Wk', f1(weight)],
    ['FW', f1(fatPct)],
    ['fW', f1(fatMass)],
    ['MW', f1(ffm)],
    ['mW', f1(ffm * 0.95)],
    ['sW', String(rng.int(5, 25))],
    ['bW', f1(ffm * 0.05)],
    ['wW', f1(water)],
    ['ww', f1((water / weight) * 100)],
    ['MI', f1(weight / (height / 100) ** 2)],
    ['Sw', f1(ffm * 0.95)],
    ['OV', f1(fatPct * 1.2)],
    ['IF', String(rng.int(1, 20))],
    ['rb', String(rng.int(5000, 12000))],
    ['rB', String(rng.int(1200, 2800))],
    ['rJ', String(rng.int(5, 40))],
    ['rA', String(rng.int(18, 60))],
    ['ZF', f1(rng.real(350, 750, 0.1))],
  ];
  const body = fields.map(([k, v]) => `${k},${v}`).join(',');
  // CS algorithm is UNVERIFIED (docs/protocols.md#tanita-csv-record); any two hex digits will do for the driver.
  const cs = [...body]
    .reduce((x, c) => x ^ c.charCodeAt(0), 0)
    .toString(16)
    .toUpperCase()
    .padStart(2, '0');
  return `${body},CS,${cs}`;
}

export function create(options: SimulatorOptions = {}): SimulatedDevice {
  const rng = createRng(options.seed ?? 1);
  const plan = new FaultPlan(options.faults ?? [], rng);
  const interval = options.intervalMs ?? 5000;
  const gap = lineGap(interval);
  const serial = String(rng.int(1, 99_999_999)).padStart(8, '0');

  return createScriptedDevice('tanita', options, (index) => {
    const faults = plan.for(index, options.count);
    if (faults.size > 0) options.log?.(`tanita: reading ${index + 1} with faults ${[...faults].join(', ')}`);
    const record = tanitaRecord(rng, serial, faults.has('implausible') ? 900 : undefined);
    const steps: Step[] = [];
    if (faults.has('garbage')) steps.push({ text: garbage(rng, '{,"'), delayMs: gap });
    if (faults.has('partial')) steps.push({ text: cut(rng, record), delayMs: gap * 3 });
    steps.push({ text: `${record}\r\n`, delayMs: Math.min(100, gap), completesReading: true });
    steps.push({ text: '\x00', delayMs: interval });
    return steps;
  });
}
