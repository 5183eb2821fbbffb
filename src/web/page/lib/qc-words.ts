// What the QC page says: a result's status, the Westgard rules it broke in words (QC_RULE_MEANING,
// the engine's own table), a lot's target, a rejection and its review. Pure: `now` is passed in.

import { QC_RULE_MEANING } from '../../../model/qc-settings.ts';
import type { QcEntryView, QcRejectionView, QcReviewView, QcSeriesView, QcStatus, QcTargetView } from '../../../qc/qc-view.ts';
import { timeText } from './device-words.ts';
import { plural } from './plural.ts';
import { unitLabel } from './reading-format.ts';

export const STATUS_WORDS: Record<QcStatus, string> = {
  accepted: 'in control',
  warning: 'warning',
  rejected: 'rejected',
  'not-judged': 'not judged',
};

/** The badge class (base.css) of each status: a shape and a word as well as a colour. */
export const STATUS_BADGE: Record<QcStatus, string> = {
  accepted: 'ok',
  warning: 'warn',
  rejected: 'error',
  'not-judged': 'plain',
};

/** "1-3s, 2-2s": rule codes in the order given, each once. */
export function rulesText(rules: ReadonlyArray<{ rule: string } | string>): string {
  return [...new Set(rules.map((r) => (typeof r === 'string' ? r : r.rule)))].join(', ');
}

/** The rules that rejected a result first: the 1-2s warning of a result beyond 3 SD comes last. */
export function rejectionsFirst<R extends { outcome?: string }>(rules: readonly R[]): R[] {
  return [...rules].sort((a, b) => Number(b.outcome === 'rejection') - Number(a.outcome === 'rejection'));
}

/** "1-3s (one result beyond 3 SD)". */
export function ruleWithMeaning(rule: string): string {
  const meaning = (QC_RULE_MEANING as Record<string, string>)[rule];
  return meaning ? `${rule} (${meaning})` : rule;
}

/** A number short enough for a chart label and exact enough for QC: at most 4 significant digits past the point. */
export function qcNumber(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const digits = abs >= 100 ? 1 : abs >= 10 ? 2 : 3;
  return String(Number(n.toFixed(digits)));
}

/** "+3.4 SD", "−1.2 SD", "0.0 SD". The minus sign a screen reader says as "minus". */
export function sdText(z: number): string {
  const v = Math.abs(z) < 0.05 ? 0 : z;
  const text = Math.abs(v).toFixed(1);
  return `${v > 0 ? '+' : v < 0 ? '\u2212' : ''}${text} SD`;
}

/** A result as measured: a number exactly as logged, a text as it came, with its unit. */
export function valueText(value: number | string, unit?: string): string {
  const u = unitLabel(unit);
  return `${typeof value === 'number' ? String(value) : value}${u ? ` ${u}` : ''}`;
}

/** "mean 100 mg/dL, SD 2.5 (configured)", "mean 5.52, SD 0.14 (established from 20 results)". */
export function targetWords(target: QcTargetView | undefined, establishing?: { have: number; need: number }): string {
  if (!target) {
    if (establishing) return `no target yet: establishing from the first ${establishing.need} results (${establishing.have} of ${establishing.need})`;
    return 'no target: not judged (configure the lot\'s mean and SD, or "establishFromRuns")';
  }
  const u = unitLabel(target.unit);
  const source = target.source === 'configured' ? 'configured' : `established from ${target.from?.n ?? 'the first'} results`;
  return `mean ${qcNumber(target.mean)}${u ? ` ${u}` : ''}, SD ${qcNumber(target.sd)} (${source})`;
}

type Named = { device: string; deviceLabel?: string };
export const deviceName = (x: Named): string => x.deviceLabel ?? x.device;

/** "GLU Glucose, lot QC-LOT-4711, level 2". */
export function seriesTitle(s: Pick<QcSeriesView, 'test' | 'testName' | 'lot' | 'level'>): string {
  const test = s.testName && s.testName !== s.test ? `${s.test} ${s.testName}` : s.test;
  return `${test}, lot ${s.lot}${s.level ? `, level ${s.level}` : ''}`;
}

/** Identifies a series (device, test, lot) in the page and its deep link. */
export interface SeriesRef {
  device: string;
  test: string;
  lot: string;
}

export const sameSeries = (a: SeriesRef, b: SeriesRef): boolean => a.device === b.device && a.test === b.test && a.lot === b.lot;
export const seriesKey = (s: SeriesRef): string => `${s.device}\u0000${s.test}\u0000${s.lot}`;

/** The last result of a series beside its status badge: "112 mg/dL (1-3s, 1-2s), 09:14". */
export function lastResultWords(e: QcEntryView | undefined, now: Date): string {
  if (!e) return 'no results yet';
  const rules = e.rules.length > 0 ? ` (${rulesText(rejectionsFirst(e.rules))})` : '';
  return `${valueText(e.value, e.unit)}${rules}, ${timeText(e.time, now)}`;
}

/**
 * What a series says about its test's unreviewed rejection: the failed lot's own series says so
 * plainly; another lot of the same test says which lot failed (the hold is per test, not per lot).
 */
export function openRejectionWords(s: Pick<QcSeriesView, 'test' | 'lot'>, r: Pick<QcRejectionView, 'lot'> | undefined): string {
  if (!r || r.lot === s.lot) return 'QC failed: not reviewed';
  return `${s.test} QC failed on lot ${r.lot}: not reviewed`;
}

/** What a rejection holds: "2 patient results held for GLU until it is reviewed". */
export function heldWords(r: Pick<QcRejectionView, 'holds' | 'held' | 'test' | 'review'>): string {
  if (r.review) return r.review.released > 0 ? `${plural(r.review.released, 'held patient result')} released with the review` : '';
  if (!r.holds) return `patient results for ${r.test} are not held (the analyzer's setting)`;
  if (r.held === 0) return `new patient results for ${r.test} from this analyzer are held until it is reviewed`;
  return `${plural(r.held, 'patient result')} for ${r.test} held until it is reviewed`;
}

/** "Chemistry analyzer: QC failed for GLU on lot QC-LOT-4711 (level 2): 1-3s, 09:14". */
export function rejectionSentence(r: QcRejectionView, now: Date): string {
  return `${deviceName(r)}: QC failed for ${r.test} on lot ${r.lot}${r.level ? ` (level ${r.level})` : ''}: ${rulesText(r.rules)}, ${timeText(r.at, now)}`;
}

/** A sentence ended once: a reviewer's own full stop is not doubled. */
export const closed = (text: string): string => (/[.!?]$/.test(text.trimEnd()) ? text.trimEnd() : `${text.trimEnd()}.`);

/** "Reviewed by lab.lead at 09:40: recalibrated, control repeated in range". */
export function reviewSentence(review: QcReviewView, now: Date): string {
  return `Reviewed by ${review.by} at ${timeText(review.at, now)}: ${review.action}`;
}

/** What hovering or focusing a point says, and the point's accessible name. */
export function pointWords(e: QcEntryView, now: Date): string {
  const parts = [timeText(e.time, now), valueText(e.value, e.unit)];
  if (e.z !== undefined) parts.push(sdText(e.z));
  const rules = rejectionsFirst(e.rules);
  parts.push(rules.length > 0 ? `${STATUS_WORDS[e.status]}: ${rules.map((r) => ruleWithMeaning(r.rule)).join('; ')}` : STATUS_WORDS[e.status]);
  if (e.status === 'not-judged' && e.notJudged) parts.push(e.notJudged);
  return parts.join(', ');
}

/**
 * The role a refusal names when it is the QC role check (src/qc/review-role.ts: "... needs the admin
 * role (qc.reviewRole); ..."); undefined for any other answer, a 403 for a stale CSRF token too.
 */
export function qcRoleNeeded(status: number, message: string): string | undefined {
  if (status !== 403) return undefined;
  return /needs the (\w+) role \(qc\.reviewRole\)/.exec(message)?.[1];
}

/** "an administrator", "a user with the staff role". */
const someoneWith = (role: string): string => (role === 'admin' ? 'an administrator' : `a user with the ${role} role`);

/** The review's refusal: for a role that may not review (403), who can; a 409 is worded by `reviewConflictWords`. */
export function reviewRefusedWords(status: number, message: string): string {
  const said = message.replace(/[.\s]+$/, '');
  const role = qcRoleNeeded(status, message);
  if (role !== undefined) return `You may not review QC failures: ${said}. Ask ${someoneWith(role)} to review it.`;
  // Another 403 (the CSRF token of a page open since before a restart) is not the role's.
  if (status === 403) return `The gateway refused it: ${said}. Reload the page and try again.`;
  return `Could not record the review: ${said}.`;
}

/**
 * Why a review was refused as a conflict (409), from the rejection as it is now: reviewed by someone
 * else meanwhile, or a different number of results held than the dialog showed (so nobody releases
 * results unseen); `seen` is what the dialog showed.
 */
export function reviewConflictWords(now: QcRejectionView | undefined, seen: number, message: string, at: Date): string {
  if (now?.review) return `It was reviewed already: ${closed(reviewSentence(now.review, at))}`;
  if (now && now.held !== seen) return `${plural(now.held, 'result')} ${now.held === 1 ? 'is' : 'are'} held now: look again.`;
  return `Could not record the review: ${message.replace(/[.\s]+$/, '')}.`;
}

/** A held result's release refused for its failed QC (the QC review role, 403): who may send it, and how it goes out otherwise. */
export function qcReleaseRefusedWords(status: number, message: string): string | undefined {
  const role = qcRoleNeeded(status, message);
  if (role === undefined) return undefined;
  return `You may not send a result held for failed QC: only ${role === 'admin' ? 'administrators' : `users with the ${role} role`} may (the QC review role). Ask ${someoneWith(role)} to review the QC failure on the QC page, or to release this result.`;
}

/** The two choices for the held results, and what each means. */
export function releaseChoices(held: number, test: string): { keep: string; keepMeans: string; release: string; releaseMeans: string } {
  const results = plural(held, 'patient result');
  return {
    keep: `Keep the ${results} held`,
    keepMeans: `They stay on the Patients page, each to be released (confirming the QC failure) or discarded on its own, for example once the samples were run again. New ${test} results are no longer held.`,
    release: `Release the ${results} to the charts now`,
    releaseMeans: `Only choose this when you checked that the ${plural(held, `${test} result`)} received since the QC failed can be trusted (e.g. the control was repeated in range and the samples were run again or compared). A result also held for something else (no patient yet, a value to check) loses only this hold and stays held for that.`,
  };
}

/** The review's toast; `releasing`: how many held results the review was to release (those also held for something else stay held). */
export function reviewedWords(r: QcRejectionView, releasing = 0): string {
  const released = r.review?.released ?? 0;
  const rest = Math.max(0, releasing - released);
  const parts = [
    released > 0 ? `${plural(released, 'patient result')} released` : '',
    rest > 0 ? `${plural(rest, 'result')} still held for another reason (see Patients)` : '',
  ].filter(Boolean);
  return `Review recorded for ${r.test} on ${deviceName(r)}${parts.length > 0 ? `; ${parts.join('; ')}` : ''}.`;
}

/** The tests a reading's qc holds are about: the analyzer's codes of the observations they name (all, when they name none). */
export function qcHeldTests(r: {
  holdReasons: ReadonlyArray<{ kind: string; observations?: number[] }>;
  reading: { observations: ReadonlyArray<{ code: { local?: { code: string } } }> };
}): string[] {
  const out = new Set<string>();
  const all = r.reading.observations.map((_, i) => i);
  for (const reason of r.holdReasons) {
    if (reason.kind !== 'qc') continue;
    for (const i of reason.observations ?? all) {
      const code = r.reading.observations[i]?.code.local?.code;
      if (code) out.add(code);
    }
  }
  return [...out];
}

/** The rejection that held a reading for a test: the newest of its analyzer for that test raised before the reading came (a later one did not hold it). */
function holdingRejection<R extends Pick<QcRejectionView, 'device' | 'test' | 'at'>>(
  rejections: readonly R[],
  device: string,
  test: string,
  receivedAt: string,
): R | undefined {
  const came = Date.parse(receivedAt);
  return rejections.filter((x) => x.device === device && x.test === test && !(Date.parse(x.at) > came)).sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
}

/**
 * Whether the QC failure that held a reading was reviewed, per test: the newest rejection of the
 * reading's analyzer for that test raised before the reading came (a later one did not hold it).
 */
export function qcHoldReviewWords(rejections: readonly QcRejectionView[], device: string, tests: readonly string[], receivedAt: string, now: Date): string[] {
  return tests.map((test) => {
    const r = holdingRejection(rejections, device, test, receivedAt);
    if (!r) return `${test}: the QC failure is no longer listed (see the QC page).`;
    const what = `${test}: QC failed on lot ${r.lot} (${rulesText(r.rules)}) at ${timeText(r.at, now)}`;
    return r.review ? `${what}; ${closed(reviewSentence(r.review, now).replace(/^R/, 'r'))}` : `${what}; not reviewed yet.`;
  });
}
