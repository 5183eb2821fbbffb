// The control material a simulated analyzer runs and the values it reads off it: in control (drawn
// around the lot's target with its SD) or out of control on purpose, shaped to break exactly one
// Westgard rule (Westgard JO, Barry PL, Hunt MR, Groth T. A multi-rule Shewhart chart for quality
// control in clinical chemistry. Clin Chem 1981;27:493-501):
//  - 1-2s (warning): one level at +2.4 SD;
//  - 1-3s: one level at +3.5 SD;
//  - 2-2s: every level of one run at +2.5 SD (within the run; across runs for each level alike);
//  - R-4s: level 1 at +2.5 SD, level 2 at -2.5 SD in one run (needs two levels);
//  - 4-1s: four runs with every level at +1.5 SD;
//  - 10-x: ten runs with every level at +0.5 SD (on one side of the mean, never past 1 SD).
// In control: a normal draw cut at +-1.9 SD that never completes four beyond 1 SD, or ten on one side,
// in a row (per level, and per test across levels), so every rejection is one somebody asked for.
// Pure apart from the Rng it is handed.

import type { Rng } from './prng.ts';

export const QC_SCENARIOS = ['1-2s', '1-3s', '2-2s', 'R-4s', '4-1s', '10-x'] as const;
export type QcScenario = (typeof QC_SCENARIOS)[number];

/** How the analyzer marks a control: on the wire (ASTM O-12 `Q`, HL7 SPM-11 `Q`), or only by its sample ID. */
export type QcMark = 'wire' | 'sample-id';

export interface QcTarget {
  mean: number;
  sd: number;
  unit: string;
  /** Decimals the analyzer reports this control with. */
  decimals: number;
}

/** One control lot: the sample ID the analyzer gives it, its level, and its targets per test (the analyzer's codes). */
export interface QcLot {
  id: string;
  level: string;
  targets: Record<string, QcTarget>;
}

/**
 * Two-level chemistry controls (a human-serum control at a normal and a pathological level, as
 * manufacturers ship them), in the units these analyzers send: glucose 99 mg/dL (5.5 mmol/L) and
 * 297 mg/dL (16.5 mmol/L).
 */
export function chemistryControls(prefix: string): QcLot[] {
  return [
    {
      id: `${prefix}4711`,
      level: '1',
      targets: {
        GLU: { mean: 99, sd: 2.7, unit: 'mg/dL', decimals: 1 },
        NA: { mean: 120, sd: 1.5, unit: 'mmol/L', decimals: 1 },
        K: { mean: 4, sd: 0.1, unit: 'mmol/L', decimals: 2 },
      },
    },
    {
      id: `${prefix}4712`,
      level: '2',
      targets: {
        GLU: { mean: 297, sd: 7.2, unit: 'mg/dL', decimals: 1 },
        NA: { mean: 155, sd: 1.8, unit: 'mmol/L', decimals: 1 },
        K: { mean: 6.5, sd: 0.13, unit: 'mmol/L', decimals: 2 },
      },
    },
  ];
}

/** Decimals that resolve a tenth of the SD, as analyzers report controls. */
export function decimalsFor(sd: number): number {
  return Math.max(0, Math.ceil(-Math.log10(sd / 10)));
}

/** How many runs a scenario spans. */
export function scenarioRuns(rule: QcScenario): number {
  if (rule === '4-1s') return 4;
  if (rule === '10-x') return 10;
  return 1;
}

/** The shift (in SD) of each level (in lot order) for a scenario's runs; undefined: in control. */
export function scenarioShift(rule: QcScenario, levelIndex: number): number | undefined {
  switch (rule) {
    case '1-2s':
      return levelIndex === 0 ? 2.4 : undefined;
    case '1-3s':
      return levelIndex === 0 ? 3.5 : undefined;
    case '2-2s':
      return 2.5;
    case 'R-4s':
      return levelIndex === 0 ? 2.5 : levelIndex === 1 ? -2.5 : undefined;
    case '4-1s':
      return 1.5;
    case '10-x':
      return 0.5;
  }
}

/** A standard normal draw (Box-Muller). */
function normal(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** Clear of 2 SD even after rounding to the control's decimals. */
const IN_CONTROL_LIMIT = 1.9;

/** Whether z after `earlier` (oldest first) would complete 4-1s or 10-x on either side. */
export function completesRun(earlier: readonly number[], z: number): boolean {
  const sameSide = (n: number, beyond: number): boolean => {
    const last = earlier.slice(-(n - 1));
    if (last.length < n - 1) return false;
    return (z > beyond && last.every((e) => e > beyond)) || (z < -beyond && last.every((e) => e < -beyond));
  };
  return sameSide(4, 1) || sameSide(10, 0);
}

/**
 * An in-control z as sent (`sent` rounds it to what the analyzer reports): within 1.9 SD,
 * completing no 4-1s or 10-x after any of `histories`.
 */
export function inControlZ(rng: Rng, histories: ReadonlyArray<readonly number[]>, sent: (z: number) => number): number {
  let z = normal(rng);
  while (Math.abs(z) > IN_CONTROL_LIMIT) z = normal(rng);
  const fine = (v: number): boolean => histories.every((h) => !completesRun(h, v));
  if (fine(sent(z))) return z;
  if (fine(sent(-z))) return -z;
  return 0;
}

/** A shifted z, with a little scatter that keeps it clear of the rule's limits. */
export function shiftedZ(rng: Rng, shift: number): number {
  return shift + rng.real(-0.1, 0.1, 0.01);
}

/** The value text the analyzer sends for z on this target, and the z of that text (after rounding). */
export function valueFor(target: QcTarget, z: number): { text: string; z: number } {
  const text = (target.mean + z * target.sd).toFixed(target.decimals);
  return { text, z: (Number(text) - target.mean) / target.sd };
}
