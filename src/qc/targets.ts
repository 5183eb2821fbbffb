// A control lot's target for one test (mean and SD) and a result's distance from it in SDs.
// Establishing one from the lot's first results: their mean and sample SD (n - 1), as in Westgard,
// "QC - The Calculations" (Basic QC Practices) and the WHO Laboratory Quality
// Management System Training Toolkit, Module 7 annex "Calculation of Mean and Standard Deviation";
// CLSI C24 asks for at least 20 results. Full precision is kept: rounding is for display.

export interface Target {
  mean: number;
  sd: number;
}

export interface EstablishedTarget extends Target {
  /** How many results it was established from. */
  n: number;
}

/**
 * The mean and sample SD of `values`. Throws RangeError for fewer than 2 values, a value that is not
 * a finite number, or values all equal (an SD of 0 would make every later difference infinitely many SDs).
 */
export function establishTarget(values: readonly number[]): EstablishedTarget {
  const n = values.length;
  if (n < 2) throw new RangeError(`a target needs at least 2 results to establish its SD, got ${n}`);
  if (!values.every(Number.isFinite)) throw new RangeError('a target is established from numbers only');
  // Squares of the differences from the mean (two passes), not sum(x^2) - n * mean^2, which loses the
  // SD to cancellation when it is small against the mean (a glucose control of 5.50 +- 0.01).
  const mean = values.reduce((sum, v) => sum + v, 0) / n;
  const squares = values.reduce((sum, v) => sum + (v - mean) ** 2, 0);
  const sd = Math.sqrt(squares / (n - 1));
  if (!(sd > 0)) throw new RangeError(`all ${n} results are equal: an SD of 0 cannot judge; configure the target instead`);
  return { mean, sd, n };
}

/** (value - mean) / SD. Throws RangeError for an SD that is not positive or a value that is not finite. */
export function zScore(value: number, target: Target): number {
  if (!(target.sd > 0) || !Number.isFinite(target.sd)) throw new RangeError('a target SD must be a positive number');
  if (!Number.isFinite(value) || !Number.isFinite(target.mean)) throw new RangeError('a z-score needs a finite value and mean');
  return (value - target.mean) / target.sd;
}
