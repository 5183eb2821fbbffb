import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { establishTarget, zScore } from '../../../src/qc/targets.ts';

describe("establishing a target from a lot's first results", () => {
  // WHO Laboratory Quality Management System Training Toolkit, Module 7 (quality control, quantitative),
  // annex "Calculation of Mean and Standard Deviation": a cholesterol control run 20 times, mg/dL.
  // Published: sum 3809, mean 190.5, SD 2 (both rounded; the page's 71 is the sum of squares about 190.5,
  // 70.95 about the exact mean 190.45).
  const WHO_CHOLESTEROL = [192, 188, 190, 190, 189, 191, 188, 193, 188, 190, 191, 194, 194, 188, 192, 190, 189, 189, 191, 192];

  it('gives the mean and sample SD (n - 1) of the published example', () => {
    const target = establishTarget(WHO_CHOLESTEROL);
    expect(target.n).toBe(20);
    expect(target.mean).toBe(3809 / 20);
    expect(target.sd).toBeCloseTo(Math.sqrt(70.95 / 19), 12);
    expect(Math.round(target.sd)).toBe(2);
    // Not the population SD (n), which the page does not use.
    expect(target.sd).not.toBeCloseTo(Math.sqrt(70.95 / 20), 4);
  });

  it('keeps full precision: the SD of a tight control far from zero survives (no sum-of-squares cancellation)', () => {
    const target = establishTarget([1e9 + 1, 1e9 + 2, 1e9 + 3]);
    expect(target.mean).toBe(1e9 + 2);
    expect(target.sd).toBe(1);
    expect(establishTarget([5.51, 5.49, 5.5, 5.52, 5.48]).sd).toBeCloseTo(Math.sqrt(0.001 / 4), 12);
  });

  it.each<[string, number[], RegExp]>([
    ['no results', [], /at least 2 results.*got 0/],
    ['one result', [5.5], /at least 2 results.*got 1/],
    ['results all equal', [5.5, 5.5, 5.5], /all 3 results are equal: an SD of 0/],
    ['a result that is not a number', [5.5, Number.NaN, 5.6], /numbers only/],
    ['an infinite result', [5.5, Number.POSITIVE_INFINITY], /numbers only/],
  ])('refuses %s with a clear error', (_name, values, message) => {
    expect(() => establishTarget(values)).toThrow(RangeError);
    expect(() => establishTarget(values)).toThrow(message);
  });

  it('moves with the results and scales with them (location and scale)', () => {
    // Results as analyzers report them: a few decimals.
    const values = fc
      .array(
        fc.integer({ min: -100_000, max: 100_000 }).map((i) => i / 100),
        { minLength: 2, maxLength: 40 },
      )
      .filter((v) => new Set(v).size > 1);
    fc.assert(
      fc.property(values, fc.integer({ min: -1000, max: 1000 }), (v, shift) => {
        const base = establishTarget(v);
        expect(base.mean).toBeGreaterThanOrEqual(Math.min(...v) - 1e-9);
        expect(base.mean).toBeLessThanOrEqual(Math.max(...v) + 1e-9);
        const moved = establishTarget(v.map((x) => x + shift));
        expect(moved.mean).toBeCloseTo(base.mean + shift, 6);
        expect(moved.sd).toBeCloseTo(base.sd, 6);
        const doubled = establishTarget(v.map((x) => x * 2));
        expect(doubled.sd).toBeCloseTo(base.sd * 2, 6);
      }),
    );
  });
});

describe('z-score', () => {
  it('is (value - mean) / SD: the published 42.5 on mean 47, SD 3 is -1.5 (westgard.com, "Break All the Rules", Part One)', () => {
    expect(zScore(42.5, { mean: 47, sd: 3 })).toBe(-1.5);
    expect(zScore(186, { mean: 200, sd: 4 })).toBe(-3.5);
  });

  it('is not rounded', () => {
    expect(zScore(5.57, { mean: 5.5, sd: 0.15 })).toBeCloseTo(0.4666666666666, 12);
  });

  it.each<[string, number, number, number]>([
    ['an SD of 0', 5.5, 5.5, 0],
    ['a negative SD', 5.5, 5.5, -0.1],
    ['a value that is not a number', Number.NaN, 5.5, 0.1],
    ['an infinite value', Number.NEGATIVE_INFINITY, 5.5, 0.1],
  ])('refuses %s', (_name, value, mean, sd) => {
    expect(() => zScore(value, { mean, sd })).toThrow(RangeError);
  });
});
