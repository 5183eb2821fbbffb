import { describe, expect, it } from 'vitest';
import { median, mvPerUnit, orderLeads, scaleSeries, traceGeometry } from '../../../../src/web/page/lib/chart-math.ts';

const box = { width: 100, height: 40, pad: 5 };

describe('scaleSeries', () => {
  it('puts the minimum at the bottom and the maximum at the top, inside the padding', () => {
    const { points, min, max } = scaleSeries([10, 30, 20], box);
    expect([min, max]).toEqual([10, 30]);
    expect(points).toEqual([
      [5, 35],
      [50, 5],
      [95, 20],
    ]);
  });

  it('draws one value as a single point in the middle', () => {
    expect(scaleSeries([72], box).points).toEqual([[50, 20]]);
  });

  it('keeps a flat series at mid-height instead of dividing by zero', () => {
    expect(scaleSeries([5, 5, 5], box).points.map((p) => p[1])).toEqual([20, 20, 20]);
  });

  it('leaves out values that are not finite', () => {
    expect(scaleSeries([NaN, 1, Infinity, 3], box).points).toHaveLength(2);
    expect(scaleSeries([], box).points).toEqual([]);
  });
});

describe('EKG geometry', () => {
  it('draws 1 mV as 10 mm above the median baseline and 1 s as 25 mm', () => {
    // 4 samples at 2 Hz in µV: baseline 0, one sample of +1000 µV = 1 mV.
    const g = traceGeometry([0, 1000, 0, 0], 2, 'uV', 40);
    expect(g.points).toBe('0,20 12.5,10 25,20 37.5,20');
    expect(g.widthMm).toBe(50);
    expect(g.seconds).toBe(2);
  });

  it('reads mV and treats an unknown unit as µV', () => {
    expect(mvPerUnit('mV')).toBe(1);
    expect(mvPerUnit('µV')).toBe(0.001);
    expect(mvPerUnit('furlong')).toBeUndefined();
    expect(traceGeometry([0, 1, 0], 1, 'mV', 20).points).toBe('0,10 25,0 50,10');
  });

  it('takes the median as baseline so tall R waves do not shift it', () => {
    expect(median([0, 0, 0, 0, 1500])).toBe(0);
    expect(median([1, 3])).toBe(2);
  });

  it('puts lead II first, then the standard order, then unknown leads as they came', () => {
    const names = orderLeads(['V1', 'I', 'X2', 'aVR', 'II', 'X1'].map((name) => ({ name }))).map((l) => l.name);
    expect(names).toEqual(['II', 'I', 'aVR', 'V1', 'X2', 'X1']);
  });
});
