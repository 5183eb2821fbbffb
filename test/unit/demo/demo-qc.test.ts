// The demo analyzers run the control lots configured for their devices (config/demo.json): the
// sample IDs the gateway knows as lots, values around the targets it judges by, decimals that
// resolve the SD, the simulator's own targets for a test the lot leaves to be established; and the
// shipped schedule makes one of them go out of control early, so the demo shows a rejection.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../../src/commands/catalog.ts';
import { loadConfig } from '../../../src/config/load.ts';
import type { Config, DeviceConfigT } from '../../../src/config/schema.ts';
import { demoQcLots, demoQcOptions } from '../../../src/demo/demo-qc.ts';
import { PACKAGE_ROOT } from '../../../src/package-root.ts';
import { createRng } from '../../../simulators/prng.ts';
import { QcRuns } from '../../../simulators/qc-runs.ts';

const shipped = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'config', 'demo.json'), 'utf8')) as Config;
const device = (id: string): DeviceConfigT => shipped.devices.find((d) => d.id === id)!;
const demoOf = (id: string) => shipped.demo?.simulators?.find((s) => s.device === id);

describe('demo QC', () => {
  it('the shipped demo config passes check-config', async () => {
    await expect(loadConfig(join(PACKAGE_ROOT, 'config', 'demo.json'), await catalog())).resolves.toBeDefined();
  });

  it("each analyzer's simulator runs its device's lots, on its targets", () => {
    const lots = demoQcLots(device('chem-1'))!;
    expect(lots.map((l) => [l.id, l.level])).toEqual([
      ['QC-4711', '1'],
      ['QC-4712', '2'],
    ]);
    expect(lots[0]!.targets.GLU).toEqual({ mean: 99, sd: 2.7, unit: 'mg/dL', decimals: 1 });
    expect(lots[1]!.targets.K).toEqual({ mean: 6.5, sd: 0.13, unit: 'mmol/L', decimals: 2 });
    // astm-1 leaves potassium to be established: the simulator measures it on its own targets.
    const astm = demoQcLots(device('astm-1'))!;
    expect(astm.map((l) => l.id)).toEqual(['QC-LOT-4711', 'QC-LOT-4712']);
    expect(Object.keys(astm[0]!.targets).sort()).toEqual(['GLU', 'K', 'NA']);
    expect(device('astm-1').qc?.lots?.[0]?.targets?.K).toBeUndefined();
    expect(device('astm-1').qc?.establishFromRuns).toBe(10);
  });

  it('chem-1 goes out of control (1-3s) on its third run, at start plus two minutes; astm-1 stays in control', () => {
    expect(demoQcOptions(device('chem-1'), demoOf('chem-1')).qc).toMatchObject({ everyMs: 60000, outOfControl: { rule: '1-3s', run: 3 } });
    expect(demoQcOptions(device('astm-1'), demoOf('astm-1')).qc?.outOfControl).toBeUndefined();
    const opts = demoQcOptions(device('chem-1'), demoOf('chem-1')).qc!;
    const runs = new QcRuns(opts.lots!, createRng(1), opts.outOfControl);
    const sent = Array.from({ length: 4 }, () => runs.next({}, 'wire', new Date()));
    const beyond3 = sent.map((r) => r.results.filter((x) => Math.abs(x.z) > 3).map((x) => `${x.lot} ${x.test}`));
    expect(beyond3).toEqual([[], [], ['QC-4711 GLU'], []]);
  });

  it('no QC without a demo schedule', () => {
    expect(demoQcOptions(device('chem-1'), undefined)).toEqual({});
    expect(demoQcOptions(device('scale-1'), demoOf('scale-1'))).toEqual({});
  });
});
