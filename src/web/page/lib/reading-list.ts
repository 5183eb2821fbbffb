// The Live page's list of readings: one row per reading keyed by its id (lib/keyed-list.ts), newest
// first, with its state kept true by message events as well as reading events (a reading queued
// while the EHR was away turns "delivered" when its message is, without a reading event), and
// links to its messages.

import type { MessageView, ReadingView, SlimReading } from '../../api-types.ts';
import { nameMatches, nameWords } from '../../../model/search-text.ts';
import { h, replace } from './dom.ts';
import { keyedList, type KeyedList } from './keyed-list.ts';
import type { ListFilterValues } from './list-filters.ts';
import { messageStateBook } from './message-states.ts';
import { readingHead, slimReading, tracingButton, valueList } from './reading-row.ts';

/** What a reading's messages say its state is now; held and discarded readings have none that count. */
export function stateFromMessages(status: SlimReading['status'], states: Iterable<string>): SlimReading['status'] {
  if (status === 'held' || status === 'discarded') return status;
  const all = [...states];
  if (all.length === 0) return status;
  if (all.some((s) => s === 'dead')) return 'dead';
  if (all.every((s) => s === 'delivered')) return 'delivered';
  return 'queued';
}

/** Newest received first; of one instant, the later id first (ids grow with time). */
export function newerFirst(a: SlimReading, b: SlimReading): number {
  const ka = Date.parse(a.reading.receivedAt) || 0;
  const kb = Date.parse(b.reading.receivedAt) || 0;
  if (ka !== kb) return kb - ka;
  return a.reading.id < b.reading.id ? 1 : a.reading.id > b.reading.id ? -1 : 0;
}

/** Whether a reading the server told of belongs in the list the filters ask for (a search as the server reads it). */
export function readingFits(r: SlimReading, f: ListFilterValues): boolean {
  if (f.state && r.status !== f.state) return false;
  if (f.device && r.reading.deviceId !== f.device) return false;
  if (f.patient && r.patient?.mrn !== f.patient) return false;
  if (!f.q) return true;
  if (r.reading.id === f.q || (r.messageIds ?? []).includes(f.q) || r.patient?.mrn === f.q) return true;
  return nameMatches(r.patient ?? r.reading.subject, nameWords(f.q));
}

function messageLinks(r: SlimReading): HTMLElement {
  const ids = r.messageIds ?? [];
  return h(
    'p',
    { class: 'reading-links' },
    ids.map((id) => h('a', { href: `#/messages?id=${encodeURIComponent(id)}` }, 'Message ', h('span', { class: 'mono' }, id))),
  );
}

export interface ReadingList {
  list: KeyedList<SlimReading>;
  /** A page from GET /api/readings: its readings and their messages' states. */
  take(readings: readonly ReadingView[]): SlimReading[];
  /** A message moved: its reading's row follows; returns the reading as it is now, when shown. */
  noteMessage(m: MessageView): SlimReading | undefined;
  destroy(): void;
}

export function readingList(opts: {
  container: HTMLElement;
  labels: Map<string, string>;
  max: () => number;
  /** Rows dropped from the end (newest first) to stay within `max`. */
  onTrim?: (dropped: SlimReading[]) => void;
}): ReadingList {
  // Kept for the rows shown and the latest others (the list is made below; shown() runs later).
  const states = messageStateBook((id) => list.get(id) !== undefined);
  const body = (r: SlimReading) => h('div', { class: 'reading-body' }, readingHead(r, opts.labels), valueList(r));
  const list = keyedList<SlimReading>({
    container: opts.container,
    key: (r) => r.reading.id,
    order: newerFirst,
    render: (r) => h('li', { class: 'reading', 'data-reading-id': r.reading.id }, body(r), messageLinks(r), tracingButton(r)),
    // The body has nothing to focus and is drawn again; the links only when the messages changed.
    update: (li, r, before) => {
      li.firstElementChild?.replaceWith(body(r));
      const links = li.querySelector('.reading-links');
      if (links && (r.messageIds ?? []).join() !== (before.messageIds ?? []).join()) replace(links as HTMLElement, ...messageLinks(r).childNodes);
    },
    get max() {
      return opts.max();
    },
    onTrim: (_lastKept, dropped) => opts.onTrim?.(dropped),
  });

  const withState = (r: SlimReading): SlimReading => {
    const known = states.get(r.reading.id);
    return known ? { ...r, status: stateFromMessages(r.status, known.values()) } : r;
  };

  return {
    list,
    take(readings) {
      return readings.map((v) => {
        states.set(v.reading.id, new Map(v.messages.map((m) => [m.id, m.state])));
        return slimReading(v);
      });
    },
    noteMessage(m) {
      states.note(m.readingId, m.id, m.state);
      const shown = list.get(m.readingId);
      if (!shown) return undefined;
      const ids = shown.messageIds ?? [];
      const next = withState({ ...shown, messageIds: ids.includes(m.id) ? ids : [...ids, m.id] });
      if (next.status === shown.status && next.messageIds === ids) return shown;
      list.upsert(next);
      return next;
    },
    destroy: () => list.destroy(),
  };
}
