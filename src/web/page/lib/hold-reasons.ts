// What the page makes of a held reading's hold reasons, from their kinds alone (src/model/hold.ts):
// which reasons to show, whether a patient must be named, which confirmations to ask for.

import type { HoldKind, HoldReason, SlimReading } from '../../api-types.ts';

/** A short word for each kind, as the badge before the reason's text. */
export const KIND_LABEL: Record<HoldKind, string> = {
  patient: 'patient',
  value: 'value',
  code: 'code',
  delivery: 'not sent',
  qc: 'qc failed',
};

/**
 * The badge and the text of a reason. A text that starts with its own label ("no patient: the
 * device reported none") gives that label to the badge, so the word is not said twice.
 */
export function reasonParts(r: Pick<HoldReason, 'kind' | 'text'>): { badge: string; text: string } {
  const m = /^([^:]{1,40}):\s+(.+)$/s.exec(r.text);
  const label = KIND_LABEL[r.kind];
  if (m && m[1]!.toLowerCase().includes(label.toLowerCase())) return { badge: m[1]!, text: m[2]! };
  return { badge: label, text: r.text };
}

/** Each reason once, in order: two checks can word the same finding alike. */
export function uniqueReasons(reasons: readonly HoldReason[]): HoldReason[] {
  const seen = new Set<string>();
  return reasons.filter((r) => {
    const key = `${r.kind}\u0000${r.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function reasonsOf(r: Pick<SlimReading, 'holdReasons'>, kind: HoldKind): HoldReason[] {
  return uniqueReasons(r.holdReasons.filter((x) => x.kind === kind));
}

/** A patient must be named (Assign) unless the reading has one and nothing says it may be the wrong one. */
export function needsPatient(r: Pick<SlimReading, 'holdReasons' | 'patient'>): boolean {
  return r.patient === undefined || r.holdReasons.some((x) => x.kind === 'patient');
}

/** What the page sends along with an assignment or a release: a confirmation for each kind that needs one. */
export interface Confirmations {
  acceptImplausible?: true;
  acceptLocalCode?: true;
  acceptQcFailure?: true;
}

export function confirmationsFor(r: Pick<SlimReading, 'holdReasons'>): Confirmations {
  const out: Confirmations = {};
  if (r.holdReasons.some((x) => x.kind === 'value')) out.acceptImplausible = true;
  if (r.holdReasons.some((x) => x.kind === 'code')) out.acceptLocalCode = true;
  if (r.holdReasons.some((x) => x.kind === 'qc')) out.acceptQcFailure = true;
  return out;
}
