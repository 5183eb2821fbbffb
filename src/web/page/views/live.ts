// Live: readings as they arrive, newest first, with each patient's vitals as sparklines.
//
// Accessible names for end-to-end tests:
//   list    "Live readings"          one listitem per reading (at most 200)
//   region  "Vitals by patient"      one article per patient (heading "Family, Given (MRN X)"),
//                                    each vital an img whose name starts "<vital name>: latest <value>"
//   button  "Show tracing"           on EKG readings: opens a dialog "EKG tracing, <time>" with
//                                    images "Lead II, 10.0 s, ..." (rhythm strip) and 2.5 s leads; "Close"
//   status  text "Live updates: connected" (or "disconnected, reconnecting…", "connecting…")

import '../styles/live.css';
import type { DeviceView, ReadingView, SlimReading } from '../../api-types.ts';
import { get } from '../lib/api.ts';
import { vitalTile } from '../lib/chart.ts';
import { h, replace } from '../lib/dom.ts';
import { onConnection, onEvent } from '../lib/events.ts';
import { patientLabel, formatTime } from '../lib/reading-format.ts';
import { readingHead, slimReading, tracingButton, valueList } from '../lib/reading-row.ts';
import type { View } from '../lib/view.ts';
import { groupVitals } from '../lib/vitals.ts';

const MAX_ROWS = 200;
const MAX_PATIENTS = 12;

export const liveView: View = (root) => {
  const labels = new Map<string, string>();
  const readings = new Map<string, SlimReading>();
  const rows = new Map<string, { li: HTMLElement; body: HTMLElement }>();
  let alive = true;

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
        up ? 'connected' : up === false ? 'disconnected, reconnecting…' : 'connecting…',
      ),
    );
  };
  setConnected(undefined);

  const list = h('ul', { class: 'live-list', 'aria-label': 'Live readings', 'aria-live': 'off' });
  const empty = h('p', { class: 'muted' }, 'Loading readings…');
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
      h('section', { class: 'live-section', 'aria-labelledby': 'live-title' }, h('h2', { id: 'live-title' }, 'Readings'), empty, list),
    ),
  );

  const rowBody = (r: SlimReading) => h('div', { class: 'reading-body' }, readingHead(r, labels), valueList(r));

  const sortKey = (r: SlimReading) => Date.parse(r.reading.receivedAt) || Date.parse(r.reading.observedAt) || 0;

  /** Adds or updates one reading; `fresh` ones flash. */
  const upsert = (r: SlimReading, fresh: boolean) => {
    const id = r.reading.id;
    readings.set(id, r);
    const existing = rows.get(id);
    if (existing) {
      const body = rowBody(r);
      existing.body.replaceWith(body);
      existing.body = body;
      return;
    }
    const body = rowBody(r);
    const li = h('li', { class: `reading${fresh ? ' flash' : ''}`, 'data-reading-id': id }, body, tracingButton(r));
    rows.set(id, { li, body });
    // Newest first by arrival; an older reading arriving late goes where it belongs.
    const key = sortKey(r);
    const after = [...list.children].find((el) => {
      const other = readings.get((el as HTMLElement).dataset.readingId ?? '');
      return other !== undefined && sortKey(other) < key;
    });
    list.insertBefore(li, after ?? null);
    while (list.children.length > MAX_ROWS) {
      const last = list.lastElementChild as HTMLElement;
      const lastId = last.dataset.readingId ?? '';
      last.remove();
      rows.delete(lastId);
      readings.delete(lastId);
    }
    empty.hidden = true;
  };

  let vitalsPending = false;
  const drawVitals = () => {
    if (vitalsPending) return;
    vitalsPending = true;
    requestAnimationFrame(() => {
      vitalsPending = false;
      if (!alive) return;
      const groups = groupVitals([...readings.values()]).slice(0, MAX_PATIENTS);
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

  const events: SlimReading[] = [];
  let loaded = false;
  const offEvent = onEvent((e) => {
    if (e.type !== 'reading') return;
    setConnected(true);
    if (!loaded) {
      events.push(e.reading);
      return;
    }
    upsert(slimReading(e.reading), !rows.has(e.reading.reading.id));
    drawVitals();
  });
  const offConnection = onConnection((up) => setConnected(up));

  const load = async () => {
    try {
      const [devices, ...lists] = await Promise.all([
        get<{ devices: DeviceView[] }>('/api/devices').catch(() => ({ devices: [] as DeviceView[] })),
        ...(['held', 'queued', 'delivered'] as const).map((s) => get<{ readings: ReadingView[] }>(`/api/readings?status=${s}&limit=50`)),
      ]);
      if (!alive) return;
      for (const d of devices.devices) if (d.label) labels.set(d.id, d.label);
      const initial = lists.flatMap((l) => l.readings.map(slimReading)).sort((a, b) => sortKey(a) - sortKey(b));
      for (const r of initial) upsert(r, false);
    } catch (err) {
      loadError.hidden = false;
      loadError.textContent = `Could not load recent readings: ${err instanceof Error ? err.message : String(err)}`;
    }
    loaded = true;
    for (const r of events.splice(0)) upsert(slimReading(r), !rows.has(r.reading.id));
    if (!rows.size) empty.textContent = 'No readings yet. They appear here as devices send them.';
    drawVitals();
  };
  void load();

  return () => {
    alive = false;
    offEvent();
    offConnection();
  };
};
