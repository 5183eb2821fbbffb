// Charts as SVG built with svg(): a sparkline per vital, and EKG leads on paper (25 mm/s, 10 mm/mV).
// The math is in chart-math.ts; here only elements.

import type { Tracing } from '../../api-types.ts';
import { orderLeads, pointsAttr, scaleSeries, traceGeometry, MM_PER_SECOND } from './chart-math.ts';
import { h, svg } from './dom.ts';
import { formatNumber, unitLabel } from './reading-format.ts';
import { latestVital, type VitalSeries } from './vitals.ts';

const SPARK = { width: 120, height: 36, pad: 4 };

/** The latest value and its trend, described in words for screen readers. */
export function sparklineLabel(series: VitalSeries): string {
  const last = series.points[series.points.length - 1];
  if (!last) return `${series.name}: no values`;
  const unit = unitLabel(series.unit);
  const latest = `${series.name}: latest ${formatNumber(last.value, last.precision)}${unit ? ` ${unit}` : ''}`;
  if (series.points.length === 1) return `${latest}, one value`;
  const values = series.points.map((p) => p.value);
  return `${latest}; ${series.points.length} values from ${Math.min(...values)} to ${Math.max(...values)}`;
}

export function sparkline(series: VitalSeries): SVGElement {
  const { points } = scaleSeries(
    series.points.map((p) => p.value),
    SPARK,
  );
  const el = svg('svg', {
    class: 'spark',
    viewBox: `0 0 ${SPARK.width} ${SPARK.height}`,
    role: 'img',
    'aria-label': sparklineLabel(series),
    preserveAspectRatio: 'none',
  });
  if (points.length > 1)
    el.append(
      svg('polyline', {
        points: pointsAttr(points),
        fill: 'none',
        stroke: 'currentColor',
        'stroke-width': 1.5,
        'vector-effect': 'non-scaling-stroke',
        'stroke-linejoin': 'round',
      }),
    );
  const last = points[points.length - 1];
  // A zero-length round-capped line: stays a round dot although the sparkline stretches to its box.
  if (last)
    el.append(
      svg('line', {
        x1: last[0],
        y1: last[1],
        x2: last[0],
        y2: last[1],
        stroke: 'currentColor',
        'stroke-width': 6,
        'stroke-linecap': 'round',
        'vector-effect': 'non-scaling-stroke',
        class: 'spark-dot',
      }),
    );
  return el;
}

/** One vital: its name, the latest value large, and the sparkline. */
export function vitalTile(series: VitalSeries): HTMLElement {
  const { value, flag } = latestVital(series);
  return h(
    'div',
    { class: `vital${flag?.abnormal ? ' abnormal' : ''}` },
    h('span', { class: 'vital-name' }, series.name),
    h('span', { class: 'vital-latest' }, value, h('span', { class: 'vital-unit' }, unitLabel(series.unit))),
    flag
      ? h(
          'span',
          { class: `vital-flag value-flag${flag.abnormal ? ' abnormal' : ''}`, title: `Flag from the device: ${flag.meaning}` },
          flag.text,
          h('span', { class: 'flag-meaning' }, ` (${flag.meaning})`),
        )
      : null,
    sparkline(series),
  );
}

let gridSeq = 0;

/** The pink EKG paper: 1 mm minor and 5 mm major lines, as two patterns. */
function paper(widthMm: number, heightMm: number, minor: boolean): SVGElement[] {
  const id = `ekg-grid-${++gridSeq}`;
  const minorId = `${id}-minor`;
  const defs = svg(
    'defs',
    {},
    svg(
      'pattern',
      { id: minorId, width: 1, height: 1, patternUnits: 'userSpaceOnUse' },
      svg('path', { d: 'M 1 0 L 0 0 0 1', fill: 'none', class: 'ekg-minor', 'stroke-width': 0.06 }),
    ),
    svg(
      'pattern',
      { id, width: 5, height: 5, patternUnits: 'userSpaceOnUse' },
      ...(minor ? [svg('rect', { width: 5, height: 5, fill: `url(#${minorId})` })] : []),
      svg('path', { d: 'M 5 0 L 0 0 0 5', fill: 'none', class: 'ekg-major', 'stroke-width': 0.18 }),
    ),
  );
  return [defs, svg('rect', { x: 0, y: 0, width: widthMm, height: heightMm, class: 'ekg-paper', fill: `url(#${id})` })];
}

/** One lead drawn to scale; `from`/`seconds` choose the time window. */
export function ekgLead(
  lead: { name: string; samples: number[] },
  rate: number,
  unit: string,
  opts: { heightMm: number; from?: number; seconds?: number; large?: boolean },
): HTMLElement {
  const start = Math.max(0, Math.floor((opts.from ?? 0) * rate));
  const end = opts.seconds ? Math.min(lead.samples.length, start + Math.round(opts.seconds * rate)) : lead.samples.length;
  const slice = lead.samples.slice(start, end);
  const g = traceGeometry(slice, rate, unit, opts.heightMm);
  const window = opts.from ? `${formatNumber(opts.from, 1)} to ${formatNumber(opts.from + g.seconds, 1)} s` : `${formatNumber(g.seconds, 1)} s`;
  const picture = svg(
    'svg',
    { class: 'ekg-svg', viewBox: `0 0 ${g.widthMm} ${g.heightMm}`, role: 'img', 'aria-label': `Lead ${lead.name}, ${window}, ${MM_PER_SECOND} mm/s, 10 mm/mV` },
    ...paper(g.widthMm, g.heightMm, opts.large ?? false),
    svg('polyline', { points: g.points, fill: 'none', class: 'ekg-trace', 'stroke-width': opts.large ? 0.35 : 0.45, 'stroke-linejoin': 'round' }),
  );
  return h('figure', { class: `ekg-lead${opts.large ? ' large' : ''}` }, h('figcaption', {}, lead.name), picture);
}

const STANDARD_COLUMNS = [
  ['I', 'II', 'III'],
  ['aVR', 'aVL', 'aVF'],
  ['V1', 'V2', 'V3'],
  ['V4', 'V5', 'V6'],
];
const WINDOW_S = 2.5;

/**
 * The tracing as a technician knows it from paper: lead II as a full-length rhythm strip, then
 * every lead small, 2.5 s each (a standard 12-lead shows them in four time columns).
 */
export function ekgTracing(tracing: Tracing): HTMLElement {
  const leads = orderLeads(tracing.leads);
  const rhythm = leads[0];
  const byName = new Map(leads.map((l) => [l.name.toUpperCase(), l]));
  const standard = STANDARD_COLUMNS.every((col) => col.every((n) => byName.has(n.toUpperCase())));
  const small: HTMLElement[] = [];
  if (standard) {
    // Row-major order of a 4x3 layout, so the CSS grid shows the columns side by side.
    for (let row = 0; row < 3; row++) {
      STANDARD_COLUMNS.forEach((col, c) => {
        const lead = byName.get(col[row]!.toUpperCase())!;
        small.push(ekgLead(lead, tracing.sampleRateHz, tracing.unit, { heightMm: 25, from: c * WINDOW_S, seconds: WINDOW_S }));
      });
    }
  } else {
    for (const lead of leads.slice(1)) small.push(ekgLead(lead, tracing.sampleRateHz, tracing.unit, { heightMm: 25, seconds: WINDOW_S }));
  }
  return h(
    'div',
    { class: 'ekg' },
    rhythm ? ekgLead(rhythm, tracing.sampleRateHz, tracing.unit, { heightMm: 40, large: true }) : h('p', { class: 'muted' }, 'The tracing has no leads.'),
    small.length ? h('div', { class: `ekg-small${standard ? ' standard' : ''}` }, small) : null,
    h(
      'p',
      { class: 'hint' },
      `${MM_PER_SECOND} mm/s, 10 mm/mV; ${tracing.leads.length} lead${tracing.leads.length === 1 ? '' : 's'} at ${formatNumber(tracing.sampleRateHz, 0)} samples/s as drawn.`,
    ),
  );
}
