import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QC_RULES, type QcRuleName } from '../../../src/model/qc-settings.ts';
import { zScore } from '../../../src/qc/targets.ts';
import { beyond, judgeRun, RULE_OUTCOME, rejectionRules, runOutcome, type Violation, type ZPoint } from '../../../src/qc/westgard.ts';

const ALL = QC_RULES;
const at = (minutes: number): string => new Date(Date.UTC(2026, 0, 1) + minutes * 60_000).toISOString();

/** Judges each run of `runs` (oldest first) against all runs before it, as the QC service does with no review in between. */
function judgeInTurn(runs: readonly (readonly ZPoint[])[], rules: readonly QcRuleName[] = ALL): Violation[][] {
  return runs.map((run, i) => judgeRun(run, runs.slice(0, i).flat().reverse(), rules));
}

// Westgard QC, "QC - The Levey-Jennings Control Chart: Answers to the exercise" (Patricia L. Barry),
// https://www.westgard.com/lssn12p2.htm: cholesterol, control 1 mean 200 mg/dL SD 4.0, control 2 mean
// 250 mg/dL SD 5.0, one result of each per day for 28 days, values as published.
const CHOLESTEROL: readonly (readonly [number, number])[] = [
  [200, 247],
  [205, 250],
  [195, 255],
  [202, 243],
  [186, 254],
  [207, 263],
  [194, 251],
  [209, 264],
  [200, 253],
  [196, 244],
  [190, 261],
  [204, 254],
  [196, 239],
  [207, 236],
  [200, 250],
  [205, 259],
  [209, 257],
  [197, 256],
  [196, 249],
  [198, 257],
  [197, 241],
  [195, 255],
  [198, 250],
  [199, 259],
  [191, 247],
  [197, 242],
  [190, 256],
  [202, 246],
];
const cholesterolRuns: ZPoint[][] = CHOLESTEROL.map(([c1, c2], i) => {
  const day = i + 1;
  return [
    { id: `d${day}-c1`, lot: 'CHOL-1', z: zScore(c1, { mean: 200, sd: 4 }), run: `day${day}`, at: at(day * 1440) },
    { id: `d${day}-c2`, lot: 'CHOL-2', z: zScore(c2, { mean: 250, sd: 5 }), run: `day${day}`, at: at(day * 1440 + 5) },
  ];
});
const verdicts = (rules: readonly QcRuleName[]): string =>
  judgeInTurn(cholesterolRuns, rules)
    .map((v) => ({ accepted: 'A', warning: 'W', rejected: 'R' })[runOutcome(v)])
    .join('');

describe('Westgard rules on the published Levey-Jennings exercise (westgard.com, lssn12p2)', () => {
  it('1-2s marks the nine runs the answer lists: days 5, 6, 8, 11, 13, 14, 17, 25 and 27', () => {
    const days = judgeInTurn(cholesterolRuns, ['1-2s']).flatMap((v, i) => (v.length > 0 ? [i + 1] : []));
    expect(days).toEqual([5, 6, 8, 11, 13, 14, 17, 25, 27]);
  });

  it('with 1-2s, 1-3s, 2-2s and R-4s (the rules the answer applies) gives its Accept / Warning / Reject column day by day', () => {
    //                     day 1       10        20       28
    expect(verdicts(['1-2s', '1-3s', '2-2s', 'R-4s'])).toBe('AAAARWARAARAWRAAWAAAAAAAWAWA');
  });

  it('names the rule the answer gives for each rejected day', () => {
    const judged = judgeInTurn(cholesterolRuns, ['1-2s', '1-3s', '2-2s', 'R-4s']);
    // Day 5: control 1 at 186 is beyond -3 SD.
    expect(judged[4]).toEqual([
      { rule: '1-2s', outcome: 'warning', scope: 'point', point: 'd5-c1', with: [] },
      { rule: '1-3s', outcome: 'rejection', scope: 'point', point: 'd5-c1', with: [] },
    ]);
    // Day 8: "Both exceed +2s": 2-2s across the run's two materials.
    expect(judged[7]?.filter((v) => v.rule === '2-2s')).toEqual([
      { rule: '2-2s', outcome: 'rejection', scope: 'within-run', point: 'd8-c1', with: ['d8-c2'] },
      { rule: '2-2s', outcome: 'rejection', scope: 'within-run', point: 'd8-c2', with: ['d8-c1'] },
    ]);
    // Day 11: "both exceed 2s in opposite directions": R-4s.
    expect(judged[10]?.filter((v) => v.rule === 'R-4s')).toEqual([
      { rule: 'R-4s', outcome: 'rejection', scope: 'within-run', point: 'd11-c1', with: ['d11-c2'] },
      { rule: 'R-4s', outcome: 'rejection', scope: 'within-run', point: 'd11-c2', with: ['d11-c1'] },
    ]);
    // Day 14: "2 days in a row exceeding -2s": 2-2s on control 2 across runs.
    expect(judged[13]?.filter((v) => v.outcome === 'rejection')).toEqual([
      { rule: '2-2s', outcome: 'rejection', scope: 'across-runs', point: 'd14-c2', with: ['d13-c2'] },
    ]);
  });

  // The answer stops at 1-2s/1-3s/2-2s/R-4s and calls days 17 and 27 warnings ("follow to see if the
  // negative shift continues"). With all six rules, the same published values reject them: day 16-17's four
  // results (+1.25, +1.8, +2.25, +1.4 SD) exceed +1 SD across both materials, and control 1 stays below its
  // mean from day 18 to day 27, ten results.
  it('with all six rules, also rejects day 17 (4-1s across materials) and day 27 (10-x on control 1)', () => {
    expect(verdicts(ALL)).toBe('AAAARWARAARAWRAARAAAAAAAWARA');
    const judged = judgeInTurn(cholesterolRuns);
    expect(judged[16]?.filter((v) => v.rule === '4-1s')).toEqual([
      { rule: '4-1s', outcome: 'rejection', scope: 'across-lots', point: 'd17-c1', with: ['d16-c1', 'd16-c2', 'd17-c2'] },
      { rule: '4-1s', outcome: 'rejection', scope: 'across-lots', point: 'd17-c2', with: ['d16-c1', 'd16-c2', 'd17-c1'] },
    ]);
    expect(judged[26]?.filter((v) => v.rule === '10-x')).toEqual([
      { rule: '10-x', outcome: 'rejection', scope: 'across-runs', point: 'd27-c1', with: [18, 19, 20, 21, 22, 23, 24, 25, 26].map((d) => `d${d}-c1`) },
    ]);
  });
});

// Westgard QC, Sten Westgard, "Break All the Rules! (Answers to Part One)", August 2015,
// https://www.westgard.com/break-all-rules-answers1.htm: one control (N=1), mean 47, SD 3, values as
// published (the page's listing is read here up to measurement 62).
const BREAK_ALL = [
  42.5, 55.1, 46.4, 47.0, 43.1, 56.9, 41.3, 44.9, 45.5, 41.3, 47.0, 37.7, 41.6, 53.3, 55.4, 44.6, 47.3, 48.2, 41.3, 42.8, 44.3, 47.6, 44.3, 45.8, 47.6, 39.8,
  39.8, 50.9, 49.7, 45.5, 45.2, 47.3, 47.9, 44.3, 40.1, 48.2, 40.7, 41.9, 43.4, 43.7, 49.7, 42.2, 52.1, 44.6, 45.2, 45.8, 41.6, 41.3, 44.9, 43.7, 45.2, 50.6,
  50.3, 51.2, 51.5, 44.3, 41.6, 53.9, 48.8, 48.2, 50.6, 48.2,
];
const breakAllRuns: ZPoint[][] = BREAK_ALL.map((value, i) => [
  { id: `m${i + 1}`, lot: 'L1', z: zScore(value, { mean: 47, sd: 3 }), run: `r${i + 1}`, at: at(i * 60) },
]);

describe('Westgard rules on the published N=1 series "Break All the Rules" (westgard.com, August 2015)', () => {
  it('rejects exactly where the answer marks a broken rule, on the result that completes it', () => {
    const rejected = judgeInTurn(breakAllRuns).flatMap((v) => v.filter((x) => x.outcome === 'rejection'));
    // The page marks 2:2s at 14 and 26 and 4:1s at 37 and 52: the first result of each pattern.
    expect(rejected).toEqual([
      { rule: '1-3s', outcome: 'rejection', scope: 'point', point: 'm6', with: [] },
      { rule: '1-3s', outcome: 'rejection', scope: 'point', point: 'm12', with: [] },
      { rule: '2-2s', outcome: 'rejection', scope: 'across-runs', point: 'm15', with: ['m14'] },
      { rule: '2-2s', outcome: 'rejection', scope: 'across-runs', point: 'm27', with: ['m26'] },
      { rule: '4-1s', outcome: 'rejection', scope: 'across-runs', point: 'm40', with: ['m37', 'm38', 'm39'] },
      { rule: '4-1s', outcome: 'rejection', scope: 'across-runs', point: 'm55', with: ['m52', 'm53', 'm54'] },
    ]);
  });

  it("the page's 8:x series (measurements 44 to 51, eight below the mean) is two short of 10-x", () => {
    const judged = judgeInTurn(breakAllRuns, ['10-x']);
    expect(judged.slice(43, 51).flat()).toEqual([]);
    // Two more below the mean make it one.
    const more: ZPoint[] = [-0.5, -0.3].map((z, i) => ({ id: `x${i}`, lot: 'L1', z, run: `x${i}`, at: at(50 * 60 + i + 1) }));
    const upTo51 = breakAllRuns.slice(0, 51).flat();
    expect(judgeRun([more[0] as ZPoint], [...upTo51].reverse(), ['10-x'])).toEqual([]);
    expect(judgeRun([more[1] as ZPoint], [more[0] as ZPoint, ...[...upTo51].reverse()], ['10-x'])).toEqual([
      { rule: '10-x', outcome: 'rejection', scope: 'across-runs', point: 'x1', with: ['m44', 'm45', 'm46', 'm47', 'm48', 'm49', 'm50', 'm51', 'x0'] },
    ]);
  });

  it('warns (1-2s) on each result beyond 2 SD that breaks no rejection rule', () => {
    const warned = judgeInTurn(breakAllRuns).flatMap((v) => (runOutcome(v) === 'warning' ? v.map((x) => x.point) : []));
    expect(warned).toEqual(['m2', 'm14', 'm26', 'm35', 'm37', 'm58']);
  });
});

const point = (id: string, lot: string, z: number, run: string, minute: number): ZPoint => ({ id, lot, z, run, at: at(minute) });

describe('a limit is exceeded only beyond it ("exceeds", Westgard 1981)', () => {
  it.each<[string, number, QcRuleName[]]>([
    ['exactly +2 SD', 2, []],
    ['just beyond +2 SD', 2.000001, ['1-2s']],
    ['exactly -2 SD', -2, []],
    ['exactly +3 SD', 3, ['1-2s']],
    ['just beyond -3 SD', -3.000001, ['1-2s', '1-3s']],
  ])('%s', (_name, z, rules) => {
    expect(judgeRun([point('p', 'L1', z, 'r', 0)], [], ALL).map((v) => v.rule)).toEqual(rules);
  });

  it('a value on the line stays on it though floating point puts it a hair beyond: 5.9 and 6.1 against 5.5 +- 0.2', () => {
    const target = { mean: 5.5, sd: 0.2 };
    expect(zScore(5.9, target)).toBeGreaterThan(2); // 2.0000000000000018
    expect(judgeRun([point('p', 'L1', zScore(5.9, target), 'r', 0)], [], ALL)).toEqual([]);
    expect(zScore(6.1, target)).toBeLessThan(3); // 2.9999999999999982, still on the 3 SD line
    expect(judgeRun([point('p', 'L1', zScore(6.1, target), 'r', 0)], [], ALL).map((v) => v.rule)).toEqual(['1-2s']);
  });

  it('4-1s needs four beyond 1 SD: one exactly at -1 SD (196 on the 200 +- 4 control) breaks the four', () => {
    const earlier = [-1.2, zScore(196, { mean: 200, sd: 4 }), -1.5].map((z, i) => point(`e${i}`, 'L1', z, `r${i}`, i)).reverse();
    expect(judgeRun([point('p', 'L1', -1.1, 'r9', 9)], earlier, ['4-1s'])).toEqual([]);
    const beyondOne = [-1.2, -1.01, -1.5].map((z, i) => point(`e${i}`, 'L1', z, `r${i}`, i)).reverse();
    expect(judgeRun([point('p', 'L1', -1.1, 'r9', 9)], beyondOne, ['4-1s']).map((v) => v.rule)).toEqual(['4-1s']);
  });

  it('10-x needs ten on one side: a result exactly at the mean is on neither and breaks them', () => {
    const nine = Array.from({ length: 9 }, (_, i) => point(`e${i}`, 'L1', 0.3, `r${i}`, i));
    expect(judgeRun([point('p', 'L1', 0.2, 'r9', 9)], [...nine].reverse(), ['10-x'])).toHaveLength(1);
    const onTheMean = nine.map((p, i) => (i === 4 ? { ...p, z: 0 } : p));
    expect(judgeRun([point('p', 'L1', 0.2, 'r9', 9)], [...onTheMean].reverse(), ['10-x'])).toEqual([]);
  });
});

describe('scopes', () => {
  it('R-4s is a within-run rule only: +2.5 SD today after -2.5 SD yesterday is no R-4s (2-2s does not apply either)', () => {
    expect(judgeRun([point('today', 'L1', 2.5, 'r2', 1440)], [point('yesterday', 'L1', -2.5, 'r1', 0)], ALL).map((v) => v.rule)).toEqual(['1-2s']);
  });

  it('2-2s across runs follows one material: level 2 at +2.5 then level 1 at +2.3 in the next run is not 2-2s', () => {
    const earlier = [point('r1-l1', 'L1', 0.5, 'r1', 0), point('r1-l2', 'L2', 2.5, 'r1', 1)].reverse();
    const run = [point('r2-l1', 'L1', 2.3, 'r2', 1440), point('r2-l2', 'L2', 0.3, 'r2', 1441)];
    expect(judgeRun(run, earlier, ALL).map((v) => `${v.point} ${v.rule}`)).toEqual(['r2-l1 1-2s']);
    // The same material in consecutive runs is.
    const again = [point('r2-l1', 'L1', 0.3, 'r2', 1440), point('r2-l2', 'L2', 2.3, 'r2', 1441)];
    expect(judgeRun(again, earlier, ALL).filter((v) => v.rule === '2-2s')).toEqual([
      { rule: '2-2s', outcome: 'rejection', scope: 'across-runs', point: 'r2-l2', with: ['r1-l2'] },
    ]);
  });

  it('4-1s and 10-x look across materials when no single material shows them', () => {
    const earlier = [point('a1', 'L1', 1.5, 'r1', 0), point('a2', 'L2', 1.2, 'r1', 1)].reverse();
    const run = [point('b1', 'L1', 1.3, 'r2', 1440), point('b2', 'L2', 1.1, 'r2', 1441)];
    expect(judgeRun(run, earlier, ['4-1s']).map((v) => [v.point, v.scope])).toEqual([
      ['b1', 'across-lots'],
      ['b2', 'across-lots'],
    ]);
  });

  it('prefers the narrower scope: four of one material beyond +1 SD are across-runs even when the other material joins in', () => {
    const earlier = [1.5, 1.2, 1.4].map((z, i) => point(`e${i}`, 'L1', z, `r${i}`, i * 1440)).reverse();
    const run = [point('p', 'L1', 1.3, 'r9', 9 * 1440), point('q', 'L2', 1.6, 'r9', 9 * 1440 + 1)];
    expect(judgeRun(run, earlier, ['4-1s'])).toEqual([
      { rule: '4-1s', outcome: 'rejection', scope: 'across-runs', point: 'p', with: ['e0', 'e1', 'e2'] },
      { rule: '4-1s', outcome: 'rejection', scope: 'across-lots', point: 'q', with: ['e1', 'e2', 'p'] },
    ]);
  });

  it('a run of two levels in duplicate all beyond +1 SD breaks 4-1s within the run', () => {
    const run = [point('a', 'L1', 1.4, 'r', 0), point('b', 'L2', 1.2, 'r', 1), point('c', 'L1', 1.3, 'r', 2), point('d', 'L2', 1.8, 'r', 3)];
    const found = judgeRun(run, [], ['4-1s']);
    expect(found.map((v) => [v.point, v.scope])).toEqual([
      ['a', 'within-run'],
      ['b', 'within-run'],
      ['c', 'within-run'],
      ['d', 'within-run'],
    ]);
  });

  it('names every point a within-run violation shares, of one material or across materials', () => {
    const run = [1.5, 1.2, 1.3, 1.4].map((z, i) => point(`a${i}`, 'L1', z, 'r', i));
    const found = judgeRun([...run, point('b', 'L2', 1.6, 'r', 9)], [], ['4-1s']);
    expect(found.find((v) => v.point === 'a1')).toEqual({
      rule: '4-1s',
      outcome: 'rejection',
      scope: 'within-run',
      point: 'a1',
      with: ['a0', 'a2', 'a3', 'b'],
    });
  });

  it('2-2s within a run of three levels: the two beyond +2 SD, not the third', () => {
    const run = [point('a', 'L1', 2.4, 'r', 0), point('b', 'L2', 0.4, 'r', 1), point('c', 'L3', 2.1, 'r', 2)];
    expect(judgeRun(run, [], ['2-2s'])).toEqual([
      { rule: '2-2s', outcome: 'rejection', scope: 'within-run', point: 'a', with: ['c'] },
      { rule: '2-2s', outcome: 'rejection', scope: 'within-run', point: 'c', with: ['a'] },
    ]);
  });

  it('reports a rule once per point of the run, with the points that take part: a run of twelve below the mean', () => {
    const eleven = Array.from({ length: 11 }, (_, i) => point(`e${i}`, 'L1', -0.4, `r${i}`, i)).reverse();
    expect(judgeRun([point('p', 'L1', -0.6, 'r11', 11)], eleven, ['10-x'])).toEqual([
      { rule: '10-x', outcome: 'rejection', scope: 'across-runs', point: 'p', with: ['e2', 'e3', 'e4', 'e5', 'e6', 'e7', 'e8', 'e9', 'e10'] },
    ]);
  });

  it('starts over after a review: without earlier points, 2-2s and 4-1s across runs need points of this run', () => {
    expect(judgeRun([point('p', 'L1', 2.5, 'r2', 1440)], [], ALL).map((v) => v.rule)).toEqual(['1-2s']);
    expect(judgeRun([point('p', 'L1', 2.5, 'r2', 1440)], [point('e', 'L1', 2.2, 'r1', 0)], ALL).map((v) => v.rule)).toEqual(['1-2s', '2-2s']);
  });

  it('judges the run in time order whatever order it is given in', () => {
    const earlier = [1.5, 1.2].map((z, i) => point(`e${i}`, 'L1', z, `r${i}`, i * 1440)).reverse();
    const late = point('late', 'L1', 0.2, 'r9', 9 * 1440 + 10);
    const early = point('early', 'L1', 1.3, 'r9', 9 * 1440);
    const third = point('third', 'L1', 1.1, 'r9', 9 * 1440 + 5);
    expect(judgeRun([late, third, early], earlier, ['4-1s']).map((v) => v.point)).toEqual(['early', 'third']);
  });

  it('counts a point passed both in the run and among the earlier ones once', () => {
    const p = point('p', 'L1', 2.5, 'r1', 0);
    expect(judgeRun([p], [p], ALL).map((v) => v.rule)).toEqual(['1-2s']);
  });
});

describe('the verdict of a run', () => {
  it('rejected by any rejection rule, a warning for 1-2s alone, accepted otherwise', () => {
    expect(runOutcome([])).toBe('accepted');
    expect(runOutcome(judgeRun([point('p', 'L1', 2.5, 'r', 0)], [], ALL))).toBe('warning');
    expect(runOutcome(judgeRun([point('p', 'L1', 3.5, 'r', 0)], [], ALL))).toBe('rejected');
  });

  it('names each rejection rule once, in the order of the rule list', () => {
    const run = [point('a', 'L1', 3.5, 'r', 0), point('b', 'L2', -2.5, 'r', 1), point('c', 'L3', 2.6, 'r', 2)];
    expect(rejectionRules(judgeRun(run, [], ALL))).toEqual(['1-3s', '2-2s', 'R-4s']);
  });
});

// Runs of one device and test: up to three levels (lots) per run, z in tenths so limits are hit exactly too.
const zValue = fc.oneof(
  fc.integer({ min: -45, max: 45 }).map((i) => i / 10),
  fc.double({ min: -5, max: 5, noNaN: true }),
);
const history = fc
  .record({
    earlier: fc.array(fc.record({ lot: fc.constantFrom('L1', 'L2', 'L3'), z: zValue, run: fc.integer({ min: 0, max: 8 }) }), { maxLength: 30 }),
    run: fc.array(fc.record({ lot: fc.constantFrom('L1', 'L2', 'L3'), z: zValue }), { minLength: 1, maxLength: 4 }),
  })
  .map(({ earlier, run }) => {
    const byRun = [...earlier].sort((a, b) => a.run - b.run);
    const past = byRun.map((p, i) => point(`e${i}`, p.lot, p.z, `r${p.run}`, i)).reverse();
    return { past, run: run.map((p, i) => point(`p${i}`, p.lot, p.z, 'now', 1000 + i)) };
  });
const key = (v: Violation): string => `${v.point} ${v.rule} ${v.scope} ${[...v.with].sort().join(',')}`;

describe('properties', () => {
  it('all results within 1 SD break no rule but 10-x, and 10-x only with ten on one side of the mean', () => {
    const small = history.map(({ past, run }) => ({
      past: past.map((p) => ({ ...p, z: p.z / 5.01 })),
      run: run.map((p) => ({ ...p, z: p.z / 5.01 })),
    }));
    fc.assert(
      fc.property(small, ({ past, run }) => {
        const found = judgeRun(run, past, ALL);
        expect(found.filter((v) => v.rule !== '10-x')).toEqual([]);
        for (const v of found) expect(v.with.length).toBeGreaterThanOrEqual(9);
      }),
    );
  });

  it('mirroring every z about the mean changes nothing about which rules fire where', () => {
    fc.assert(
      fc.property(history, ({ past, run }) => {
        const mirror = (p: ZPoint): ZPoint => ({ ...p, z: -p.z });
        expect(judgeRun(run.map(mirror), past.map(mirror), ALL).map(key)).toEqual(judgeRun(run, past, ALL).map(key));
      }),
    );
  });

  it('a rule left out never fires, and leaving rules out changes nothing about the others (no rule gates another)', () => {
    fc.assert(
      fc.property(history, fc.subarray([...ALL]), ({ past, run }, rules) => {
        const some = judgeRun(run, past, rules);
        for (const v of some) expect(rules).toContain(v.rule);
        expect(some.map(key)).toEqual(
          judgeRun(run, past, ALL)
            .filter((v) => rules.includes(v.rule))
            .map(key),
        );
      }),
    );
  });

  it('every violation is about a point of the run, once per rule, with other known points, and the outcome of its rule', () => {
    fc.assert(
      fc.property(history, ({ past, run }) => {
        const runIds = new Set(run.map((p) => p.id));
        const known = new Set([...runIds, ...past.map((p) => p.id)]);
        const found = judgeRun(run, past, ALL);
        expect(new Set(found.map((v) => `${v.point} ${v.rule}`)).size).toBe(found.length);
        for (const v of found) {
          expect(runIds.has(v.point)).toBe(true);
          expect(v.with).not.toContain(v.point);
          for (const id of v.with) expect(known.has(id)).toBe(true);
          expect(v.outcome).toBe(RULE_OUTCOME[v.rule]);
          if (v.scope === 'point') expect(v.with).toEqual([]);
          if (v.rule === 'R-4s') expect(v.scope).toBe('within-run');
        }
      }),
    );
  });

  it('beyond() is symmetric and strict', () => {
    fc.assert(
      fc.property(zValue, fc.constantFrom(0, 1, 2, 3), (z, k) => {
        expect(beyond(-z, k)).toBe(-beyond(z, k) || 0);
        if (Math.abs(z) <= k) expect(beyond(z, k)).toBe(0);
      }),
    );
  });
});
