// `medgate simulate`'s QC flags for the lab analyzers become the simulator's QC options, and a rule
// that is not a Westgard rule, or an out-of-control run without a schedule, is refused saying why.

import { describe, expect, it } from 'vitest';
import { qcOptions } from '../../../src/commands/simulate.ts';
import { UsageError } from '../../../src/commands/usage-error.ts';

describe('simulate QC flags', () => {
  it('read into the analyzer QC options', () => {
    expect(qcOptions({ 'qc-every': '60000', 'qc-out-of-control': '1-3s', 'qc-by-sample-id': true })).toEqual({
      qc: { everyMs: 60000, outOfControl: { rule: '1-3s', run: 3 }, mark: 'sample-id' },
    });
    expect(qcOptions({ 'qc-every': '5000', 'qc-out-of-control': '10-x@7:NA' })).toEqual({
      qc: { everyMs: 5000, outOfControl: { rule: '10-x', run: 7, test: 'NA' } },
    });
    expect(qcOptions({ 'qc-every': '5000', 'qc-out-of-control': 'R-4s:K' })).toEqual({
      qc: { everyMs: 5000, outOfControl: { rule: 'R-4s', run: 3, test: 'K' } },
    });
    expect(qcOptions({})).toEqual({});
  });

  it('refuse what is not a rule, a run without a schedule, and a schedule too tight', () => {
    expect(() => qcOptions({ 'qc-every': '5000', 'qc-out-of-control': '3-1s' })).toThrow(UsageError);
    expect(() => qcOptions({ 'qc-every': '5000', 'qc-out-of-control': '3-1s' })).toThrow(/1-2s, 1-3s, 2-2s, R-4s, 4-1s, 10-x/);
    expect(() => qcOptions({ 'qc-every': '5000', 'qc-out-of-control': '1-3s@0' })).toThrow(/counts from 1/);
    expect(() => qcOptions({ 'qc-out-of-control': '1-3s' })).toThrow(/needs --qc-every/);
    expect(() => qcOptions({ 'qc-every': '10' })).toThrow(/at least 100/);
    expect(() => qcOptions({ 'qc-every': 'hourly' })).toThrow(/--qc-every/);
  });
});
