// The Patients page's held readings: filtered by device and patient or searched (reading ID,
// control ID, MRN, name), older pages on demand, each reading once with why it is held (each
// reason once, not also as a status badge) and what a person can do (lib/held-dialogs.ts). Rows
// change in place (lib/keyed-list.ts): a keyboard user keeps their place as readings come and go.
//
// Accessible names: region "Held readings" with group "Filter held readings" (searchbox "Search
// held readings", combobox "Filter by device", textbox "Filter by patient MRN"), list "Held
// readings": per reading list "Why it is held", buttons "Assign" (no patient yet, or a patient
// hold) or "Release" (it has its patient), and "Discard"; button "Show older".

import type { DeviceView, ReadingsPage, SlimReading, StatusView } from '../../api-types.ts';
import { get } from './api.ts';
import { h } from './dom.ts';
import { onEvent, onReconnect } from './events.ts';
import { discardDialog, settleDialog, type HeldContext } from './held-dialogs.ts';
import { heldCountText, heldTotal } from './held-count.ts';
import { needsPatient, reasonParts, uniqueReasons } from './hold-reasons.ts';
import { keyedList } from './keyed-list.ts';
import { filterQuery, listFilters } from './list-filters.ts';
import { listFooter } from './list-footer.ts';
import { pagedList } from './paged-list.ts';
import { throttle } from './throttle.ts';
import { newerFirst, readingFits } from './reading-list.ts';
import { patientLabel } from './reading-format.ts';
import { deviceName, readingTime, slimReading, valueList } from './reading-row.ts';

const PAGE = 100;

/** When, which device, and the patient when it has one: "held" and "no patient" are said by the reasons below. */
function heldHead(r: SlimReading, labels: Map<string, string>): HTMLElement {
  const patient = r.patient ?? r.reading.subject;
  return h(
    'div',
    { class: 'reading-head' },
    readingTime(r),
    h('span', { class: 'reading-device' }, deviceName(r.reading.deviceId, labels)),
    patient ? h('span', { class: 'reading-patient' }, h('span', { class: 'patient-name' }, patientLabel(patient))) : null,
  );
}

function reasonList(r: SlimReading): HTMLElement {
  return h(
    'ul',
    { class: 'hold-list', 'aria-label': 'Why it is held' },
    uniqueReasons(r.holdReasons).map((reason) => {
      const { badge, text } = reasonParts(reason);
      return h('li', { 'data-kind': reason.kind }, h('span', { class: 'badge held' }, badge), ' ', text);
    }),
  );
}

export interface HeldReadings {
  element: HTMLElement;
  setDevices(devices: readonly DeviceView[]): void;
  destroy(): void;
}

export function heldReadings(opts: { labels: Map<string, string>; initialQuery?: string }): HeldReadings {
  let alive = true;
  const ctx: HeldContext = { labels: opts.labels, done: () => void load() };

  const actions = (r: SlimReading) =>
    h(
      'div',
      { class: 'actions' },
      needsPatient(r)
        ? h('button', { type: 'button', class: 'primary', onclick: () => settleDialog(r, true, ctx) }, 'Assign')
        : h('button', { type: 'button', class: 'primary', onclick: () => settleDialog(r, false, ctx) }, 'Release'),
      h('button', { type: 'button', class: 'danger', onclick: () => discardDialog(r, ctx) }, 'Discard'),
    );
  const what = (r: SlimReading) => h('div', { class: 'held-what' }, heldHead(r, opts.labels), reasonList(r), valueList(r));

  const listEl = h('ul', { class: 'held-list', 'aria-label': 'Held readings' });
  const count = h('span', { class: 'badge held' }, '\u2026');
  const footer = listFooter({
    noun: ['held reading', 'held readings'],
    older: () => pages.older(),
    list: listEl,
    empty: () => ({ filters: filters.values(), empty: 'No held readings: every reading found its patient.' }),
  });
  const list = keyedList<SlimReading>({
    container: listEl,
    key: (r) => r.reading.id,
    order: newerFirst,
    render: (r) => h('li', { class: 'card held-reading', 'data-reading-id': r.reading.id }, what(r), actions(r)),
    // What it shows is drawn again; its buttons (what may have focus) only when they change.
    update: (li, r, before) => {
      li.firstElementChild?.replaceWith(what(r));
      if (needsPatient(r) !== needsPatient(before)) li.lastElementChild?.replaceWith(actions(r));
    },
  });

  const filters = listFilters({
    id: 'held-filter',
    label: 'Filter held readings',
    searchLabel: 'Search held readings',
    initial: { q: opts.initialQuery ?? '' },
    onChange: () => void load(),
  });

  /** All held readings, from GET /api/status; undefined until it answers. */
  let total: number | undefined;
  const showCount = (more: boolean) => {
    count.textContent = heldCountText(list.size, more, total, filters.active());
  };
  const fetchTotal = () =>
    void get<StatusView>('/api/status').then(
      (s) => {
        if (!alive) return;
        total = heldTotal(s);
        showCount(pages.hasMore());
      },
      () => undefined,
    );
  const refreshTotal = throttle(fetchTotal, 1000);

  const query = (before?: string) => {
    const q = filterQuery(filters.values(), null);
    q.set('status', 'held');
    q.set('limit', String(PAGE));
    if (before) q.set('before', before);
    return `/api/readings?${q}`;
  };

  const pages = pagedList({
    fetch: (before) => get<ReadingsPage>(query(before)),
    items: (page) => page.readings.map(slimReading),
    list,
    footer,
    noun: 'held readings',
    onPage: (page) => showCount(page.more),
  });
  const load = () => {
    fetchTotal();
    return pages.load();
  };

  const element = h(
    'section',
    { class: 'held', 'aria-labelledby': 'held-title' },
    h('div', { class: 'toolbar' }, h('h2', { id: 'held-title' }, 'Held readings'), count),
    h(
      'p',
      { class: 'hint' },
      'Readings wait here when the gateway could not tell whose they are, when a value or a code looks wrong, or when it could not send them.',
    ),
    filters.element,
    footer.head,
    listEl,
    footer.foot,
  );
  void load();

  // A reading event says where a reading stands now: held ones are added or updated in place, others leave.
  const offEvent = onEvent((e) => {
    if (!alive || e.type !== 'reading') return;
    const r = e.reading;
    if (r.status === 'held' && readingFits(r, filters.values())) list.upsert(r);
    else list.remove(r.reading.id);
    showCount(pages.hasMore());
    refreshTotal();
  });

  // Readings held or released while the gateway did not answer: the first page again.
  const offReconnect = onReconnect(() => {
    if (alive) void load();
  });

  return {
    element,
    setDevices(devices) {
      filters.setDevices(devices);
      // The labels came with the devices: rows drawn before them showed bare ids.
      for (const r of list.items()) list.upsert(r);
    },
    destroy() {
      alive = false;
      offReconnect();
      refreshTotal.cancel();
      pages.cancel();
      filters.destroy();
      list.destroy();
      offEvent();
    },
  };
}
