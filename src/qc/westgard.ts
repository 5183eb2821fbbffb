// The Westgard multirules as a pure judgement of one run against the earlier ones.
// CONTRACT STUB written by the lead: the Westgard engineer replaces the body (and this header).

import type { QcRuleName } from '../model/qc-settings.ts';

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

/**
 * The rules `run` violates, given the earlier points of the same device and test (all lots, newest
 * first, only those since the last review: corrective action starts the rules over). Every
 * violation involves at least one point of `run`. Pure.
 */
export function judgeRun(run: readonly ZPoint[], earlier: readonly ZPoint[], rules: readonly QcRuleName[]): Violation[] {
  void run;
  void earlier;
  void rules;
  return [];
}
