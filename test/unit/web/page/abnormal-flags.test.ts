import { describe, expect, it } from 'vitest';
import { flagMeaning, flagSummary, isAbnormalFlag } from '../../../../src/web/page/lib/reading-format.ts';

// HL7 v2.5.1 table 0078: N is normal; only flags outside the range are warnings.
describe('abnormal flags on the page', () => {
  it('does not warn for N (normal) or an empty flag', () => {
    expect(isAbnormalFlag('N')).toBe(false);
    expect(isAbnormalFlag('')).toBe(false);
    expect(flagSummary(['N'])).toEqual({ text: 'N', meaning: 'normal', abnormal: false });
    expect(flagSummary([])).toBeUndefined();
    expect(flagSummary(undefined)).toBeUndefined();
  });

  it('warns for L, H, LL, HH, A, AA, < and >', () => {
    for (const f of ['L', 'H', 'LL', 'HH', 'A', 'AA', '<', '>']) expect(isAbnormalFlag(f)).toBe(true);
    expect(flagSummary(['H'])).toEqual({ text: 'H', meaning: 'high', abnormal: true });
  });

  it('names each flag in words', () => {
    expect(flagMeaning('LL')).toBe('critically low');
    expect(flagMeaning('HH')).toBe('critically high');
    expect(flagMeaning('N')).toBe('normal');
    expect(flagMeaning('<')).toBe('below the instrument scale');
    expect(flagSummary(['L', 'N'])).toEqual({ text: 'L N', meaning: 'low, normal', abnormal: true });
  });

  it('shows an unknown flag as a warning rather than hide it', () => {
    expect(isAbnormalFlag('XX')).toBe(true);
    expect(flagMeaning('XX')).toBe('flag XX');
  });
});
