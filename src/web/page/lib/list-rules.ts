// Which rows a keyed list (lib/keyed-list.ts) drops: past its size when new ones come in, and when a
// page replaces it. No DOM here.

/**
 * Trimming `count` rows to `max`: the indexes dropped, from the end up, never a pinned one (it has
 * focus), and the index of the row just above the topmost dropped (-1: none), where the list is
 * whole down to. Undefined when nothing is dropped.
 */
export function trimPlan(count: number, max: number, pinned: (index: number) => boolean): { drop: number[]; wholeTo: number } | undefined {
  const drop: number[] = [];
  for (let i = count - 1; i >= 0 && count - drop.length > max; i--) if (!pinned(i)) drop.push(i);
  return drop.length === 0 ? undefined : { drop, wholeTo: drop[drop.length - 1]! - 1 };
}

/**
 * Whether a row missing from a page that replaces the list stays: it was inserted (insertion number
 * `added`) after the page was asked for (`keepAddedSince`) and is newer than the page's newest, so
 * an event told of it while the page was on its way. Anything else missing from the page goes (a
 * filter changed).
 */
export function keptOnSet<T>(
  row: { item: T; added: number },
  keepAddedSince: number | undefined,
  pageNewest: T | undefined,
  order: (a: T, b: T) => number,
): boolean {
  if (keepAddedSince === undefined || row.added <= keepAddedSince) return false;
  return pageNewest === undefined || order(row.item, pageNewest) < 0;
}
