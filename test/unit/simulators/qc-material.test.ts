// The simulators' control values: in control they never break a Westgard rule by chance, each
// out-of-control scenario breaks the rule it is named after (checked here on the values as sent,
// after rounding, with the rules' published definitions: Westgard et al., Clin Chem 1981;27:493),
// and a seed gives the same values every time.

import { describe, expect, it } from 'vitest';
import { createRng } from '../../../simulators/prng.ts';
import { QC_SCENARIOS, chemistryControls, completesRun, valueFor, type QcScenario } from '../../../simulators/qc-material.ts';
import { QcRuns, specimensOf, type QcRunSent } from '../../../simulators/qc-runs.ts';

const lots = chemistryControls('QC-LOT-');

function runs(n: number, seed = 7, plan?: { rule: QcScenario; run: number; test?: string }): QcRunSent[] {
  const r = new QcRuns(lots, createRng(seed), plan);
  return Array.from({ length: n }, (_, i) => r.next({}, 'wire', new Date(Date.UTC(2026, 0, 1, 8, i))));
}

/** z of one lot and test across runs, oldest first. */
const series = (rs: QcRunSent[], lot: string, test: string): number[] =>
  rs.flatMap((r) => r.results.filter((x) => x.lot === lot && x.test === test).map((x) => x.z));

const z = (run: QcRunSent, level: string, test: string): number => run.results.find((x) => x.level === level && x.test === test)!.z;

function tail(s: number[], n: number): number[] {
  return s.slice(-n);
}

describe('QC material values', () => {
  it('in control: within 2 SD, never four beyond 1 SD or ten on one side in a row, per level and per test across levels', () => {
    const rs = runs(400);
    for (const r of rs) for (const x of r.results) expect(Math.abs(x.z)).toBeLessThan(2);
    const check = (s: number[]): void => {
      for (let i = 0; i < s.length; i++) {
        const four = s.slice(Math.max(0, i - 3), i + 1);
        const ten = s.slice(Math.max(0, i - 9), i + 1);
        if (four.length === 4) expect(four.every((v) => v > 1) || four.every((v) => v < -1)).toBe(false);
        if (ten.length === 10) expect(ten.every((v) => v > 0) || ten.every((v) => v < 0)).toBe(false);
      }
    };
    for (const test of ['GLU', 'NA', 'K']) {
      for (const lot of lots) check(series(rs, lot.id, test));
      check(rs.flatMap((r) => r.results.filter((x) => x.test === test).map((x) => x.z)));
    }
    // Not a constant: the values scatter like a control's.
    const glu = series(rs, 'QC-LOT-4711', 'GLU');
    const mean = glu.reduce((a, b) => a + b, 0) / glu.length;
    const sd = Math.sqrt(glu.reduce((a, b) => a + (b - mean) ** 2, 0) / glu.length);
    expect(Math.abs(mean)).toBeLessThan(0.2);
    expect(sd).toBeGreaterThan(0.6);
    expect(sd).toBeLessThan(1.1);
  });

  it("one run per level and test, the value text in the control's decimals and unit", () => {
    const [run] = runs(1);
    expect(run!.results.map((x) => `${x.lot} ${x.level} ${x.test} ${x.unit}`)).toEqual([
      'QC-LOT-4711 1 GLU mg/dL',
      'QC-LOT-4711 1 NA mmol/L',
      'QC-LOT-4711 1 K mmol/L',
      'QC-LOT-4712 2 GLU mg/dL',
      'QC-LOT-4712 2 NA mmol/L',
      'QC-LOT-4712 2 K mmol/L',
    ]);
    expect(run!.results.find((x) => x.test === 'GLU')!.value).toMatch(/^\d+\.\d$/);
    expect(run!.results.find((x) => x.test === 'K')!.value).toMatch(/^\d+\.\d\d$/);
    expect(specimensOf(run!).map((s) => [s.sampleId, s.results.length])).toEqual([
      ['QC-LOT-4711', 3],
      ['QC-LOT-4712', 3],
    ]);
  });

  it('the same seed sends the same values; another seed others', () => {
    const values = (seed: number) => runs(5, seed).flatMap((r) => r.results.map((x) => x.value));
    expect(values(7)).toEqual(values(7));
    expect(values(8)).not.toEqual(values(7));
  });

  // Each scenario, started at run 3, on glucose only: the rule's condition holds on the values as sent.
  const cases: Array<{ rule: QcScenario; holds: (rs: QcRunSent[]) => boolean }> = [
    { rule: '1-2s', holds: (rs) => z(rs[2]!, '1', 'GLU') > 2 && z(rs[2]!, '1', 'GLU') < 3 && Math.abs(z(rs[2]!, '2', 'GLU')) < 2 },
    { rule: '1-3s', holds: (rs) => z(rs[2]!, '1', 'GLU') > 3 },
    { rule: '2-2s', holds: (rs) => z(rs[2]!, '1', 'GLU') > 2 && z(rs[2]!, '2', 'GLU') > 2 && z(rs[2]!, '1', 'GLU') < 3 },
    { rule: 'R-4s', holds: (rs) => z(rs[2]!, '1', 'GLU') - z(rs[2]!, '2', 'GLU') > 4 && z(rs[2]!, '1', 'GLU') < 3 && z(rs[2]!, '2', 'GLU') > -3 },
    {
      rule: '4-1s',
      holds: (rs) => lots.every((l) => tail(series(rs, l.id, 'GLU'), 4).every((v) => v > 1 && v < 2)),
    },
    {
      rule: '10-x',
      holds: (rs) => lots.every((l) => tail(series(rs, l.id, 'GLU'), 10).every((v) => v > 0 && v < 1)),
    },
  ];
  it.each(cases)('$rule: the run(s) from the third break it, on glucose only; the runs before and after are in control', ({ rule, holds }) => {
    const span = rule === '4-1s' ? 4 : rule === '10-x' ? 10 : 1;
    const rs = runs(2 + span + 3, 11, { rule, run: 3 });
    expect(holds(rs.slice(0, 2 + span))).toBe(true);
    expect(rs.map((r) => r.outOfControl?.rule)).toEqual([undefined, undefined, ...Array(span).fill(rule), undefined, undefined, undefined]);
    for (const r of rs) for (const x of r.results) if (x.test !== 'GLU' || r.outOfControl === undefined) expect(Math.abs(x.z)).toBeLessThan(2);
  });

  it('every scenario is one of the Westgard rules the gateway knows', () => {
    expect([...QC_SCENARIOS].sort()).toEqual(['1-2s', '1-3s', '10-x', '2-2s', '4-1s', 'R-4s']);
  });

  it('an episode asked for on the spot hits the test named', () => {
    const r = new QcRuns(lots, createRng(3));
    const run = r.next({ outOfControl: '1-3s', test: 'K' }, 'wire', new Date());
    expect(z(run, '1', 'K')).toBeGreaterThan(3);
    expect(Math.abs(z(run, '1', 'GLU'))).toBeLessThan(2);
    expect(run.outOfControl).toEqual({ rule: '1-3s', test: 'K' });
  });

  it('completesRun and valueFor', () => {
    expect(completesRun([1.2, 1.5, 1.1], 1.3)).toBe(true);
    expect(completesRun([1.2, 1.5, 0.9], 1.3)).toBe(false);
    expect(completesRun(Array(9).fill(-0.2), -0.1)).toBe(true);
    expect(completesRun(Array(9).fill(-0.2), 0)).toBe(false);
    expect(valueFor({ mean: 99, sd: 2.7, unit: 'mg/dL', decimals: 1 }, 3.5)).toEqual({ text: '108.5', z: (108.5 - 99) / 2.7 });
  });
});
