// What the QC page says: statuses and rules in words, targets, rejections and reviews, the review's
// refusal, which series a link opens, and whether the QC failure that held a reading was reviewed.

import { describe, expect, it } from 'vitest';
import type { QcEntryView, QcOverview, QcRejectionView, QcSeriesView } from '../../../../src/qc/qc-view.ts';
import { timeText } from '../../../../src/web/page/lib/device-words.ts';
import { seriesFromParams, seriesOrder } from '../../../../src/web/page/lib/qc-series.ts';
import { QC_RULE_MEANING, QC_RULES } from '../../../../src/model/qc-settings.ts';
import {
  heldWords,
  lastResultWords,
  openRejectionWords,
  pointWords,
  qcHeldTests,
  qcHoldReviewWords,
  qcNumber,
  qcReleaseRefusedWords,
  rejectionSentence,
  releaseChoices,
  reviewedWords,
  reviewConflictWords,
  reviewRefusedWords,
  ruleWithMeaning,
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

  // The words of src/qc/review-role.ts and of the CSRF guard (src/web/auth/refusal.ts), as the API sends them.
  const roleRefusal = 'reviewing a QC rejection needs the admin role (qc.reviewRole); assistant is staff';
  const csrfRefusal = 'missing or wrong CSRF token: send the x-csrf-token header from GET /api/session';

  it('tells a staff user refused a review who can review (403); any other 403 is not worded as the role', () => {
    expect(reviewRefusedWords(403, roleRefusal)).toBe(`You may not review QC failures: ${roleRefusal}. Ask an administrator to review it.`);
    expect(reviewRefusedWords(403, csrfRefusal)).toBe(`The gateway refused it: ${csrfRefusal}. Reload the page and try again.`);
    expect(reviewRefusedWords(0, 'the gateway does not answer')).toBe('Could not record the review: the gateway does not answer.');
  });

  it('says why a review was refused as a conflict: reviewed meanwhile, or another number of results held than shown', () => {
    const review = { by: 'lab.lead', at: AT, action: 'recalibrated', released: 0 };
    expect(reviewConflictWords(rejection({ review }), 2, 'reviewed', NOW)).toBe(
      `It was reviewed already: Reviewed by lab.lead at ${timeText(AT, NOW)}: recalibrated.`,
    );
    expect(reviewConflictWords(rejection({ held: 3 }), 2, 'held changed', NOW)).toBe('3 results are held now: look again.');
    expect(reviewConflictWords(rejection({ held: 1 }), 2, 'held changed', NOW)).toBe('1 result is held now: look again.');
    expect(reviewConflictWords(undefined, 2, 'conflict.', NOW)).toBe('Could not record the review: conflict.');
  });

  it('says what the review released, and how many results stay held for another reason (the answer is { rejection })', () => {
    const review = { by: 'lab.lead', at: AT, action: 'recalibrated', released: 1 };
    expect(reviewedWords(rejection({ review }), 2)).toBe(
      'Review recorded for GLU on Chemistry; 1 patient result released; 1 result still held for another reason (see Patients).',
    );
    expect(reviewedWords(rejection({ review: { ...review, released: 0 } }))).toBe('Review recorded for GLU on Chemistry.');
  });

  it('tells a user below the QC review role that a result held for failed QC is not theirs to send, and who may', () => {
    const refusal = 'sending a result held for failed QC (acceptQcFailure) needs the admin role (qc.reviewRole); assistant is staff';
    expect(qcReleaseRefusedWords(403, refusal)).toBe(
      'You may not send a result held for failed QC: only administrators may (the QC review role). Ask an administrator to review the QC failure on the QC page, or to release this result.',
    );
    expect(qcReleaseRefusedWords(403, csrfRefusal)).toBeUndefined();
    expect(qcReleaseRefusedWords(409, refusal)).toBeUndefined();
  });

  it('offers to keep the held results (the default) or release them, saying what each means', () => {
    const c = releaseChoices(1, 'GLU');
    expect(c.keep).toBe('Keep the 1 patient result held');
    expect(c.release).toBe('Release the 1 patient result to the charts now');
    expect(c.keepMeans).toMatch(/each to be released .* or discarded on its own/);
    // What a rejection holds came after it: those are the results to check, not the ones before.
    expect(c.releaseMeans).toMatch(/^Only choose this when you checked that the 1 GLU result received since the QC failed can be trusted/);
    expect(releaseChoices(2, 'GLU').releaseMeans).toContain('the 2 GLU results received since the QC failed');
  });

  it("explains each rule as the Westgard engine applies it (src/qc/westgard.ts), from the engine's one table", () => {
    expect(QC_RULES.every((r) => ruleWithMeaning(r) === `${r} (${QC_RULE_MEANING[r]})`)).toBe(true);
    // R-4s: one beyond +2 SD and another beyond -2 SD (a run at +2.5 and -1.6 SD is 4.1 SD apart and no R-4s).
    expect(ruleWithMeaning('R-4s')).toBe('R-4s (one result of a run beyond +2 SD and another beyond \u22122 SD)');
    // 2-2s also across the levels of one run, not only "in a row".
    expect(ruleWithMeaning('2-2s')).toMatch(/two levels of one run, or two runs in a row on one control/);
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
    reviewRole: 'admin',
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
    expect(seriesFromParams(new URLSearchParams(), { series: [], rejections: [], reviewRole: 'admin' })).toBeUndefined();
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
    // A reviewer's own full stop is not doubled.
    const stopped = rejection({ review: { by: 'lab.lead', at: AT, action: 'reagent replaced.', released: 0 } });
    expect(qcHoldReviewWords([stopped], 'chem-1', ['GLU'], came, NOW)[0]).toMatch(/: reagent replaced\.$/);
  });
});
