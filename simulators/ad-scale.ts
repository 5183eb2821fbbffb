// A&D indicator in stream mode: per weighing, empty platform, settling (US), the stable weight
// repeated, stepping off, empty again. Speaks `ST,GS,+0070.50kg<CR><LF>`.

import { cut, FaultPlan, garbage } from './faults.ts';
import { createRng } from './prng.ts';
import { createScriptedDevice, lineGap, type Step } from './script-player.ts';
import type { SimulatedDevice, SimulatorOptions } from './types.ts';

export function formatAdLine(header: 'ST' | 'US', kg: number): string {
  const sign = kg < 0 ? '-' : '+';
  return `${header},GS,${sign}${Math.abs(kg).toFixed(2).padStart(7, '0')}kg\r\n`;
}

export function create(options: SimulatorOptions = {}): SimulatedDevice {
  const rng = createRng(options.seed ?? 1);
  const plan = new FaultPlan(options.faults ?? [], rng);
  const interval = options.intervalMs ?? 3000;
  const gap = lineGap(interval);
  const log = options.log;

  return createScriptedDevice('ad-scale', options, (index) => {
    const faults = plan.for(index, options.count);
    const weight = faults.has('implausible') ? 900 : rng.real(3, 180, 0.05);
    const steps: Step[] = [];
    const line = (text: string, delayMs = gap, completesReading = false): void => {
      steps.push(completesReading ? { text, delayMs, completesReading } : { text, delayMs });
    };
    if (faults.size > 0) log?.(`ad-scale: reading ${index + 1} with faults ${[...faults].join(', ')}`);

    line(formatAdLine('ST', 0));
    for (const f of [0.3, 0.7, 0.95, 1.02]) line(formatAdLine('US', weight * f));
    if (faults.has('unstable')) {
      for (let i = 0; i < rng.int(3, 8); i++) line(formatAdLine('US', weight + rng.real(-2, 2, 0.05)));
    }
    if (faults.has('garbage')) line(garbage(rng, ','));
    const stable = formatAdLine('ST', weight);
    if (faults.has('partial')) line(cut(rng, stable.trimEnd()), gap * 3);
    line(stable, gap, true);
    for (let i = 0; i < rng.int(3, 8); i++) line(formatAdLine('ST', weight + (i === 1 ? 0.05 : 0)));
    line(formatAdLine('US', weight * 0.4));
    line(formatAdLine('ST', 0));
    line(formatAdLine('ST', 0), interval);
    return steps;
  });
}
