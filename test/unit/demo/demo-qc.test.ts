// The demo analyzers run the control lots configured for their devices (config/demo.json): the
// sample IDs the gateway knows as lots, values around the targets it judges by, decimals that
// resolve the SD; and the shipped schedule makes one of them go out of control early, so the demo
// shows a rejection, and only that one: every test the simulators send has a configured target
// (a target established from a few in-control draws sits off the simulator's mean and trips rules).

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
import { QC_RULES } from '../../../src/model/qc-settings.ts';
import { judgeRun, type ZPoint } from '../../../src/qc/westgard.ts';

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
    const astm = demoQcLots(device('astm-1'))!;
    expect(astm.map((l) => l.id)).toEqual(['QC-LOT-4711', 'QC-LOT-4712']);
    expect(Object.keys(astm[0]!.targets).sort()).toEqual(['GLU', 'K', 'NA']);
  });

  it('every test a demo simulator sends as QC has a configured target, and nothing is established', () => {
    for (const sim of shipped.demo?.simulators?.filter((s) => s.qc !== undefined) ?? []) {
      const d = device(sim.device);
      expect(d.qc?.establishFromRuns, sim.device).toBeUndefined();
      for (const lot of demoQcLots(d)!) {
        const configured = d.qc?.lots?.find((l) => l.id === lot.id)?.targets ?? {};
        expect(Object.keys(configured).sort(), `${sim.device} ${lot.id}`).toEqual(Object.keys(lot.targets).sort());
      }
    }
  });

  it.each([1, 2, 3, 7, 42, 1234])('judged by the gateway for 300 runs (seed %i), only the planned episode is rejected', (seed) => {
    for (const sim of shipped.demo?.simulators?.filter((s) => s.qc !== undefined) ?? []) {
      const d = device(sim.device);
      const opts = demoQcOptions(d, sim).qc!;
      const runs = new QcRuns(opts.lots!, createRng(seed), opts.outOfControl);
      const earlier = new Map<string, ZPoint[]>();
      const rejected: string[] = [];
      for (let i = 1; i <= 300; i++) {
        const sent = runs.next({}, 'wire', new Date());
        for (const test of new Set(sent.results.map((r) => r.test))) {
          const run = sent.results
            .filter((r) => r.test === test)
            .map((r): ZPoint => {
              const t = d.qc?.lots?.find((l) => l.id === r.lot)?.targets?.[test];
              if (t === undefined) throw new Error(`${sim.device} ${r.lot} ${test}: no configured target`);
              return {
                id: `${i} ${r.lot}`,
                lot: r.lot,
                z: (Number(r.value) - t.mean) / t.sd,
                run: `r${i}`,
                at: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
              };
            });
          const before = earlier.get(test) ?? [];
          const rules = judgeRun(run, before, QC_RULES)
            .filter((v) => v.outcome === 'rejection')
            .map((v) => v.rule);
          if (rules.length > 0) rejected.push(`run ${i} ${test} ${[...new Set(rules)].join(',')}`);
          // Newest first, as the QC log gives them.
          earlier.set(test, [...run.reverse(), ...before]);
        }
      }
      // An episode hits the first test of the first lot (simulators/qc-runs.ts).
      const episodeTest = Object.keys(opts.lots![0]!.targets)[0];
      const planned = opts.outOfControl ? [`run ${opts.outOfControl.run} ${episodeTest} ${opts.outOfControl.rule}`] : [];
      expect(rejected, sim.device).toEqual(planned);
    }
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
