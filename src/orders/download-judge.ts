// What an analyzer's answer to a download means for the order: a pure decision, so the worker and
// its tests agree. ASTM has no application-level refusal: an analyzer that will not take an order
// NAKs its frames or interrupts, every time. After a few such answers in a row the order is a dead
// letter, or it would hold up every order queued behind it for that analyzer.

import type { DownloadOutcome } from '../model/work-order.ts';

/** Answered-but-not-taken tries in a row before the order is given up as refused. */
export const MAX_REFUSED_TRIES = 5;

/**
 * `refusedBefore`: answered-but-not-taken tries of this download in a row so far (0 after a resend).
 * A retry without `answered` (no connection, no reply, busy) is never counted: an analyzer switched
 * off overnight gets its orders in the morning.
 */
export function judgeDownload(outcome: DownloadOutcome, refusedBefore: number): DownloadOutcome {
  if (outcome.outcome !== 'retry' || outcome.answered !== true) return outcome;
  const tries = refusedBefore + 1;
  if (tries < MAX_REFUSED_TRIES) return outcome;
  return { outcome: 'rejected', reason: `the analyzer did not take it in ${tries} tries in a row: ${outcome.reason}` };
}
