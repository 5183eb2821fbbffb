// What a demo analyzer's simulator runs as QC (config `demo.simulators[].qc`): the device's own
// control lots (`devices[].qc.lots`: sample IDs, levels, target means and SDs) as the material it
// measures, so the values it sends sit on the targets the gateway judges them by; tests a lot names
// no target for keep the simulator's own (the gateway establishes theirs when told to). Pure.

import type { DeviceConfigT } from '../config/schema.ts';
import { chemistryControls, decimalsFor, type QcLot } from '../../simulators/qc-material.ts';
import type { AnalyzerQcOptions, SimQcOptions } from '../../simulators/types.ts';
import type { DemoSimulatorT } from './simulator-target.ts';

/** The device's lots as control material; undefined when it has none (the simulator's own then). */
export function demoQcLots(device: DeviceConfigT): QcLot[] | undefined {
  const lots = device.qc?.lots;
  if (lots === undefined || lots.length === 0) return undefined;
  const own = chemistryControls('');
  return lots.map((lot, i) => {
    const level = lot.level ?? String(i + 1);
    const base = own.find((l) => l.level === level) ?? own[i % own.length];
    const targets = { ...base?.targets };
    for (const [test, t] of Object.entries(lot.targets ?? {})) {
      targets[test] = { mean: t.mean, sd: t.sd, unit: t.unit ?? targets[test]?.unit ?? '', decimals: decimalsFor(t.sd) };
    }
    return { id: lot.id, level, targets };
  });
}

export function demoQcOptions(device: DeviceConfigT, demo: DemoSimulatorT | undefined): AnalyzerQcOptions {
  const qc = demo?.qc;
  if (qc === undefined) return {};
  const out: SimQcOptions = { everyMs: qc.everyMs };
  if (qc.outOfControl !== undefined) out.outOfControl = qc.outOfControl;
  if (qc.mark !== undefined) out.mark = qc.mark;
  const lots = demoQcLots(device);
  if (lots !== undefined) out.lots = lots;
  return { qc: out };
}
