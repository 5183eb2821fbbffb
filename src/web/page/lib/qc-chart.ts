// A Levey-Jennings chart as SVG drawn by the page itself (geometry in qc-chart-math.ts): the mean
// and ±1/2/3 SD lines labelled, the results joined in time order, a warning (1-2s) as an amber
// triangle and a rejection as a red diamond, each with the rules it broke written beside it. The
// chart is one stop for the keyboard: the arrow keys, Home and End move along the results, and the
// result under the pointer or focus is told below the chart. A table of the same results follows
// for exact values and screen readers.
//
// Accessible names: group "Levey-Jennings chart of <series>"; each result an image named by its
// time, value, SDs and rules; list "Chart legend"; table "Results of <series>".

import type { QcEntryView } from '../../../qc/qc-view.ts';
import { h, svg } from './dom.ts';
import { LJ_SIZE, type LjGeometry, type LjMark, type LjPoint, type LjTarget, ljGeometry } from './qc-chart-math.ts';
import { timeText } from './device-words.ts';
import { pointWords, rejectionsFirst, rulesText, sdText, STATUS_BADGE, STATUS_WORDS, valueText } from './qc-words.ts';

type Point = LjPoint<QcEntryView>;

const HOUR = 3600_000;
/** A tick's time: the time of day within a day, with the date across a few days, the date alone beyond. */
function tickLabel(t: number, spanMs: number): string {
  const d = new Date(t);
  if (spanMs < 12 * HOUR) return d.toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
  if (spanMs < 4 * 24 * HOUR) return d.toLocaleString([], { day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
  return d.toLocaleDateString([], { day: 'numeric', month: 'short' });
}

/** The shape of each mark, centred on (x, y): never colour alone. */
function shape(mark: LjMark, x: number, y: number): SVGElement {
  switch (mark) {
    case 'warning':
      return svg('path', { d: `M${x} ${y - 7} L${x + 6.5} ${y + 5} L${x - 6.5} ${y + 5} Z`, class: 'lj-shape' });
    case 'rejection':
      return svg('path', { d: `M${x} ${y - 8} L${x + 8} ${y} L${x} ${y + 8} L${x - 8} ${y} Z`, class: 'lj-shape' });
    case 'not-judged':
      return svg('circle', { cx: x, cy: y, r: 4.5, class: 'lj-shape' });
    default:
      return svg('circle', { cx: x, cy: y, r: 4.5, class: 'lj-shape' });
  }
}

function lineClass(k: number): string {
  const a = Math.abs(k);
  return a === 0 ? 'lj-line mean' : `lj-line sd${a}`;
}

function drawPoint(p: Point, now: Date): SVGElement {
  const words = pointWords(p.entry, now);
  const g = svg('g', { class: `lj-point ${p.mark}`, tabindex: -1, role: 'img', 'aria-label': words, 'data-entry': p.entry.id });
  g.append(shape(p.mark, p.x, p.y));
  const title = svg('title');
  title.textContent = words;
  g.append(title);
  if (p.label || p.off) {
    // Above the point; beside it (towards the middle) when it sits at the top, clear of the line to it.
    const top = p.y < 30;
    const toLeft = p.x > LJ_SIZE.width / 2;
    const text = svg('text', {
      x: top ? p.x + (toLeft ? -12 : 12) : p.x,
      y: top ? p.y + 5 : p.y - 12,
      'text-anchor': top ? (toLeft ? 'end' : 'start') : 'middle',
      class: 'lj-rule',
      'aria-hidden': 'true',
    });
    text.textContent = [p.label, p.off === 'above' ? '\u2191 off chart' : p.off === 'below' ? '\u2193 off chart' : ''].filter(Boolean).join(' ');
    g.append(text);
  }
  return g;
}

function drawFrame(geo: LjGeometry<QcEntryView>): SVGElement[] {
  const { size } = geo;
  const x0 = size.left;
  const x1 = size.width - size.right;
  const out: SVGElement[] = [svg('rect', { x: x0, y: size.top, width: x1 - x0, height: size.height - size.top - size.bottom, class: 'lj-plot' })];
  for (const l of geo.lines) {
    out.push(svg('line', { x1: x0, x2: x1, y1: l.y, y2: l.y, class: lineClass(l.k) }));
    const label = svg('text', { x: x1 + 6, y: l.y + 4, class: `lj-line-label${l.k === 0 ? ' mean' : ''}` });
    label.textContent = `${l.name} ${l.value}`;
    out.push(label);
  }
  const axisY = size.height - size.bottom;
  for (const t of geo.ticks) {
    out.push(svg('line', { x1: t.x, x2: t.x, y1: axisY, y2: axisY + 5, class: 'lj-tick' }));
    const label = svg('text', { x: t.x, y: axisY + 20, 'text-anchor': 'middle', class: 'lj-tick-label' });
    label.textContent = t.label;
    out.push(label);
  }
  return out;
}

export interface LjChart {
  element: HTMLElement;
  /** Focus the result with this entry id, if drawn (after a redraw). */
  focusEntry(id: string): boolean;
}

/** The chart of one series: `title` names it ("GLU, lot QC-LOT-4711, level 2"). */
export function ljChart(entries: readonly QcEntryView[], target: LjTarget | undefined, title: string, now = new Date()): LjChart {
  const geo = ljGeometry(entries, target, tickLabel);
  const { size } = geo;
  const info = h('p', { class: 'lj-info', id: `lj-info-${Math.random().toString(36).slice(2, 8)}` }, 'Point at or focus a result for its details.');
  const pointEls = geo.points.map((p) => drawPoint(p, now));
  const picture = svg(
    'svg',
    {
      class: 'lj-svg',
      viewBox: `0 0 ${size.width} ${size.height}`,
      role: 'group',
      'aria-label': `Levey-Jennings chart of ${title}: ${geo.points.length} result${geo.points.length === 1 ? '' : 's'}${
        geo.lines.length ? '' : ', no target lines (no target yet)'
      }. Arrow keys move between results.`,
    },
    ...drawFrame(geo),
    ...(geo.path ? [svg('path', { d: geo.path, class: 'lj-path' })] : []),
    ...pointEls,
  );

  // One tab stop: the newest result; the arrow keys move along the others.
  let current = pointEls.length - 1;
  const show = (i: number) => {
    const p = geo.points[i];
    if (p) info.textContent = pointWords(p.entry, now);
  };
  const focusAt = (i: number) => {
    const el = pointEls[i];
    if (!el) return;
    pointEls[current]?.setAttribute('tabindex', '-1');
    current = i;
    el.setAttribute('tabindex', '0');
    (el as SVGElement & HTMLOrSVGElement).focus();
  };
  pointEls[current]?.setAttribute('tabindex', '0');
  pointEls.forEach((el, i) => {
    el.addEventListener('focus', () => {
      pointEls[current]?.setAttribute('tabindex', '-1');
      current = i;
      el.setAttribute('tabindex', '0');
      show(i);
    });
    el.addEventListener('mouseenter', () => show(i));
  });
  picture.addEventListener('keydown', (e) => {
    const moves: Record<string, number> = {
      ArrowLeft: current - 1,
      ArrowDown: current - 1,
      ArrowRight: current + 1,
      ArrowUp: current + 1,
      Home: 0,
      End: pointEls.length - 1,
    };
    const to = moves[e.key];
    if (to === undefined || pointEls.length === 0) return;
    e.preventDefault();
    focusAt(Math.max(0, Math.min(pointEls.length - 1, to)));
  });

  const element = h(
    'figure',
    { class: 'lj-chart' },
    geo.points.length === 0 ? h('p', { class: 'muted' }, 'No numeric results to chart yet.') : picture,
    legend(),
    geo.points.length > 0 ? info : null,
    geo.apart.length > 0
      ? h(
          'p',
          { class: 'muted' },
          `${geo.apart.length} result${geo.apart.length === 1 ? ' is' : 's are'} not on the chart (a text value or another unit): see the table.`,
        )
      : null,
  );
  return {
    element,
    focusEntry(id) {
      const i = geo.points.findIndex((p) => p.entry.id === id);
      if (i < 0) return false;
      focusAt(i);
      return true;
    },
  };
}

function legendIcon(mark: LjMark): SVGElement {
  return svg('svg', { class: `lj-legend-icon lj-point ${mark}`, viewBox: '0 0 20 20', 'aria-hidden': 'true', width: 20, height: 20 }, shape(mark, 10, 10));
}

function legend(): HTMLElement {
  const items: Array<[LjMark, string]> = [
    ['in-control', 'in control'],
    ['warning', 'warning (1-2s)'],
    ['rejection', 'rejection (rules named beside it)'],
    ['not-judged', 'not judged'],
  ];
  return h(
    'ul',
    { class: 'lj-legend', 'aria-label': 'Chart legend' },
    items.map(([mark, words]) => h('li', {}, legendIcon(mark), words)),
    h('li', {}, h('span', { class: 'lj-legend-line sd1', 'aria-hidden': 'true' }), '\u00b11 SD'),
    h('li', {}, h('span', { class: 'lj-legend-line sd2', 'aria-hidden': 'true' }), '\u00b12 SD'),
    h('li', {}, h('span', { class: 'lj-legend-line sd3', 'aria-hidden': 'true' }), '\u00b13 SD'),
  );
}

/** The results of the chart as a table, newest first, with the exact values. */
export function resultsTable(entries: readonly QcEntryView[], title: string, now = new Date()): HTMLElement {
  const newest = [...entries].sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: 'table qc-results' },
      h('caption', { class: 'vh' }, `Results of ${title}, newest first`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Measured', 'Value', 'From the mean', 'Status', 'Rules', 'Sample ID'].map((t) => h('th', { scope: 'col' }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        newest.map((e) =>
          h(
            'tr',
            { 'data-entry': e.id },
            h('td', { class: 'nowrap' }, timeText(e.time, now)),
            h('td', { class: 'nowrap' }, valueText(e.value, e.unit)),
            h('td', { class: 'nowrap' }, e.z === undefined ? '' : sdText(e.z)),
            h(
              'td',
              {},
              h('span', { class: `badge ${STATUS_BADGE[e.status]}` }, STATUS_WORDS[e.status]),
              e.status === 'not-judged' && e.notJudged ? h('span', { class: 'small-text muted' }, ` ${e.notJudged}`) : null,
            ),
            h('td', {}, rulesText(rejectionsFirst(e.rules))),
            h('td', { class: 'mono' }, e.specimen ?? ''),
          ),
        ),
      ),
    ),
  );
}
