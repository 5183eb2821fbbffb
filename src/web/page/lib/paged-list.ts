// Loading a paged list into a keyed list: the first page replaces what is shown (a filter
// changed), "Show older" appends the next, and only the answer to the newest request is applied
// (lib/latest-only.ts). Messages and Held readings use it; Live merges several of these itself.

import type { ListPageInfo } from '../../api-types.ts';
import { errorText } from '../../../model/error-text.ts';
import type { KeyedList } from './keyed-list.ts';
import { latestOnly } from './latest-only.ts';
import type { ListFooter } from './list-footer.ts';

export interface PagedListOptions<P extends ListPageInfo, T> {
  /** One page, from `before` (the `next` of the page before) or the newest. */
  fetch(before: string | undefined): Promise<P>;
  items(page: P): T[];
  list: KeyedList<T>;
  footer: ListFooter;
  /** "messages", "held readings": for the loading and error lines. */
  noun: string;
  /** After a page was applied. */
  onPage?(page: P): void;
}

export interface PagedList {
  load(): Promise<void>;
  older(): Promise<void>;
  /** Whether older pages are there. */
  hasMore(): boolean;
  cancel(): void;
}

export function pagedList<P extends ListPageInfo, T>(opts: PagedListOptions<P, T>): PagedList {
  const requests = latestOnly();
  let next: string | undefined;
  const run = (before: string | undefined, apply: (items: T[]) => void, loading: string, failed: string) => {
    opts.footer.loading(loading);
    return requests
      .run(
        () => opts.fetch(before),
        (page) => {
          apply(opts.items(page));
          next = page.next;
          opts.footer.showPage(opts.list.size, page);
          opts.onPage?.(page);
        },
        (err) => opts.footer.loading(`${failed}: ${errorText(err)}`),
      )
      .then(() => undefined);
  };
  return {
    load: () => run(undefined, (items) => opts.list.set(items), 'Loading\u2026', `Could not load the ${opts.noun}`),
    older: () =>
      next ? run(next, (items) => opts.list.append(items), `Loading older ${opts.noun}\u2026`, `Could not load older ${opts.noun}`) : Promise.resolve(),
    hasMore: () => next !== undefined,
    cancel: () => requests.cancel(),
  };
}
