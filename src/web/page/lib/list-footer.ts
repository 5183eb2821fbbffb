// What goes with a paged list: a status line (how many are shown, how a search matched, whether a
// name search stopped part-way), and "Show older" while there is more.
//
// Accessible names: status text "<n> <noun> shown ..."; button "Show older".

import type { ListPageInfo } from '../../api-types.ts';
import { h } from './dom.ts';
import { type EmptyContext, listSummary } from './list-summary.ts';

export interface ListFooter {
  /** Above the list: the status line. */
  head: HTMLElement;
  /** Below the list: "Show older". */
  foot: HTMLElement;
  /** After a page was applied. */
  showPage(shown: number, page: ListPageInfo | undefined): void;
  loading(text: string): void;
}

/**
 * `list` is the element whose children are the rows: after "Show older" (disabled while it loads, so
 * the browser drops its focus to the body) focus goes to the first row it loaded, or back to the button.
 */
export function listFooter(opts: {
  noun: [one: string, many: string];
  older(): Promise<void>;
  list?: HTMLElement;
  /** What an empty list says (lib/list-filters.ts emptyListText). */
  empty?(): EmptyContext;
}): ListFooter {
  const status = h('p', { class: 'muted list-status', role: 'status' });
  const showOlder = async () => {
    const hadFocus = document.activeElement === older;
    const before = new Set(opts.list?.children ?? []);
    await opts.older();
    if (!hadFocus || !(document.activeElement === null || document.activeElement === document.body || document.activeElement === older)) return;
    const first = [...(opts.list?.children ?? [])].find((el) => !before.has(el));
    focusTarget(first, older)?.focus();
  };
  const older = h('button', { type: 'button', class: 'show-older', hidden: true, onclick: () => void showOlder() }, 'Show older');
  return {
    head: h('div', { class: 'list-head' }, status),
    foot: h('div', { class: 'list-foot' }, older),
    showPage(shown, page) {
      status.textContent = listSummary(shown, opts.noun, page, opts.empty?.());
      older.hidden = !page?.more;
      older.disabled = false;
    },
    loading(text) {
      status.textContent = text;
      older.disabled = true;
    },
  };
}

/** The first new row (focusable without joining the tab order), else the button while it is shown. */
function focusTarget(row: Element | undefined, button: HTMLButtonElement): HTMLElement | undefined {
  if (row instanceof HTMLElement) {
    if (!row.hasAttribute('tabindex')) row.tabIndex = -1;
    return row;
  }
  return button.hidden ? undefined : button;
}
