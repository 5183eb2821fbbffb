// The Messages table stays bounded while events add rows at the top: which rows a trim drops, that
// "Show older" then starts again after the last row kept (none skipped), that a page arriving after
// an event keeps the row the event added, and that the destination counts are refreshed while
// events keep coming rather than only once they stop.

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ListPageInfo } from '../../../../src/web/api-types.ts';
import { keptOnSet, trimPlan } from '../../../../src/web/page/lib/list-rules.ts';
import { pagedList, type PagedFooter, type PagedRows } from '../../../../src/web/page/lib/paged-list.ts';
import { throttle } from '../../../../src/web/page/lib/throttle.ts';

interface Page extends ListPageInfo {
  items: number[];
}

/** A list of numbers, newest (largest) first, bounded by `max` with the plan keyed-list.ts trims by. */
function numberList(max: () => number, onTrim: (last: number | undefined) => void): PagedRows<number> & { rows: number[]; upsert(n: number): void } {
  const rows: number[] = [];
  const added = new Map<number, number>();
  let inserted = 0;
  const trim = () => {
    const plan = trimPlan(rows.length, max(), () => false);
    if (!plan) return;
    const last = rows[plan.wholeTo];
    rows.splice(plan.wholeTo + 1);
    onTrim(last);
  };
  const add = (n: number) => {
    if (!rows.includes(n)) {
      rows.push(n);
      added.set(n, ++inserted);
    }
    rows.sort((a, b) => b - a);
  };
  return {
    rows,
    upsert(n) {
      add(n);
      trim();
    },
    set(items, since) {
      const newest = items.length ? Math.max(...items) : undefined;
      const stay = rows.filter((n) => !items.includes(n) && keptOnSet({ item: n, added: added.get(n) ?? 0 }, since, newest, (a, b) => b - a));
      rows.splice(0, rows.length, ...stay);
      for (const n of items) add(n);
      trim();
    },
    clock: () => inserted,
    append(items) {
      for (const n of items) add(n);
    },
    get size() {
      return rows.length;
    },
  };
}

const footer = (): PagedFooter => ({ showPage() {}, loading() {} });

/** A server of messages 1..total, newest first, `size` a page, cursor "n" = strictly older than n. */
function server(total: () => number, size: number) {
  const asked: Array<string | undefined> = [];
  return {
    asked,
    fetch: async (before: string | undefined): Promise<Page> => {
      asked.push(before);
      const top = before === undefined ? total() : Number(before) - 1;
      const items = Array.from({ length: Math.max(0, Math.min(size, top)) }, (_, i) => top - i);
      const more = top - items.length > 0;
      return { items, more, ...(more ? { next: String(items[items.length - 1]) } : {}) };
    },
  };
}

describe('trimPlan', () => {
  it('drops from the end, never a pinned row, and says where the list is whole down to', () => {
    expect(trimPlan(5, 5, () => false)).toBeUndefined();
    expect(trimPlan(7, 5, () => false)).toEqual({ drop: [6, 5], wholeTo: 4 });
    // The last row has focus: it stays, the two above it go, and the list is whole only to index 3.
    expect(trimPlan(7, 5, (i) => i === 6)).toEqual({ drop: [5, 4], wholeTo: 3 });
  });
});

describe('keptOnSet', () => {
  const order = (a: number, b: number) => b - a;
  it('keeps a row an event added after the page was asked for, newer than the page, and nothing else', () => {
    expect(keptOnSet({ item: 301, added: 5 }, 4, 300, order)).toBe(true);
    // Added before the page was asked for (a filter changed since): goes.
    expect(keptOnSet({ item: 301, added: 4 }, 4, 300, order)).toBe(false);
    // Older than the page's newest: the page would have had it.
    expect(keptOnSet({ item: 250, added: 5 }, 4, 300, order)).toBe(false);
    expect(keptOnSet({ item: 301, added: 5 }, undefined, 300, order)).toBe(false);
    expect(keptOnSet({ item: 1, added: 5 }, 4, undefined, order)).toBe(true);
  });
});

/** Messages 1..300 on a server, paged 100 at a time into a list bounded at `maxRows` plus the older pages loaded. */
function boundedMessages(maxRows: number) {
  const at = { total: 300 };
  const srv = server(() => at.total, 100);
  let pages!: ReturnType<typeof pagedList<Page, number>>;
  const list = numberList(
    () => pages.max(),
    (last) => pages.trimmed(last),
  );
  pages = pagedList<Page, number>({ fetch: srv.fetch, items: (p) => p.items, list, footer: footer(), noun: 'messages', maxRows, cursor: (n) => String(n) });
  /** A new message told of by an event. */
  const arrives = () => list.upsert(++at.total);
  return { srv, list, pages, arrives };
}

describe('a bounded paged list', () => {
  it('keeps the row an event added while the first page was on its way', async () => {
    const { list, pages, arrives } = boundedMessages(200);
    // The page is asked for with 300 the newest; message 301 is told of before it arrives.
    const loading = pages.load();
    arrives();
    await loading;
    expect(list.rows.slice(0, 3)).toEqual([301, 300, 299]);
  });

  it('keeps at most its rows plus the older pages loaded, and "Show older" goes on after the last row kept', async () => {
    const { srv, list, pages, arrives } = boundedMessages(150);
    await pages.load();
    await pages.older();
    expect(list.size).toBe(200);
    expect(pages.max()).toBe(250);
    // 60 new messages arrive at the top: the 10 oldest shown go.
    for (let i = 0; i < 60; i++) arrives();
    expect(list.size).toBe(250);
    expect(list.rows[list.rows.length - 1]).toBe(111);
    expect(pages.hasMore()).toBe(true);
    await pages.older();
    // Asked after the last row kept (111), not after the old cursor (101): 110..102 are not skipped.
    expect(srv.asked[srv.asked.length - 1]).toBe('111');
    expect(list.rows.slice(-100)).toEqual(Array.from({ length: 100 }, (_, i) => 110 - i));
  });

  it('drops an older page asked for before a trim, which would leave a gap above it', async () => {
    const { srv, list, pages, arrives } = boundedMessages(100);
    await pages.load();
    const older = pages.older();
    arrives();
    await older;
    expect(list.rows).toEqual(Array.from({ length: 100 }, (_, i) => 301 - i));
    await pages.older();
    expect(srv.asked[srv.asked.length - 1]).toBe('202');
    expect(list.rows.slice(99, 102)).toEqual([202, 201, 200]);
  });
});

describe('throttle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs while calls keep coming, at most once per interval', () => {
    vi.useFakeTimers();
    let runs = 0;
    const t = throttle(() => runs++, 500);
    // A call every 100 ms for 2 s: a debounce would not have run yet.
    for (let i = 0; i < 20; i++) {
      t();
      vi.advanceTimersByTime(100);
    }
    expect(runs).toBe(4);
    t.cancel();
    vi.advanceTimersByTime(1000);
    expect(runs).toBe(4);
  });
});
