// The Held list's count: the gateway's total of held readings (GET /api/status, the same number as
// the status strip and the navigation badge) beside how many the list shows, so the two agree.

import type { StatusView } from '../../api-types.ts';
import { navBadges } from './status-words.ts';

/** Held readings in all, from the status report: the number on the navigation's Patients badge. */
export function heldTotal(status: Pick<StatusView, 'problems'>): number {
  return navBadges(status.problems).patients?.n ?? 0;
}

/** "143 held, 100 shown", "143 held", "12 of 143 held" (filtered); without the total, "100+ held". */
export function heldCountText(shown: number, more: boolean, total: number | undefined, filtered: boolean): string {
  if (total === undefined) return `${shown}${more ? '+' : ''} held`;
  // The total may lag a reading that just arrived: never say fewer than are shown.
  const all = Math.max(total, shown);
  if (filtered) return `${shown}${more ? '+' : ''} of ${all} held`;
  return shown >= all && !more ? `${all} held` : `${all} held, ${shown} shown`;
}
