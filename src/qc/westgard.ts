// The Westgard multirules as a pure judgement of one run against the earlier ones.
//
// Rules: Westgard JO, Barry PL, Hunt MR, Groth T. "A multi-rule Shewhart chart for quality control in
// clinical chemistry", Clin Chem 1981;27:493-501. How they are applied here:
// - every rule on every run: the 1-2s "warning rule" gating the others was a shortcut for judging by
//   hand; with software it is "no longer recommended" (Westgard QC, "The 'Traditional' Westgard Rules",
//   https://www.westgard.com/multirule4.html; "Westgard Rules: Abuses, Misuses, and In-excuses" #8,
//   https://westgard.com/lesson73.htm; "What the Warning Rule Misses": a 4-1s run with no 1-2s point);
// - R-4s only within a run (lesson73 #6; Westgard, "Power Function Graphs of Multirules": random-error
//   rules "be used only within a run");
// - 2-2s within a run (across its levels) and across runs on the same material only: "the previous
//   result on the same IQC material" (J Clin Pathol, Table 1 "Summary of the common internal quality
//   control (IQC) rules used for a two-level IQC system"); not across materials between runs;
// - 4-1s and 10-x within one material and across materials (same table; J Assist Reprod Genet
//   2014;31:25-33, Table 1 "Definitions of Westgard quality control rules", PMC3909142).
// "Exceeds" a limit is strictly beyond it: a result on the +2 SD line does not violate 1-2s.

import { QC_RULES, type QcRuleName } from '../model/qc-settings.ts';

/** One judged QC result: its z-score against its lot's target. */
export interface ZPoint {
  id: string;
  /** The control lot (material): across-runs rules follow one lot, within-run rules compare lots. */
  lot: string;
  z: number;
  /** Results of one test within the device's run window share a run id. */
  run: string;
  at: string;
}

export interface Violation {
  rule: QcRuleName;
  outcome: 'warning' | 'rejection';
  scope: 'point' | 'within-run' | 'across-runs' | 'across-lots';
  /** The point of `run` it is about. */
  point: string;
  /** The other points taking part. */
  with: string[];
}

type Scope = Violation['scope'];
type Side = -1 | 0 | 1;

/** 1-2s warns; every other rule rejects the run (Westgard 1981). */
export const RULE_OUTCOME: Readonly<Record<QcRuleName, Violation['outcome']>> = {
  '1-2s': 'warning',
  '1-3s': 'rejection',
  '2-2s': 'rejection',
  'R-4s': 'rejection',
  '4-1s': 'rejection',
  '10-x': 'rejection',
};

const SCOPE_RANK: Readonly<Record<Scope, number>> = { point: 0, 'within-run': 1, 'across-runs': 2, 'across-lots': 3 };

// A result exactly on a limit, (5.9 - 5.5) / 0.2 say, comes out of floating point as 2.0000000000000018;
// far below any real measurement's resolution, so it counts as on the line.
const ON_THE_LINE = 1e-9;

/** +1 beyond mean + k SD, -1 beyond mean - k SD, 0 within (on the line is within). k = 0: the side of the mean. */
export function beyond(z: number, k: number): Side {
  if (z - k > ON_THE_LINE) return 1;
  if (-k - z > ON_THE_LINE) return -1;
  return 0;
}

/** A violation found before each rule is reduced to one per point of the run. */
interface Finding {
  rule: QcRuleName;
  scope: Scope;
  point: string;
  with: readonly string[];
}

/** 1-2s, 1-3s: one result beyond k SD. */
function onePointBeyond(rule: QcRuleName, k: number, run: readonly ZPoint[]): Finding[] {
  return run.filter((p) => beyond(p.z, k) !== 0).map((p) => ({ rule, scope: 'point', point: p.id, with: [] }));
}

/** 2-2s within the run: two of its results beyond the same 2 SD limit. */
function twoBeyondSameLimitInRun(run: readonly ZPoint[]): Finding[] {
  return run.flatMap((p) => {
    const side = beyond(p.z, 2);
    if (side === 0) return [];
    const others = run.filter((o) => o.id !== p.id && beyond(o.z, 2) === side).map((o) => o.id);
    return others.length > 0 ? [{ rule: '2-2s', scope: 'within-run', point: p.id, with: others }] : [];
  });
}

/** R-4s: one result of the run beyond +2 SD and another beyond -2 SD. */
function rangeBeyondFourInRun(run: readonly ZPoint[]): Finding[] {
  return run.flatMap((p) => {
    const side = beyond(p.z, 2);
    if (side === 0) return [];
    const opposite = run.filter((o) => o.id !== p.id && beyond(o.z, 2) === -side).map((o) => o.id);
    return opposite.length > 0 ? [{ rule: 'R-4s', scope: 'within-run', point: p.id, with: opposite }] : [];
  });
}

/**
 * n consecutive results of `sequence` (oldest first) beyond the same k SD limit (k = 0: on the same side
 * of the mean). Each run point inside such a stretch violates it, with the points that share one of the
 * n-long windows containing it; a stretch wholly inside the run is within-run.
 */
function consecutiveBeyond(rule: QcRuleName, n: number, k: number, sequence: readonly ZPoint[], inRun: ReadonlySet<string>, scope: Scope): Finding[] {
  const sides = sequence.map((p) => beyond(p.z, k));
  const findings: Finding[] = [];
  let start = 0;
  while (start < sequence.length) {
    const side = sides[start];
    let end = start + 1;
    while (side !== 0 && end < sequence.length && sides[end] === side) end++;
    if (side !== 0 && end - start >= n) {
      sequence.slice(start, end).forEach((p, at) => {
        if (!inRun.has(p.id)) return;
        const near = sequence.slice(start + Math.max(0, at - n + 1), Math.min(end, start + at + n)).filter((o) => o !== p);
        const within = near.every((o) => inRun.has(o.id));
        findings.push({ rule, scope: within ? 'within-run' : scope, point: p.id, with: near.map((o) => o.id) });
      });
    }
    start = end;
  }
  return findings;
}

const time = (p: ZPoint): number => {
  const t = Date.parse(p.at);
  return Number.isNaN(t) ? 0 : t;
};

/** Every point of the test oldest first: the earlier ones (given newest first), then the run in time order. */
function inOrder(run: readonly ZPoint[], earlier: readonly ZPoint[]): ZPoint[] {
  const runIds = new Set(run.map((p) => p.id));
  const before = earlier.filter((p) => !runIds.has(p.id)).reverse();
  return [...before, ...[...run].sort((a, b) => time(a) - time(b))];
}

/** Keeps one finding per rule and point: the narrowest scope, the points of all its findings of that scope. */
function onePerRuleAndPoint(findings: readonly Finding[], run: readonly ZPoint[]): Violation[] {
  const best = new Map<string, { scope: Scope; with: Set<string> }>();
  for (const f of findings) {
    const key = `${f.rule}\u0000${f.point}`;
    const held = best.get(key);
    if (held === undefined || SCOPE_RANK[f.scope] < SCOPE_RANK[held.scope]) best.set(key, { scope: f.scope, with: new Set(f.with) });
    else if (held.scope === f.scope) for (const id of f.with) held.with.add(id);
  }
  const out: Violation[] = [];
  for (const p of run) {
    for (const rule of QC_RULES) {
      const found = best.get(`${rule}\u0000${p.id}`);
      if (found !== undefined) out.push({ rule, outcome: RULE_OUTCOME[rule], scope: found.scope, point: p.id, with: [...found.with] });
    }
  }
  return out;
}

/**
 * The rules `run` violates, given the earlier points of the same device and test (all lots, newest
 * first, only those since the last review: corrective action starts the rules over). Every
 * violation involves at least one point of `run`; each rule is reported at most once per point of
 * the run. Pure.
 */
export function judgeRun(run: readonly ZPoint[], earlier: readonly ZPoint[], rules: readonly QcRuleName[]): Violation[] {
  if (run.length === 0) return [];
  const on = new Set(rules);
  const sequence = inOrder(run, earlier);
  const ordered = sequence.slice(sequence.length - run.length);
  const inRun = new Set(run.map((p) => p.id));
  const lots = [...new Set(sequence.map((p) => p.lot))];
  const ofLot = (lot: string): ZPoint[] => sequence.filter((p) => p.lot === lot);
  const acrossRuns = (rule: QcRuleName, n: number, k: number): Finding[] =>
    lots.flatMap((lot) => consecutiveBeyond(rule, n, k, ofLot(lot), inRun, 'across-runs'));

  const findings: Finding[] = [];
  if (on.has('1-2s')) findings.push(...onePointBeyond('1-2s', 2, ordered));
  if (on.has('1-3s')) findings.push(...onePointBeyond('1-3s', 3, ordered));
  if (on.has('2-2s')) findings.push(...twoBeyondSameLimitInRun(ordered), ...acrossRuns('2-2s', 2, 2));
  if (on.has('R-4s')) findings.push(...rangeBeyondFourInRun(ordered));
  if (on.has('4-1s')) findings.push(...acrossRuns('4-1s', 4, 1), ...consecutiveBeyond('4-1s', 4, 1, sequence, inRun, 'across-lots'));
  if (on.has('10-x')) findings.push(...acrossRuns('10-x', 10, 0), ...consecutiveBeyond('10-x', 10, 0, sequence, inRun, 'across-lots'));
  return onePerRuleAndPoint(findings, ordered);
}

/** What the run's violations make of it: any rejection rule rejects, 1-2s alone warns. */
export function runOutcome(violations: readonly Violation[]): 'accepted' | 'warning' | 'rejected' {
  if (violations.some((v) => v.outcome === 'rejection')) return 'rejected';
  return violations.length > 0 ? 'warning' : 'accepted';
}

/** The rejection rules violated, each once, in the order of QC_RULES: what a rejection names ("2-2s, R-4s"). */
export function rejectionRules(violations: readonly Violation[]): QcRuleName[] {
  const hit = new Set(violations.filter((v) => v.outcome === 'rejection').map((v) => v.rule));
  return QC_RULES.filter((r) => hit.has(r));
}
