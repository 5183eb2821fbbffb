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
import type { DeviceView, ListPageInfo, ReadingsPage, SearchMatch, SlimReading } from '../../api-types.ts';
import { errorText } from '../../../model/error-text.ts';
import { get } from '../lib/api.ts';
import { vitalTile } from '../lib/chart.ts';
import { h, replace } from '../lib/dom.ts';
import { onConnection, onEvent, onReconnect } from '../lib/events.ts';
import { latestOnly } from '../lib/latest-only.ts';
import { filterQuery, filtersFromParams, listFilters } from '../lib/list-filters.ts';
import { listFooter } from '../lib/list-footer.ts';
import { patientLabel, formatTime } from '../lib/reading-format.ts';
import { newerFirst, readingFits, readingList } from '../lib/reading-list.ts';
import { cursorsAfterTrim, mergeStatusPages, type RowPlace } from '../lib/status-pages.ts';
import type { View } from '../lib/view.ts';
import { groupVitals } from '../lib/vitals.ts';

const PAGE = 50;
const MAX_ROWS = 200;
const MAX_PATIENTS = 12;
/** The most exact way of matching first. */
const MATCH_ORDER: readonly SearchMatch[] = ['reading', 'control-id', 'mrn', 'name'];
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

/** The state as an adjective, for "No held readings from this device." */
const STATE_WORDS: Record<string, string> = { held: 'held', queued: 'queued', delivered: 'delivered', dead: 'undelivered', discarded: 'discarded' };

export const liveView: View = (root, ctx) => {
  const labels = new Map<string, string>();
  let alive = true;
  let maxRows = MAX_ROWS;
  /** Where each status's next page starts (absent: no more). */
  let next = new Map<string, string>();
  /** "All states": read but not shown yet, how far each status was read, which to page next (lib/status-pages.ts). */
  let held: SlimReading[] = [];
  let oldest = new Map<string, SlimReading>();
  let nextFrom: string[] = [];
  /** Where each row read from a page stands in its status's list: the cursor back to it once trimmed. */
  const places = new Map<string, RowPlace>();
  /** What the footer said last. */
  let shownInfo: ListPageInfo | undefined;

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
  const footer = listFooter({
    noun: ['reading', 'readings'],
    older: () => loadOlder(),
    list: listEl,
    empty: () => ({
      filters: filters.values(),
      stateWord: STATE_WORDS[filters.values().state],
      empty: 'No readings yet. They appear here as devices send them.',
    }),
  });
  const readings = readingList({ container: listEl, labels, max: () => maxRows, onTrim: (dropped) => trimmed(dropped) });
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
        replace(vitals, h('p', { class: 'muted' }, filters.active() ? 'No reading shown has a patient.' : 'No readings with a patient yet.'));
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

  /** The pages of the statuses asked, merged with what was read before unless `first`. */
  const applied = (pages: ReadingsPage[], first: boolean) => {
    const merged = mergeStatusPages(
      pages.map((p) => ({ status: p.status, items: readings.take(p.readings), more: p.more && p.next !== undefined })),
      first ? [] : held,
      first ? new Map() : oldest,
      newerFirst,
    );
    ({ held, oldest, nextFrom } = merged);
    if (first) places.clear();
    for (const p of pages) {
      for (const r of p.readings) places.set(r.reading.id, { status: p.status, time: r.archivedAt ?? r.reading.receivedAt, id: r.reading.id });
    }
    const cursors = first ? new Map<string, string>() : new Map(next);
    for (const p of pages) {
      if (p.more && p.next) cursors.set(p.status, p.next);
      else cursors.delete(p.status);
    }
    next = cursors;
    // Statuses may be searched differently (an MRN known in one only): the most exact says how.
    const match = MATCH_ORDER.find((m) => pages.some((p) => p.match === m));
    const info = { more: next.size > 0, match, scanned: pages.find((p) => p.scanned)?.scanned };
    shownInfo = info;
    return { found: merged.show, info };
  };

  /** New readings pushed rows read from pages off the end: their statuses page again from where the list now ends. */
  function trimmed(dropped: SlimReading[]): void {
    const placeOf = (r: SlimReading) => places.get(r.reading.id);
    const lost = dropped.flatMap((r) => placeOf(r) ?? []);
    if (lost.length === 0) return;
    const kept = readings.list.items();
    next = cursorsAfterTrim(
      next,
      kept.flatMap((r) => placeOf(r) ?? []),
      lost,
    );
    for (const status of new Set(lost.map((p) => p.status))) {
      const of = (r: SlimReading) => placeOf(r)?.status === status;
      const reached = kept.filter(of).at(-1) ?? dropped.find(of);
      if (reached) oldest.set(status, reached);
    }
    for (const r of dropped) places.delete(r.reading.id);
    nextFrom = mergeStatusPages([], [], oldest, newerFirst).nextFrom;
    // The status line is a live region: touched only when "Show older" appears.
    if (shownInfo && !shownInfo.more) {
      shownInfo = { ...shownInfo, more: true };
      footer.showPage(readings.list.size, shownInfo);
    }
  }

  /** Events that came while the first page loaded are applied after it. */
  let loaded = false;
  const early: SlimReading[] = [];
  const lists = latestOnly();
  const load = async () => {
    footer.loading('Loading readings\u2026');
    maxRows = MAX_ROWS;
    const since = readings.list.clock();
    await lists.run(
      () => fetchPages(),
      (pages) => {
        const { found, info } = applied(pages, true);
        // A reading an event added while the pages were on their way, newer than them, stays.
        readings.list.set(found, since);
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
    // A status with more but nothing read yet (a name search that read its newest without a find) goes on too.
    const from = new Map([...next].filter(([status]) => nextFrom.includes(status) || !oldest.has(status)));
    await lists.run(
      () => fetchPages(from),
      (pages) => {
        const { found, info } = applied(pages, false);
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
  // Events missed while the gateway did not answer: the first page again, as at opening.
  const offReconnect = onReconnect(() => {
    if (loaded) void load();
  });

  void (async () => {
    const devices = get<{ devices: DeviceView[] }>('/api/devices').catch(() => ({ devices: [] as DeviceView[] }));
    const d = await devices;
    if (!alive) return;
    for (const x of d.devices) if (x.label) labels.set(x.id, x.label);
    filters.setDevices(d.devices);
    await load();
  })();

  return () => {
    alive = false;
    lists.cancel();
    filters.destroy();
    readings.destroy();
    offEvent();
    offConnection();
    offReconnect();
  };
};
