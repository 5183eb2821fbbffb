// The status strip under the top bar on every page: what is wrong now, with how long, a link to the
// page that fixes it and "Retry now" where a link waits out its backoff. Items are updated in place
// (a focused "Retry now" keeps focus while durations tick). Its text is not a live region, or a
// screen reader would read the whole strip again every minute: a separate status line says only
// what changed ("New problem: ...", "No problems now").
//
// For tests: region "Problems now"; per problem a list item with the sentence, a link ("Show
// device", "Show messages", "Show dead letters", "Show held readings") and button "Retry now".

import '../styles/status-strip.css';
import type { Problem, StatusView } from '../../api-types.ts';
import { post } from './api.ts';
import { errorText } from '../../../model/error-text.ts';
import { h, replace, toast } from './dom.ts';
import { refreshStatus, watchStatus } from './status-feed.ts';
import { problemKey, problemLink, problemSentence, retriedWords } from './status-words.ts';

interface Item {
  li: HTMLLIElement;
  sentence: HTMLSpanElement;
  problem: Problem;
}

async function retry(p: Problem): Promise<void> {
  const path = p.device ? `/api/devices/${encodeURIComponent(p.device)}/retry` : `/api/destinations/${encodeURIComponent(p.destination ?? '')}/retry`;
  const name = p.name ?? p.device ?? p.destination ?? '';
  try {
    const answer = await post<{ already?: boolean }>(path);
    toast(retriedWords(name, answer.already === true, p.device !== undefined));
  } catch (err) {
    toast(`Could not retry ${name}: ${errorText(err)}`, 'error');
  }
  void refreshStatus();
}

/** The control to give focus to in an item: the one of the same kind as before, else its first. */
function controlOf(li: HTMLElement, like: Element | null): HTMLElement | null {
  const same = like ? li.querySelector<HTMLElement>(like.tagName.toLowerCase()) : null;
  return same ?? li.querySelector<HTMLElement>('a, button');
}

export interface StatusStrip {
  el: HTMLElement;
  /** Shows the strip and follows the gateway (signed in), or hides it and stops (signed out). */
  setActive(active: boolean): void;
}

export function statusStrip(): StatusStrip {
  const list = h('ul', {});
  const announce = h('p', { class: 'vh', role: 'status', 'aria-live': 'polite' });
  // Focusable from script only: where focus goes when the item holding it went away.
  const region = h('section', { class: 'status-strip', 'aria-label': 'Problems now', hidden: true, tabindex: '-1' }, list);
  // Outside the strip, which is hidden when all is well: "No problems now" must still be read out,
  // and focus has somewhere to stay when the last problem goes.
  const el = h('div', { tabindex: '-1' }, region, announce);
  const items = new Map<string, Item>();
  let off: (() => void) | undefined;
  let known: Set<string> | undefined;

  const itemFor = (p: Problem, key: string): Item => {
    const id = `problem-${key.replace(/[^A-Za-z0-9_-]/g, '_')}`;
    const sentence = h('span', { class: 'sentence', id });
    const link = problemLink(p);
    const li = h(
      'li',
      { 'data-problem': key },
      sentence,
      link ? h('a', { href: link.href, 'aria-describedby': id }, link.text) : null,
      p.retry
        ? h('button', { type: 'button', class: 'small', 'aria-describedby': id, onclick: () => void retry(items.get(key)?.problem ?? p) }, 'Retry now')
        : null,
    );
    return { li, sentence, problem: p };
  };

  const draw = (status: StatusView | undefined, now: number) => {
    const focused = document.activeElement;
    const focusedLi = focused instanceof HTMLElement && list.contains(focused) ? focused.closest('li') : null;
    const focusedKey = focusedLi?.getAttribute('data-problem') ?? undefined;
    const focusedAt = focusedLi ? Array.from(list.children).indexOf(focusedLi) : -1;
    drawItems(status, now);
    if (focusedKey !== undefined && !el.contains(document.activeElement)) keepFocus(focusedKey, focusedAt, focused);
  };

  /** The item holding focus went away or was built again: focus its new self, the next, the previous or the strip. */
  const keepFocus = (key: string, at: number, was: Element | null) => {
    const rows = Array.from(list.children) as HTMLElement[];
    const same = items.get(key)?.li;
    const target =
      (same && controlOf(same, was)) ??
      (rows[at] && controlOf(rows[at], was)) ??
      (rows[at - 1] && controlOf(rows[at - 1], was)) ??
      (region.hidden ? el : region);
    target.focus();
  };

  const drawItems = (status: StatusView | undefined, now: number) => {
    const problems = status?.problems ?? [];
    region.hidden = problems.length === 0;
    region.classList.toggle('degraded', status?.status !== 'failing');
    const keys = problems.map(problemKey);
    for (const [key, item] of items) {
      if (!keys.includes(key)) {
        item.li.remove();
        items.delete(key);
      }
    }
    for (const [i, p] of problems.entries()) {
      const key = keys[i]!;
      let item = items.get(key);
      // Whether "Retry now" applies may change: build the item again then.
      if (item && Boolean(item.problem.retry) !== Boolean(p.retry)) {
        item.li.remove();
        item = undefined;
      }
      if (!item) {
        item = itemFor(p, key);
        items.set(key, item);
      }
      item.problem = p;
      item.li.className = p.severity;
      const text = problemSentence(p, now);
      if (item.sentence.textContent !== text) item.sentence.textContent = text;
    }
    // Reorder only when the order changed: moving a node takes focus from its button.
    const shown = Array.from(list.children).map((li) => li.getAttribute('data-problem'));
    if (shown.join('\n') !== keys.join('\n')) {
      const focused = document.activeElement;
      list.replaceChildren(...keys.map((k) => items.get(k)!.li));
      if (focused instanceof HTMLElement && list.contains(focused)) focused.focus();
    }
    announceChanges(problems, keys, now);
  };

  const announceChanges = (problems: Problem[], keys: string[], now: number) => {
    if (!known) {
      known = new Set(keys); // what was wrong before the page opened is shown, not announced
      return;
    }
    const fresh = problems.filter((_, i) => !known!.has(keys[i]!));
    const words =
      fresh.length > 0
        ? `New problem: ${fresh.map((p) => problemSentence(p, now)).join('; ')}.`
        : keys.length === 0 && known.size > 0
          ? 'No problems now.'
          : undefined;
    known = new Set(keys);
    if (words) replace(announce, words);
  };

  return {
    el,
    setActive(active) {
      if (active && !off) off = watchStatus(draw);
      else if (!active && off) {
        off();
        off = undefined;
        known = undefined;
        items.clear();
        list.replaceChildren();
        replace(announce);
        region.hidden = true;
      }
    },
  };
}
