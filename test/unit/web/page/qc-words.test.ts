// What the QC page says: statuses and rules in words, targets, rejections and reviews, the review's
// refusal, which series a link opens, and whether the QC failure that held a reading was reviewed.

import { describe, expect, it } from 'vitest';
import type { QcEntryView, QcOverview, QcRejectionView, QcSeriesView } from '../../../../src/qc/qc-view.ts';
import { timeText } from '../../../../src/web/page/lib/device-words.ts';
import { seriesFromParams, seriesOrder } from '../../../../src/web/page/lib/qc-series.ts';
import {
  heldWords,
  lastResultWords,
  openRejectionWords,
  pointWords,
  qcHeldTests,
  qcHoldReviewWords,
  qcNumber,
  rejectionSentence,
  releaseChoices,
  reviewRefusedWords,
  rulesText,
  sdText,
  seriesTitle,
  targetWords,
} from '../../../../src/web/page/lib/qc-words.ts';

const NOW = new Date('2026-12-06T10:00:00Z');
const AT = '2026-12-06T09:14:00Z';

const entry = (over: Partial<QcEntryView> = {}): QcEntryView => ({
  id: 'e1',
  device: 'chem-1',
  deviceLabel: 'Chemistry',
  test: 'GLU',
  lot: 'QC-4711',
  level: '2',
  value: 112,
  unit: 'mg/dL',
  time: AT,
  receivedAt: AT,
  role: 'control',
  marker: 'ASTM O-12 Q',
  z: 3.4,
  status: 'rejected',
  rules: [{ rule: '1-3s', outcome: 'rejection', scope: 'point', with: [] }],
  ...over,
});

const rejection = (over: Partial<QcRejectionView> = {}): QcRejectionView => ({
  id: 'R1',
  device: 'chem-1',
  deviceLabel: 'Chemistry',
  test: 'GLU',
  lot: 'QC-4711',
  level: '2',
  rules: ['1-3s', 'R-4s'],
  entry: 'e1',
  at: AT,
  holds: true,
  held: 2,
  ...over,
});

const series = (over: Partial<QcSeriesView>): QcSeriesView => ({ device: 'chem-1', test: 'GLU', lot: 'L1', runs: 3, ...over });

describe('QC words', () => {
  it('writes SDs from the mean with a sign a screen reader says, and numbers short but exact enough', () => {
    expect([3.44, -1.2, 0.01, -0.04].map(sdText)).toEqual(['+3.4 SD', '\u22121.2 SD', '0.0 SD', '0.0 SD']);
    expect([104.25, 5.5213, 0.123456, 12.345].map(qcNumber)).toEqual(['104.3', '5.521', '0.123', '12.35']);
  });

  it('names rules once each, in order', () => {
    expect(rulesText([{ rule: '1-3s' }, { rule: 'R-4s' }, { rule: '1-3s' }])).toBe('1-3s, R-4s');
    expect(rulesText(['2-2s'])).toBe('2-2s');
  });

  it("tells a lot's target: configured, established, being established, or none", () => {
    expect(targetWords({ mean: 100, sd: 2.5, unit: 'mg/dL', source: 'configured' })).toBe('mean 100 mg/dL, SD 2.5 (configured)');
    expect(targetWords({ mean: 5.52, sd: 0.14, source: 'established', from: { n: 20, first: AT, last: AT } })).toBe(
      'mean 5.52, SD 0.14 (established from 20 results)',
    );
    expect(targetWords(undefined, { have: 3, need: 20 })).toBe('no target yet: establishing from the first 20 results (3 of 20)');
    expect(targetWords(undefined)).toMatch(/^no target: not judged/);
  });

  it('names a series by test, lot and level', () => {
    expect(seriesTitle({ test: 'GLU', testName: 'Glucose', lot: 'QC-4711', level: '2' })).toBe('GLU Glucose, lot QC-4711, level 2');
    expect(seriesTitle({ test: 'GLU', lot: 'QC-4711' })).toBe('GLU, lot QC-4711');
  });

  it('says what a result is at a glance and in full on the chart', () => {
    expect(lastResultWords(entry(), NOW)).toBe(`112 mg/dL (1-3s), ${timeText(AT, NOW)}`);
    expect(lastResultWords(entry({ status: 'accepted', rules: [] }), NOW)).toBe(`112 mg/dL, ${timeText(AT, NOW)}`);
    expect(openRejectionWords({ test: 'GLU', lot: 'L1' }, { lot: 'L1' })).toBe('QC failed: not reviewed');
    expect(openRejectionWords({ test: 'GLU', lot: 'L2' }, { lot: 'L1' })).toBe('GLU QC failed on lot L1: not reviewed');
    expect(lastResultWords(undefined, NOW)).toBe('no results yet');
    expect(pointWords(entry(), NOW)).toBe(`${timeText(AT, NOW)}, 112 mg/dL, +3.4 SD, rejected: 1-3s (one result beyond 3 SD)`);
    const both = entry({
      rules: [
        { rule: '1-2s', outcome: 'warning', scope: 'point', with: [] },
        { rule: '1-3s', outcome: 'rejection', scope: 'point', with: [] },
      ],
    });
    expect(pointWords(both, NOW)).toBe(
      `${timeText(AT, NOW)}, 112 mg/dL, +3.4 SD, rejected: 1-3s (one result beyond 3 SD); 1-2s (one result beyond 2 SD, a warning)`,
    );
    expect(pointWords(entry({ z: undefined, status: 'not-judged', rules: [], notJudged: 'no target yet' }), NOW)).toBe(
      `${timeText(AT, NOW)}, 112 mg/dL, not judged, no target yet`,
    );
  });

  it('tells a rejection, what it holds, and its review', () => {
    expect(rejectionSentence(rejection(), NOW)).toBe(`Chemistry: QC failed for GLU on lot QC-4711 (level 2): 1-3s, R-4s, ${timeText(AT, NOW)}`);
    expect(heldWords(rejection())).toBe('2 patient results for GLU held until it is reviewed');
    expect(heldWords(rejection({ held: 0 }))).toBe('new patient results for GLU from this analyzer are held until it is reviewed');
    expect(heldWords(rejection({ holds: false }))).toBe("patient results for GLU are not held (the analyzer's setting)");
    const review = { by: 'lab.lead', at: AT, action: 'recalibrated', released: 2 };
    expect(heldWords(rejection({ review }))).toBe('2 held patient results released with the review');
    expect(heldWords(rejection({ review: { ...review, released: 0 } }))).toBe('');
  });

  it('tells a staff user refused a review who can review (403), and says the other refusals', () => {
    expect(reviewRefusedWords(403, 'reviewing QC needs the admin role.')).toBe(
      'You may not review QC failures: reviewing QC needs the admin role. Ask an administrator to review it.',
    );
    expect(reviewRefusedWords(409, 'already reviewed')).toBe('It was reviewed already: already reviewed.');
    expect(reviewRefusedWords(0, 'the gateway does not answer')).toBe('Could not record the review: the gateway does not answer.');
  });

  it('offers to keep the held results (the default) or release them, saying what each means', () => {
    const c = releaseChoices(1, 'GLU');
    expect(c.keep).toBe('Keep the 1 patient result held');
    expect(c.release).toBe('Release the 1 patient result to the charts now');
    expect(c.keepMeans).toMatch(/each to be released .* or discarded on its own/);
  });
});

describe('which series the QC page shows', () => {
  const overview: QcOverview = {
    series: [
      series({ test: 'CREA', lot: 'L1' }),
      series({ test: 'GLU', lot: 'L2', openRejection: 'R1' }),
      series({ device: 'chem-2', test: 'GLU', lot: 'L9' }),
    ],
    rejections: [rejection({ id: 'R1', lot: 'L2' })],
  };
  const open = (q: string) => seriesFromParams(new URLSearchParams(q), overview);

  it('lists failed series first, then by analyzer, test and lot', () => {
    expect([...overview.series].sort(seriesOrder).map((s) => `${s.device}/${s.test}/${s.lot}`)).toEqual(['chem-1/GLU/L2', 'chem-1/CREA/L1', 'chem-2/GLU/L9']);
  });

  it("opens a link's series, a rejection's, a device's failed one, or the first", () => {
    expect(open('device=chem-2&test=GLU&lot=L9')).toEqual({ device: 'chem-2', test: 'GLU', lot: 'L9' });
    expect(open('rejection=R1')).toEqual({ device: 'chem-1', test: 'GLU', lot: 'L2' });
    expect(open('device=chem-1')).toEqual({ device: 'chem-1', test: 'GLU', lot: 'L2' });
    expect(open('device=chem-2')).toEqual({ device: 'chem-2', test: 'GLU', lot: 'L9' });
    expect(open('')).toEqual({ device: 'chem-1', test: 'GLU', lot: 'L2' });
    expect(seriesFromParams(new URLSearchParams(), { series: [], rejections: [] })).toBeUndefined();
  });
});

describe('a reading held for failed QC', () => {
  const reading = {
    holdReasons: [{ kind: 'qc', observations: [1] }, { kind: 'patient' }],
    reading: { observations: [{ code: { local: { code: 'CREA' } } }, { code: { local: { code: 'GLU' } } }] },
  };

  it("finds the tests its qc holds are about by the analyzer's codes", () => {
    expect(qcHeldTests(reading)).toEqual(['GLU']);
    expect(qcHeldTests({ ...reading, holdReasons: [{ kind: 'qc' }] })).toEqual(['CREA', 'GLU']);
  });

  it('says whether the failure that held it was reviewed: the newest rejection for the test before it came', () => {
    const came = '2026-12-06T09:30:00Z';
    const older = rejection({ id: 'R0', at: '2026-12-05T09:00:00Z', review: { by: 'x', at: AT, action: 'old', released: 0 } });
    const later = rejection({ id: 'R9', at: '2026-12-06T09:45:00Z' });
    expect(qcHoldReviewWords([older, rejection(), later], 'chem-1', ['GLU'], came, NOW)).toEqual([
      `GLU: QC failed on lot QC-4711 (1-3s, R-4s) at ${timeText(AT, NOW)}; not reviewed yet.`,
    ]);
    const reviewed = rejection({ review: { by: 'lab.lead', at: AT, action: 'recalibrated', released: 0 } });
    expect(qcHoldReviewWords([reviewed], 'chem-1', ['GLU'], came, NOW)).toEqual([
      `GLU: QC failed on lot QC-4711 (1-3s, R-4s) at ${timeText(AT, NOW)}; reviewed by lab.lead at ${timeText(AT, NOW)}: recalibrated.`,
    ]);
    expect(qcHoldReviewWords([reviewed], 'chem-2', ['GLU'], came, NOW)).toEqual(['GLU: the QC failure is no longer listed (see the QC page).']);
  });
});
