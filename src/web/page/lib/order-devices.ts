// Where one order stands with each analyzer, as lines a person reads: a badge, the sentence
// (lib/order-words.ts), "No result after ..." when overdue, the results on Live, and "Resend" on a
// download the analyzer rejected. Used by the list's rows and the open order alike; a line is
// redrawn only when what it says changed, so the button a keyboard user is on stays.
//
// Accessible names: list "Analyzers"; per analyzer a listitem; button "Resend to <analyzer>"; links
// "Result on Live" (one per reading).

import type { OrderDeviceView } from '../../../orders/order-view.ts';
import { h, replace } from './dom.ts';
import { readingLink } from './message-detail.ts';
import { analyzerName, deviceStateSentence, givenWords, heldWords, notSentSummary, stateBadge, unresultedWords } from './order-words.ts';

export interface OrderDeviceLines {
  element: HTMLUListElement;
  /** Shows these analyzers' states (as of `now`), changing only the lines whose words changed. */
  show(devices: readonly OrderDeviceView[], now: number): void;
}

export interface OrderDeviceOptions {
  labels: ReadonlyMap<string, string>;
  /** Queues a rejected download again; absent: no button. */
  resend?(device: OrderDeviceView): void;
  /** Also the analyzer's codes, the attempts and the reason in full (the open order). */
  full?: boolean;
}

function lineParts(d: OrderDeviceView, now: number, opts: OrderDeviceOptions) {
  const badge = stateBadge(d.state);
  const overdue = unresultedWords(d, now);
  const sentence = deviceStateSentence(d, now, opts.labels);
  const readings = d.state === 'resulted' ? (d.readings ?? []) : [];
  const extra = opts.full && d.tests.length > 0 ? `${givenWords(d)}${d.attempts ? ` \u00b7 ${d.attempts} attempts` : ''}` : '';
  const held = heldWords(d);
  // What the line says: when it is the same, the line is left alone.
  const heldIds = (d.held ?? []).map((x) => x.reading).join(' ');
  const words = [badge.text, sentence, overdue ?? '', readings.join(' '), extra, heldIds, ...held, opts.resend && d.state === 'rejected' ? 'resend' : ''].join(
    '|',
  );
  return { badge, overdue, sentence, readings, extra, held, words };
}

function drawLine(li: HTMLElement, d: OrderDeviceView, parts: ReturnType<typeof lineParts>, opts: OrderDeviceOptions): void {
  replace(
    li,
    h('span', { class: `badge ${parts.badge.cls}` }, parts.badge.text),
    ' ',
    h('span', { class: 'order-device-words' }, parts.sentence),
    parts.overdue ? [' ', h('span', { class: 'badge warn' }, parts.overdue)] : null,
    parts.readings.length > 0
      ? h(
          'span',
          { class: 'order-results' },
          parts.readings.map((id) => readingLink(id, 'Result on Live')),
        )
      : null,
    parts.extra ? h('span', { class: 'order-device-extra muted' }, parts.extra) : null,
    // The held result's reason, and the reading where a person settles it.
    ...(d.held ?? []).map((x, i) => h('span', { class: 'order-held warn' }, `${parts.held[i]} `, readingLink(x.reading, 'Held result'))),
    opts.resend && d.state === 'rejected'
      ? h('button', { type: 'button', class: 'small', onclick: () => opts.resend?.(d) }, `Resend to ${analyzerName(d, opts.labels)}`)
      : null,
  );
}

export function orderDeviceLines(opts: OrderDeviceOptions): OrderDeviceLines {
  const element = h('ul', { class: 'order-devices', 'aria-label': 'Analyzers' });
  const shown = new Map<string, { li: HTMLLIElement; words: string }>();
  return {
    element,
    show(all, now) {
      // In the list, the analyzers the order is not for fold into one line; the open order lists each with why.
      const summary = opts.full ? undefined : notSentSummary(all, opts.labels);
      const devices = summary === undefined ? all : all.filter((d) => d.state !== 'not-sent');
      const keep = new Set(devices.map((d) => d.device));
      for (const [device, line] of shown) {
        if (keep.has(device)) continue;
        line.li.remove();
        shown.delete(device);
      }
      // Also an order received before orders were set up (taken as dispatched at the upgrade), while analyzers may take orders now.
      if (devices.length === 0 && !element.hasChildNodes())
        element.append(h('li', { class: 'order-none muted' }, 'Not sent to any analyzer: none took orders when it was received.'));
      else if (devices.length > 0) element.querySelector(':scope > li.order-none')?.remove();
      let at = 0;
      for (const d of devices) {
        const parts = lineParts(d, now, opts);
        let line = shown.get(d.device);
        if (!line) {
          line = { li: h('li', { 'data-device': d.device, 'data-state': d.state }), words: '' };
          shown.set(d.device, line);
        }
        if (line.words !== parts.words) {
          drawLine(line.li, d, parts, opts);
          line.li.dataset.state = d.state;
          line.words = parts.words;
        }
        // In the server's order; a line that is already in place is not moved (it may hold focus).
        if (element.children[at] !== line.li) element.insertBefore(line.li, element.children[at] ?? null);
        at++;
      }
      let folded = element.querySelector<HTMLLIElement>(':scope > li.order-not-for');
      if (summary === undefined) folded?.remove();
      else {
        folded ??= element.appendChild(h('li', { class: 'order-not-for muted' }));
        if (folded.textContent !== summary) folded.textContent = summary;
      }
    },
  };
}
