import { describe, expect, it } from 'vitest';
import { judgeDownload, MAX_REFUSED_TRIES } from '../../../src/orders/download-judge.ts';

describe('judgeDownload', () => {
  const nak = { outcome: 'retry', reason: 'frame 2 was answered NAK 6 times', answered: true } as const;

  it('keeps accepted, rejected and an unanswered retry as they are, however often', () => {
    expect(judgeDownload({ outcome: 'accepted' }, 99)).toEqual({ outcome: 'accepted' });
    expect(judgeDownload({ outcome: 'rejected', reason: 'AR' }, 0)).toEqual({ outcome: 'rejected', reason: 'AR' });
    const off = { outcome: 'retry', reason: 'the analyzer is not connected' } as const;
    expect(judgeDownload(off, 1000)).toEqual(off);
  });

  it('retries an answered refusal until the last allowed try, then makes it a dead letter naming the count and the reason', () => {
    for (let before = 0; before < MAX_REFUSED_TRIES - 1; before++) expect(judgeDownload(nak, before)).toEqual(nak);
    expect(judgeDownload(nak, MAX_REFUSED_TRIES - 1)).toEqual({
      outcome: 'rejected',
      reason: `the analyzer did not take it in ${MAX_REFUSED_TRIES} tries in a row: frame 2 was answered NAK 6 times`,
    });
  });
});
