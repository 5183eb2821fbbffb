// A Nonin pulse oximeter (7500FO / 9600 ASCII output), the device the generic-line example reads:
// `SPO2=097 HR=072<CR><LF>` once per reading, `---` without data, `*` marker, ` F` fast mode.

import { cut, FaultPlan, garbage } from './faults.ts';
import { createRng } from './prng.ts';
import { createScriptedDevice, lineGap, type Step } from './script-player.ts';
import type { SimulatedDevice, SimulatorOptions } from './types.ts';

const pad3 = (n: number): string => String(n).padStart(3, '0');

export function create(options: SimulatorOptions = {}): SimulatedDevice {
  const rng = createRng(options.seed ?? 1);
  const plan = new FaultPlan(options.faults ?? [], rng);
  const interval = options.intervalMs ?? 1000;
  const gap = lineGap(interval);

  return createScriptedDevice('generic-line', options, (index) => {
    const faults = plan.for(index, options.count);
    if (faults.size > 0) options.log?.(`generic-line: reading ${index + 1} with faults ${[...faults].join(', ')}`);
    const spo2 = rng.int(88, 100);
    const hr = faults.has('implausible') ? 400 : rng.int(45, 140);
    const suffix = rng.pick(['', '', '', '*', ' F', '* F']);
    const good = `SPO2=${pad3(spo2)} HR=${pad3(hr)}${suffix}\r\n`;
    const steps: Step[] = [];
    if (faults.has('unstable')) steps.push({ text: 'SPO2=--- HR=---\r\n', delayMs: gap });
    if (faults.has('garbage')) steps.push({ text: garbage(rng, 'S='), delayMs: gap });
    if (faults.has('partial')) steps.push({ text: cut(rng, good.trimEnd()), delayMs: gap * 3 });
    steps.push({ text: good, delayMs: interval, completesReading: true });
    return steps;
  });
}
