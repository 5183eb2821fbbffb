// Live: readings as they arrive, newest first, each with its state kept true by message events
// and links to its messages (lib/reading-list.ts); filtered by device, patient and state or
// searched (reading ID, control ID, MRN, name), older pages on demand; each patient's vitals as
// sparklines. Deep link: #/live?q=READING_ID (also device, patient, state).
//
// Accessible names for end-to-end tests:
//   list    "Live readings"          one listitem per reading; links "Message <control ID>"
//   group   "Filter readings": searchbox "Search readings", combobox "Filter by device", textbox
//           "Filter by patient MRN", combobox "Filter by state"; button "Show older"
//   region  "Vitals by patient"      one article per patient (heading "Family, Given (MRN X)"),
//                                    each vital an img whose name starts "<vital name>: latest <value>"
//   button  "Show tracing"           on EKG readings: opens a dialog "EKG tracing, <time>" with
//                                    images "Lead II, 10.0 s, ..." (rhythm strip) and 2.5 s leads; "Close"
//   status  text "Live updates: connected" (or "disconnected, reconnecting…", "connecting…")

import '../styles/live.css';
import type { DeviceView, ReadingsPage, SlimReading } from '../../api-types.ts';
import { errorText } from '../../../model/error-text.ts';
import { get } from '../lib/api.ts';
import { vitalTile } from '../lib/chart.ts';
import { h, replace } from '../lib/dom.ts';
import { onConnection, onEvent } from '../lib/events.ts';
import { latestOnly } from '../lib/latest-only.ts';
import { filterQuery, filtersFromParams, listFilters } from '../lib/list-filters.ts';
import { listFooter } from '../lib/list-footer.ts';
import { patientLabel, formatTime } from '../lib/reading-format.ts';
import { readingFits, readingList } from '../lib/reading-list.ts';
import type { View } from '../lib/view.ts';
import { groupVitals } from '../lib/vitals.ts';

const PAGE = 50;
const MAX_ROWS = 200;
const MAX_PATIENTS = 12;
/** What "All states" shows: what is waiting and what went (discarded ones only when asked for). */
const ALL = ['held', 'queued', 'dead', 'delivered'] as const;
const STATES = [
  { value: '', label: 'All states' },
  { value: 'held', label: 'Held' },
  { value: 'queued', label: 'Queued' },
  { value: 'delivered', label: 'Delivered' },
  { value: 'dead', label: 'Not delivered' },
  { value: 'discarded', label: 'Discarded' },
];

export const liveView: View = (root, ctx) => {
  const labels = new Map<string, string>();
  let alive = true;
  let maxRows = MAX_ROWS;
  /** Where each status's next page starts (absent: no more). */
  let next = new Map<string, string>();

  const connection = h('p', { class: 'connection', role: 'status' });
  let state: boolean | undefined | null = null;
  const setConnected = (up: boolean | undefined) => {
    // A status region is read out on every change: only touch it when the state changes.
    if (up === state) return;
    state = up;
    connection.className = `connection ${up === undefined ? '' : up ? 'up' : 'down'}`;
    replace(
      connection,
      'Live updates: ',
      h(
        'span',
        { class: `badge ${up ? 'up' : up === false ? 'down' : 'queued'}` },
        up ? 'connected' : up === false ? 'disconnected, reconnecting\u2026' : 'connecting\u2026',
      ),
    );
  };
  setConnected(undefined);

  const filters = listFilters({
    id: 'live-filter',
    label: 'Filter readings',
    searchLabel: 'Search readings',
    states: STATES,
    initial: filtersFromParams(ctx.params),
    onChange: () => {
      syncHash();
      void load();
    },
  });
  const listEl = h('ul', { class: 'live-list', 'aria-label': 'Live readings', 'aria-live': 'off' });
  const footer = listFooter({ noun: ['reading', 'readings'], older: () => void loadOlder() });
  const readings = readingList({ container: listEl, labels, max: () => maxRows });
  const vitals = h('div', { class: 'vitals-grid' });
  const loadError = h('p', { class: 'error', role: 'alert', hidden: true });

  replace(
    root,
    h('div', { class: 'page-head' }, h('h1', {}, 'Live'), connection),
    loadError,
    h(
      'div',
      { class: 'live-layout' },
      h('section', { class: 'vitals-section', 'aria-labelledby': 'vitals-title' }, h('h2', { id: 'vitals-title' }, 'Vitals by patient'), vitals),
      h(
        'section',
        { class: 'live-section', 'aria-labelledby': 'live-title' },
        h('h2', { id: 'live-title' }, 'Readings'),
        filters.element,
        footer.head,
        listEl,
        footer.foot,
      ),
    ),
  );

  const syncHash = () => {
    const s = filterQuery(filters.values(), 'state').toString();
    history.replaceState(null, '', `#/live${s ? `?${s}` : ''}`);
  };

  let vitalsPending = false;
  const drawVitals = () => {
    if (vitalsPending) return;
    vitalsPending = true;
    requestAnimationFrame(() => {
      vitalsPending = false;
      if (!alive) return;
      const groups = groupVitals(readings.list.items()).slice(0, MAX_PATIENTS);
      if (!groups.length) {
        replace(vitals, h('p', { class: 'muted' }, 'No readings with a patient yet.'));
        return;
      }
      replace(
        vitals,
        groups.map((g) =>
          h(
            'article',
            { class: 'card patient-vitals', 'aria-label': patientLabel(g.patient) },
            h('h3', {}, patientLabel(g.patient)),
            h('p', { class: 'hint' }, `Last reading ${formatTime(g.lastAt)}`),
            h('div', { class: 'vital-tiles' }, g.series.map(vitalTile)),
          ),
        ),
      );
    });
  };

  const statuses = () => {
    const s = filters.values().state;
    return s ? [s] : [...ALL];
  };

  /** One page of each status asked for (from `from`, a status's next page), merged. */
  const fetchPages = (from?: Map<string, string>) => {
    const base = filterQuery(filters.values(), null);
    base.set('limit', String(PAGE));
    const wanted = from ? [...from.keys()] : statuses();
    return Promise.all(
      wanted.map((status) => {
        const q = new URLSearchParams(base);
        q.set('status', status);
        const before = from?.get(status);
        if (before) q.set('before', before);
        return get<ReadingsPage>(`/api/readings?${q}`);
      }),
    );
  };

  const applied = (pages: ReadingsPage[]) => {
    const found = pages.flatMap((p) => readings.take(p.readings));
    next = new Map(pages.flatMap((p) => (p.more && p.next ? [[p.status, p.next] as [string, string]] : [])));
    const info = { more: next.size > 0, match: pages.find((p) => p.match)?.match, scanned: pages.find((p) => p.scanned)?.scanned };
    return { found, info };
  };

  /** Events that came while the first page loaded are applied after it. */
  let loaded = false;
  const early: SlimReading[] = [];
  const lists = latestOnly();
  const load = async () => {
    footer.loading('Loading readings\u2026');
    maxRows = MAX_ROWS;
    await lists.run(
      () => fetchPages(),
      (pages) => {
        const { found, info } = applied(pages);
        readings.list.set(found);
        maxRows = Math.max(MAX_ROWS, readings.list.size);
        loadError.hidden = true;
        footer.showPage(readings.list.size, info);
      },
      (err) => {
        loadError.hidden = false;
        loadError.textContent = `Could not load recent readings: ${errorText(err)}`;
        footer.showPage(readings.list.size, undefined);
      },
    );
    loaded = true;
    for (const r of early.splice(0)) if (readingFits(r, filters.values())) readings.list.upsert(r);
    drawVitals();
  };

  const loadOlder = async () => {
    if (next.size === 0) return;
    footer.loading('Loading older readings\u2026');
    const from = next;
    await lists.run(
      () => fetchPages(from),
      (pages) => {
        const { found, info } = applied(pages);
        maxRows = readings.list.size + found.length;
        readings.list.append(found);
        footer.showPage(readings.list.size, info);
        drawVitals();
      },
      (err) => footer.loading(`Could not load older readings: ${errorText(err)}`),
    );
  };

  const offEvent = onEvent((e) => {
    if (e.type === 'message') {
      const now = readings.noteMessage(e.message);
      if (now && !readingFits(now, filters.values())) readings.list.remove(now.reading.id);
      return;
    }
    if (e.type !== 'reading') return;
    setConnected(true);
    if (!loaded) {
      early.push(e.reading);
      return;
    }
    const id = e.reading.reading.id;
    if (readingFits(e.reading, filters.values())) {
      const fresh = readings.list.get(id) === undefined;
      readings.list.upsert(e.reading);
      // A reading new to the list flashes once (styles/live.css).
      if (fresh) listEl.querySelector(`li[data-reading-id="${CSS.escape(id)}"]`)?.classList.add('flash');
    } else readings.list.remove(id);
    drawVitals();
  });
  const offConnection = onConnection((up) => setConnected(up));

  void (async () => {
    const devices = get<{ devices: DeviceView[] }>('/api/devices').catch(() => ({ devices: [] as DeviceView[] }));
    const d = await devices;
    if (!alive) return;
    for (const x of d.devices) if (x.label) labels.set(x.id, x.label);
    filters.setDevices(d.devices);
    await load();
    if (!readings.list.size && !filters.active()) footer.loading('No readings yet. They appear here as devices send them.');
  })();

  return () => {
    alive = false;
    lists.cancel();
    filters.destroy();
    readings.destroy();
    offEvent();
    offConnection();
  };
};
