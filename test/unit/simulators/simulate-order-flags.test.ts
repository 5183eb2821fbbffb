// `medgate simulate`'s order flags for the lab analyzers become the simulator's options, and a
// refusal that is not one of the known ways is refused with the list.

import { describe, expect, it } from 'vitest';
import { orderOptions } from '../../../src/commands/simulate.ts';
import { UsageError } from '../../../src/commands/usage-error.ts';

describe('simulate order flags', () => {
  it('read into the analyzer order options', () => {
    expect(
      orderOptions({
        scan: 'SP1, SP2,,SP3',
        'scan-interval': '5000',
        'orders-only': true,
        'query-wait': '25000',
        'results-for-unknown': true,
        'run-worklist-after': '3000',
        'refuse-downloads': 'AE',
        'refuse-reason': 'reagent out',
      }),
    ).toEqual({
      scans: ['SP1', 'SP2', 'SP3'],
      scanIntervalMs: 5000,
      unsolicited: false,
      hostQueryWaitMs: 25000,
      resultsForUnknown: true,
      runWorklistAfterMs: 3000,
      refuseDownloads: 'AE',
      refuseReason: 'reagent out',
    });
    expect(orderOptions({})).toEqual({});
  });

  it('refuse an unknown refusal and a query wait that is not a number', () => {
    expect(() => orderOptions({ 'refuse-downloads': 'maybe' })).toThrow(UsageError);
    expect(() => orderOptions({ 'refuse-downloads': 'maybe' })).toThrow(/nak, eot, busy, AR, AE/);
    expect(() => orderOptions({ 'query-wait': 'soon' })).toThrow(/--query-wait/);
  });
});
