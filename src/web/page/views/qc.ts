// Quality control: the analyzers' control results, kept apart from every patient list. On top the
// QC rejections (unreviewed first) with Review; then the chosen series as a Levey-Jennings chart
// (lib/qc-chart.ts) with the same results as a table; then every series (device, test, control
// lot) with its last result and target.
// Deep link: #/qc?device=ID&test=CODE&lot=LOT (the series shown), #/qc?rejection=ID (the status
// strip's link: that rejection's series, the rejection marked), #/qc?device=ID (its failed series).
//
// The page fetches again shortly after a `qc` event (a result logged, a rejection raised or
// reviewed) or a `reading` event that moves a rejection's count of held results (held for QC, or
// let out while one holds results of its test; not every patient result), after a reconnect, and
// now and then while shown. A redraw gives focus back to the same control (data-focus), or the
// chart's same result.
//
// Accessible names for end-to-end tests: list "QC rejections" and table "QC series"
// (lib/qc-lists.ts), group "Levey-Jennings chart of <series>" (lib/qc-chart.ts), button "Refresh".

import '../styles/qc.css';
import { errorText } from '../../../model/error-text.ts';
import type { QcEntryView, QcOverview, QcPage, QcRejectionView } from '../../../qc/qc-view.ts';
import { get } from '../lib/api.ts';
import { h, replace } from '../lib/dom.ts';
import { onEvent, onReconnect } from '../lib/events.ts';
import { latestOnly } from '../lib/latest-only.ts';
import { ljChart, type LjChart, resultsTable } from '../lib/qc-chart.ts';
import { rejectionList, seriesTable } from '../lib/qc-lists.ts';
import { reviewDialog } from '../lib/qc-review.ts';
import { seriesFromParams, seriesOrder } from '../lib/qc-series.ts';
import { movesHeldCount } from '../lib/qc-when.ts';
import { deviceName, type SeriesRef, sameSeries, seriesTitle, targetWords } from '../lib/qc-words.ts';
import { refreshStatus } from '../lib/status-feed.ts';
import { throttle } from '../lib/throttle.ts';
import type { View } from '../lib/view.ts';

/** Results on the chart: about a month of daily runs, two levels, with room. */
const CHART_LIMIT = 100;
const POLL_MS = 30_000;

export const qcView: View = (root, ctx) => {
  let alive = true;
  let overview: QcOverview = { series: [], rejections: [], reviewRole: 'admin' };
  let selected: SeriesRef | undefined;
  let entries: QcEntryView[] = [];
  let chart: LjChart | undefined;
  let highlight = ctx.params.get('rejection') ?? undefined;
  let firstLoad = true;

  const status = h('p', { class: 'muted list-status', role: 'status' });
  const loading = () => h('p', { class: 'muted' }, 'Loading\u2026');
  const rejections = h(
    'section',
    { class: 'card qc-rejections-card', 'aria-labelledby': 'qc-rej-title' },
    h('h2', { id: 'qc-rej-title' }, 'QC rejections'),
    loading(),
  );
  const seriesBox = h('div', {}, loading());
  const chartBox = h('section', { class: 'card qc-chart-card', 'aria-labelledby': 'qc-chart-title', tabindex: -1 }, h('h2', { id: 'qc-chart-title' }, 'Chart'));

  replace(
    root,
    h('div', { class: 'toolbar' }, h('h1', {}, 'Quality control'), h('button', { type: 'button', onclick: () => void loadAll() }, 'Refresh')),
    h('p', { class: 'muted' }, "The analyzers' control results, judged by the Westgard rules against each lot's target. They never go to a patient's chart."),
    status,
    rejections,
    // The chart (of the failed series first) before the list: what the lab lead looks at each morning.
    chartBox,
    h('section', { class: 'card', 'aria-labelledby': 'qc-series-title' }, h('h2', { id: 'qc-series-title' }, 'Series'), seriesBox),
  );

  /** Keeps the hash a deep link to the series shown, without remounting the page. */
  const syncHash = () => {
    const q = new URLSearchParams();
    if (selected) {
      q.set('device', selected.device);
      q.set('test', selected.test);
      q.set('lot', selected.lot);
    }
    if (highlight) q.set('rejection', highlight);
    const s = q.toString();
    history.replaceState(null, '', `#/qc${s ? `?${s}` : ''}`);
  };

  /** Redraws `box` only when what it shows changed, giving focus back to the same control. */
  const drawn = new WeakMap<Element, string>();
  const redraw = (box: HTMLElement, key: string, draw: () => Node[]) => {
    if (drawn.get(box) === key) return;
    drawn.set(box, key);
    const focused = document.activeElement;
    const focusKey = focused instanceof Element && box.contains(focused) ? focused.getAttribute('data-focus') : null;
    replace(box, ...draw());
    if (focusKey) box.querySelector<HTMLElement>(`[data-focus="${CSS.escape(focusKey)}"]`)?.focus();
  };

  const mayReview = (o: QcOverview) => o.reviewRole === 'staff' || ctx.session.user.role === 'admin';

  const actions = {
    review: (r: QcRejectionView) =>
      reviewDialog(
        r,
        async () => {
          // The strip's item and the navigation's count go with it.
          void refreshStatus();
          await loadAll();
          // Its Review button is gone: the keyboard goes on from the reviewed rejection.
          if (alive && !root.contains(document.activeElement)) root.querySelector<HTMLElement>(`[data-focus="${CSS.escape(`show:${r.id}`)}"]`)?.focus();
        },
        () => void loadAll(),
      ),
    show: (s: SeriesRef) => {
      highlight = 'id' in s && typeof s.id === 'string' ? s.id : undefined;
      void choose({ device: s.device, test: s.test, lot: s.lot }, true);
    },
  };

  const drawLists = () => {
    const now = new Date();
    const list = [...overview.series].sort(seriesOrder);
    const open = overview.rejections.filter((r) => !r.review).length;
    redraw(rejections, JSON.stringify([overview.rejections, highlight, now.getMinutes()]), () => [
      h('h2', { id: 'qc-rej-title' }, open > 0 ? `QC rejections (${open} not reviewed)` : 'QC rejections'),
      // A role that may not review is told who may, not handed a dialog that ends in a refusal.
      rejectionList(overview.rejections, now, mayReview(overview) ? actions : { show: actions.show }, highlight),
    ]);
    redraw(seriesBox, JSON.stringify([list, overview.rejections, selected, now.getMinutes()]), () => [
      seriesTable(list, overview.rejections, now, selected, actions),
    ]);
  };

  const infoOf = (s: SeriesRef) => overview.series.find((x) => sameSeries(x, s));
  /** "GLU Glucose, lot QC-GLU-1, level 1 on Chemistry": names the chart's section, its results or not. */
  const chartHeading = (s: SeriesRef) => {
    const info = infoOf(s);
    return h('h2', { id: 'qc-chart-title', tabindex: -1 }, `${seriesTitle(info ?? s)} on ${info ? deviceName(info) : s.device}`);
  };

  const drawChart = () => {
    const s = selected;
    if (!s) {
      redraw(chartBox, 'none', () => [
        h('h2', { id: 'qc-chart-title' }, 'Chart'),
        h('p', { class: 'muted' }, 'Choose a series below to see its Levey-Jennings chart.'),
      ]);
      return;
    }
    const info = infoOf(s);
    const title = info ? seriesTitle(info) : seriesTitle(s);
    const target = info?.target ?? entries.find((e) => e.target)?.target;
    const focusedPoint = chartBox.contains(document.activeElement) ? document.activeElement?.getAttribute('data-entry') : null;
    redraw(chartBox, JSON.stringify([s, info, entries]), () => {
      chart = ljChart(entries, target, title);
      return [
        chartHeading(s),
        h('p', { class: 'muted' }, targetWords(target, info?.establishing)),
        chart.element,
        h('h3', {}, 'Results'),
        entries.length > 0 ? resultsTable(entries, title) : h('p', { class: 'muted' }, 'No results.'),
      ];
    });
    if (focusedPoint && !chartBox.contains(document.activeElement)) chart?.focusEntry(focusedPoint);
  };

  const say = (text: string) => {
    if (status.textContent !== text) status.textContent = text;
  };

  const overviews = latestOnly();
  async function loadOverview(): Promise<void> {
    await overviews.run(
      () => get<QcOverview>('/api/qc/overview'),
      (o) => {
        overview = o;
        if (firstLoad) {
          firstLoad = false;
          selected = seriesFromParams(ctx.params, o);
          syncHash();
        } else if (!selected) {
          const first = [...o.series].sort(seriesOrder)[0];
          selected = first && { device: first.device, test: first.test, lot: first.lot };
          if (selected) syncHash();
        }
        say('');
        drawLists();
      },
      (err) => say(`Could not load the QC results: ${errorText(err)}`),
    );
  }

  const pages = latestOnly();
  async function loadEntries(): Promise<void> {
    const s = selected;
    if (!s) {
      drawChart();
      return;
    }
    const q = new URLSearchParams({ device: s.device, test: s.test, lot: s.lot, limit: String(CHART_LIMIT) });
    await pages.run(
      () => get<QcPage>(`/api/qc?${q}`),
      (page) => {
        if (selected && !sameSeries(selected, s)) return;
        entries = page.entries;
        drawChart();
      },
      (err) => {
        // Drawn anew once the results load again; the heading stays, the section is named by it.
        drawn.delete(chartBox);
        replace(chartBox, chartHeading(s), h('p', { class: 'error', role: 'alert' }, `Could not load the results: ${errorText(err)}`));
      },
    );
  }

  async function choose(s: SeriesRef, focus: boolean): Promise<void> {
    const changed = !selected || !sameSeries(selected, s);
    selected = s;
    if (changed) entries = [];
    syncHash();
    drawLists();
    await loadEntries();
    if (focus && alive) chartBox.querySelector<HTMLElement>('#qc-chart-title')?.focus();
  }

  async function loadAll(): Promise<void> {
    await loadOverview();
    await loadEntries();
  }

  void loadAll();

  const soon = throttle(() => void loadAll(), 500);
  const offEvent = onEvent((e) => {
    if (e.type === 'qc') soon();
    else if (e.type === 'config' && e.what === 'device') soon();
    // An analyzer's result held for its failed QC, or released or discarded: a rejection's count of held results moves.
    else if (e.type === 'reading' && movesHeldCount(e.reading, overview.rejections)) soon();
  });
  const offReconnect = onReconnect(() => void loadAll());
  const poll = setInterval(() => {
    if (document.visibilityState === 'visible') void loadAll();
  }, POLL_MS);

  return () => {
    alive = false;
    clearInterval(poll);
    soon.cancel();
    overviews.cancel();
    pages.cancel();
    offEvent();
    offReconnect();
  };
};
