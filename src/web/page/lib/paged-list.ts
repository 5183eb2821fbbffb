// Loading a paged list into a keyed list: the first page replaces what is shown (a filter
// changed), "Show older" appends the next, and only the answer to the newest request is applied
// (lib/latest-only.ts). Messages and Held readings use it; Live merges several of these itself.

import type { ListPageInfo } from '../../api-types.ts';
import { errorText } from '../../../model/error-text.ts';
import { latestOnly } from './latest-only.ts';

/** What it needs of the keyed list (lib/keyed-list.ts) and the footer (lib/list-footer.ts); no DOM here. */
export interface PagedRows<T> {
  /** Keeps rows inserted after `clock()` gave `keepAddedSince` that are newer than the page. */
  set(items: readonly T[], keepAddedSince?: number): void;
  clock(): number;
  append(items: readonly T[]): void;
  readonly size: number;
}
export interface PagedFooter {
  showPage(shown: number, page: ListPageInfo | undefined): void;
  loading(text: string): void;
}

export interface PagedListOptions<P extends ListPageInfo, T> {
  /** One page, from `before` (the `next` of the page before) or the newest. */
  fetch(before: string | undefined): Promise<P>;
  items(page: P): T[];
  list: PagedRows<T>;
  footer: PagedFooter;
  /** "messages", "held readings": for the loading and error lines. */
  noun: string;
  /** After a page was applied. */
  onPage?(page: P): void;
  /**
   * Bounds the list at this many rows plus those "Show older" loaded (events add rows at the top);
   * the list's `max` reads `max()`, its `onTrim` calls `trimmed()`. With `cursor`, the `before` of a
   * page that starts after an item.
   */
  maxRows?: number;
  cursor?(item: T): string;
}

export interface PagedList<T> {
  load(): Promise<void>;
  older(): Promise<void>;
  /** Whether older pages are there. */
  hasMore(): boolean;
  /** How many rows the list may hold now (`maxRows` plus the older pages loaded). */
  max(): number;
  /** The list dropped its rows after `lastKept`: "Show older" starts again after it, skipping none. */
  trimmed(lastKept: T | undefined): void;
  cancel(): void;
}

export function pagedList<P extends ListPageInfo, T>(opts: PagedListOptions<P, T>): PagedList<T> {
  const requests = latestOnly();
  let next: string | undefined;
  let last: P | undefined;
  let max = opts.maxRows ?? Number.POSITIVE_INFINITY;
  /** Counts trims: an older page asked for before one would leave a gap above it. */
  let trims = 0;
  const run = (before: string | undefined, apply: (items: T[], since: number) => void, loading: string, failed: string) => {
    opts.footer.loading(loading);
    const trimsBefore = trims;
    const since = opts.list.clock();
    return requests
      .run(
        () => opts.fetch(before),
        (page) => {
          if (before !== undefined && trims !== trimsBefore) {
            if (last) opts.footer.showPage(opts.list.size, last);
            return;
          }
          apply(opts.items(page), since);
          next = page.next;
          last = page;
          opts.footer.showPage(opts.list.size, page);
          opts.onPage?.(page);
        },
        (err) => opts.footer.loading(`${failed}: ${errorText(err)}`),
      )
      .then(() => undefined);
  };
  return {
    load: () =>
      run(
        undefined,
        (items, since) => {
          max = opts.maxRows ?? Number.POSITIVE_INFINITY;
          // A row an event added while the page was on its way, newer than it, stays.
          opts.list.set(items, since);
        },
        'Loading\u2026',
        `Could not load the ${opts.noun}`,
      ),
    older: () =>
      next
        ? run(
            next,
            (items) => {
              max += items.length;
              opts.list.append(items);
            },
            `Loading older ${opts.noun}\u2026`,
            `Could not load older ${opts.noun}`,
          )
        : Promise.resolve(),
    hasMore: () => next !== undefined,
    max: () => max,
    trimmed(lastKept) {
      trims++;
      if (!opts.cursor || !last) return;
      const had = last.more;
      next = lastKept === undefined ? undefined : opts.cursor(lastKept);
      if (next !== undefined) last = { ...last, more: true, next };
      // The status line is a live region: touched only when "Show older" appears.
      if (!had) opts.footer.showPage(opts.list.size, last);
    },
    cancel: () => requests.cancel(),
  };
}
