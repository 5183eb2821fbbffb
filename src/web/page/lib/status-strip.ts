// The status strip under the top bar on every page: what is wrong now, with how long, a link to the
// page that fixes it and "Retry now" where a link waits out its backoff. Items are updated in place
// (a focused "Retry now" keeps focus while durations tick). Its text is not a live region, or a
// screen reader would read the whole strip again every minute: a separate status line says only
// what changed ("New problem: ...", "No problems now"), and clears it a little later, so its
// numbers never sit there stale. One line per problem, the most severe first; past two a button
// "N more" shows the rest (a tablet's 768 px are for the work). When the gateway does not answer,
// the first line says so and since when: what the page shows is from then.
//
// For tests: region "Problems now"; per problem a list item with the sentence, a link ("Show
// device", "Show messages", "Show dead letters", "Show held readings") and button "Retry now";
// button "N more" / "Show fewer"; list item "The gateway does not answer (since HH:MM) ...".

import '../styles/status-strip.css';
import type { Problem, StatusView } from '../../api-types.ts';
import { post } from './api.ts';
import { errorText } from '../../../model/error-text.ts';
import { timeText } from './device-words.ts';
import { h, replace, toast } from './dom.ts';
import { nextAnnouncement } from './status-announce.ts';
import { refreshStatus, watchStatus } from './status-feed.ts';
import { bySeverity, problemKey, problemLink, problemSentence, retriedWords } from './status-words.ts';

/** Lines shown before "N more". */
const SHOWN = 2;
/** How long an announcement stays in the live region: long enough to be read, not long enough to go stale. */
const ANNOUNCE_MS = 8_000;

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
  const downLi = h('li', { class: 'failing', 'data-problem': 'gateway-down' });
  let expanded = false;
  const moreBtn = h('button', { type: 'button', class: 'link more', 'aria-expanded': 'false', hidden: true, onclick: () => toggleMore() });
  const announce = h('p', { class: 'vh', role: 'status', 'aria-live': 'polite' });
  // Focusable from script only: where focus goes when the item holding it went away.
  const region = h(
    'section',
    { class: 'status-strip', 'aria-label': 'Problems now', hidden: true, tabindex: '-1' },
    h('div', { class: 'inner' }, list, moreBtn),
  );
  // Outside the strip, which is hidden when all is well: "No problems now" must still be read out,
  // and focus has somewhere to stay when the last problem goes.
  const el = h('div', { tabindex: '-1' }, region, announce);
  const items = new Map<string, Item>();
  let off: (() => void) | undefined;
  let known: ReadonlySet<string> | undefined;
  let wasDown = false;
  let announceTimer: ReturnType<typeof setTimeout> | undefined;
  let drawn: { status: StatusView | undefined; downSince: number | undefined } = { status: undefined, downSince: undefined };

  const say = (words: string) => {
    replace(announce, words);
    clearTimeout(announceTimer);
    announceTimer = setTimeout(() => replace(announce), ANNOUNCE_MS);
  };

  const toggleMore = () => {
    expanded = !expanded;
    drawItems(drawn.status, Date.now(), drawn.downSince);
  };

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

  const draw = (status: StatusView | undefined, now: number, downSince: number | undefined) => {
    drawn = { status, downSince };
    const focused = document.activeElement;
    const focusedLi = focused instanceof HTMLElement && list.contains(focused) ? focused.closest('li') : null;
    const focusedKey = focusedLi?.getAttribute('data-problem') ?? undefined;
    const focusedAt = focusedLi ? Array.from(list.children).indexOf(focusedLi) : -1;
    drawItems(status, now, downSince);
    if (focusedKey !== undefined && !el.contains(document.activeElement)) keepFocus(focusedKey, focusedAt, focused);
  };

  /** The item holding focus went away or was built again: focus its new self, the next, the previous or the strip. */
  const keepFocus = (key: string, at: number, was: Element | null) => {
    const rows = (Array.from(list.children) as HTMLElement[]).map((r) => (r.hidden ? undefined : r));
    const same = items.get(key)?.li;
    const next = rows[at];
    const previous = rows[at - 1];
    const target =
      (same && !same.hidden ? controlOf(same, was) : null) ??
      (next && controlOf(next, was)) ??
      (previous && controlOf(previous, was)) ??
      (region.hidden ? el : region);
    target.focus();
  };

  const drawItems = (status: StatusView | undefined, now: number, downSince: number | undefined) => {
    const problems = bySeverity(status?.problems ?? []);
    const down = downSince !== undefined;
    region.hidden = problems.length === 0 && !down;
    region.classList.toggle('degraded', status?.status !== 'failing' && !down);
    if (down) {
      const words = `The gateway does not answer (since ${timeText(new Date(downSince).toISOString(), new Date(now))})${
        problems.length > 0 ? ': the problems below are as they were then' : ''
      }.`;
      if (downLi.textContent !== words) downLi.textContent = words;
    }
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
    const order = down ? ['gateway-down', ...keys] : keys;
    const shown = Array.from(list.children).map((li) => li.getAttribute('data-problem'));
    if (shown.join('\n') !== order.join('\n')) {
      const focused = document.activeElement;
      list.replaceChildren(...(down ? [downLi] : []), ...keys.map((k) => items.get(k)!.li));
      if (focused instanceof HTMLElement && list.contains(focused)) focused.focus();
    }
    // The most severe first; the rest behind "N more" (the gateway's own line is never hidden).
    const hidden = Math.max(0, keys.length - SHOWN);
    if (hidden === 0) expanded = false;
    for (const [i, k] of keys.entries()) items.get(k)!.li.hidden = !expanded && i >= SHOWN;
    if (hidden === 0 && document.activeElement === moreBtn) region.focus();
    moreBtn.hidden = hidden === 0;
    moreBtn.setAttribute('aria-expanded', String(expanded));
    const moreWords = expanded ? 'Show fewer' : `${hidden} more`;
    if (moreBtn.textContent !== moreWords) moreBtn.textContent = moreWords;
    announceChanges(status !== undefined, problems, keys, now, down);
  };

  const announceChanges = (answered: boolean, problems: Problem[], keys: string[], now: number, down: boolean) => {
    const next = nextAnnouncement({ known, wasDown }, { answered, down, problems, keys }, (p) => problemSentence(p, now));
    known = next.known;
    wasDown = next.wasDown;
    if (next.words) say(next.words);
  };

  return {
    el,
    setActive(active) {
      if (active && !off) off = watchStatus(draw);
      else if (!active && off) {
        off();
        off = undefined;
        known = undefined;
        wasDown = false;
        expanded = false;
        items.clear();
        list.replaceChildren();
        clearTimeout(announceTimer);
        replace(announce);
        region.hidden = true;
      }
    },
  };
}
