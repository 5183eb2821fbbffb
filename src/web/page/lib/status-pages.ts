// Live's "All states": a page of each status, each status paged on its own, shown as one list. A
// status whose page reaches back a month must not be shown beside one whose page reaches back ten
// minutes, or the readings of the second between those times would be missing with nothing to say
// so. Shown is what is not older than every status with more can vouch for (the newest of their
// pages' oldest readings); the rest is held back until "Show older" brings the others down to it.
// No DOM here.

export interface StatusPage<T> {
  status: string;
  items: T[];
  /** Whether this status has older readings than its page. */
  more: boolean;
}

export interface StatusPaging<T> {
  /** What can be shown now. */
  show: T[];
  /** Read, but older than what a status with more has been read down to. */
  held: T[];
  /** The oldest reading read so far of each status that has more. */
  oldest: Map<string, T>;
  /** The statuses whose next page "Show older" asks for: those that reach least far back. */
  nextFrom: string[];
}

/** Merges new pages (`pages`, one per status asked) with what was held back and what each status reached. */
export function mergeStatusPages<T>(
  pages: ReadonlyArray<StatusPage<T>>,
  held: readonly T[],
  oldestBefore: ReadonlyMap<string, T>,
  order: (a: T, b: T) => number,
): StatusPaging<T> {
  const oldest = new Map(oldestBefore);
  for (const p of pages) {
    const last = p.items[p.items.length - 1];
    if (p.more && last !== undefined) oldest.set(p.status, last);
    else oldest.delete(p.status);
  }
  // The newest of the statuses' oldest: below it, some status may have readings not read yet.
  let limit: T | undefined;
  for (const t of oldest.values()) if (limit === undefined || order(t, limit) < 0) limit = t;
  const all = [...held, ...pages.flatMap((p) => p.items)];
  if (limit === undefined) return { show: all, held: [], oldest, nextFrom: [] };
  const cut = limit;
  return {
    show: all.filter((t) => order(t, cut) <= 0),
    held: all.filter((t) => order(t, cut) > 0),
    oldest,
    nextFrom: [...oldest].filter(([, t]) => order(t, cut) === 0).map(([s]) => s),
  };
}

/** Where a row read from a status's page stands in that status's list (list-cursor.ts: `time~id`). */
export interface RowPlace {
  status: string;
  time: string;
  id: string;
}

/**
 * After the list dropped `dropped` (in its order, newest first) from its end, as it holds a bounded
 * number of rows: each status that lost rows goes on again after its oldest row kept, or, with none
 * kept, from its newest row dropped, that one included (its id followed by U+0000 sorts right
 * after the id, in the state's lists and the history's alike). Returns the statuses' cursors
 * (`next`), those that lost rows among them.
 */
export function cursorsAfterTrim(next: ReadonlyMap<string, string>, kept: readonly RowPlace[], dropped: readonly RowPlace[]): Map<string, string> {
  const out = new Map(next);
  const lost = new Map<string, string>();
  for (const d of dropped) if (!lost.has(d.status)) lost.set(d.status, `${d.time}~${d.id}\u0000`);
  for (const [status, from] of lost) {
    let oldestKept: RowPlace | undefined;
    for (const k of kept) if (k.status === status) oldestKept = k;
    out.set(status, oldestKept ? `${oldestKept.time}~${oldestKept.id}` : from);
  }
  return out;
}
