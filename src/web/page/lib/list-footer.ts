// What goes with a paged list: a status line (how many are shown, how a search matched, whether a
// name search stopped part-way), and "Show older" while there is more.
//
// Accessible names: status text "<n> <noun> shown ..."; button "Show older".

import type { ListPageInfo } from '../../api-types.ts';
import { h } from './dom.ts';
import { listSummary } from './list-filters.ts';

export interface ListFooter {
  /** Above the list: the status line. */
  head: HTMLElement;
  /** Below the list: "Show older". */
  foot: HTMLElement;
  /** After a page was applied. */
  showPage(shown: number, page: ListPageInfo | undefined): void;
  loading(text: string): void;
}

export function listFooter(opts: { noun: [one: string, many: string]; older(): void }): ListFooter {
  const status = h('p', { class: 'muted list-status', role: 'status' });
  const older = h('button', { type: 'button', class: 'show-older', hidden: true, onclick: () => opts.older() }, 'Show older');
  return {
    head: h('div', { class: 'list-head' }, status),
    foot: h('div', { class: 'list-foot' }, older),
    showPage(shown, page) {
      status.textContent = listSummary(shown, opts.noun, page);
      older.hidden = !page?.more;
      older.disabled = false;
    },
    loading(text) {
      status.textContent = text;
      older.disabled = true;
    },
  };
}
