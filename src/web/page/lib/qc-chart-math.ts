// The geometry of a Levey-Jennings chart (Levey S, Jennings ER, "The use of control charts in the
// clinical laboratory", Am J Clin Pathol 1950;20:1059-66): control results over time against the
// lot's target mean and its ±1, ±2, ±3 SD lines. DOM-free numbers and strings only; qc-chart.ts
// turns them into SVG.

import type { QcStatus } from '../../../qc/qc-view.ts';
import { qcNumber, rulesText } from './qc-words.ts';

export interface LjSize {
  width: number;
  height: number;
  /** Room for the axis and line labels around the plot. */
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** Wide enough for a tablet, scaled down by the browser on a smaller screen. */
export const LJ_SIZE: LjSize = { width: 760, height: 280, left: 16, right: 118, top: 16, bottom: 34 };

/** How far from the mean the chart reaches at least, and at most (a result beyond is drawn at the edge). */
export const MIN_REACH_SD = 3.5;
export const MAX_REACH_SD = 6;

export type LjMark = 'in-control' | 'warning' | 'rejection' | 'not-judged';

export const MARK_OF: Record<QcStatus, LjMark> = {
  accepted: 'in-control',
  warning: 'warning',
  rejected: 'rejection',
  'not-judged': 'not-judged',
};

/** What the chart needs of a QC entry (QcEntryView has it all). */
export interface LjInput {
  id: string;
  time: string;
  value: number | string;
  unit?: string;
  status: QcStatus;
  rules: ReadonlyArray<{ rule: string; outcome?: string }>;
}

export interface LjTarget {
  mean: number;
  sd: number;
  unit?: string;
}

export interface LjLine {
  /** SDs from the mean: -3 to 3, 0 the mean. */
  k: number;
  y: number;
  /** "Mean", "+2 SD", "−1 SD". */
  name: string;
  /** The line's value: "104". */
  value: string;
}

export interface LjPoint<E extends LjInput> {
  entry: E;
  x: number;
  y: number;
  mark: LjMark;
  /** Beyond the chart's reach: drawn at its edge. */
  off?: 'above' | 'below';
  /**
   * The rules it broke ("1-3s, 2-2s"), shown beside it: a violation is told in words, not by colour
   * alone. A rejection names its rejection rules only (its 1-2s goes without saying).
   */
  label?: string;
}

export interface LjTick {
  x: number;
  label: string;
}

export interface LjGeometry<E extends LjInput> {
  size: LjSize;
  /** The mean and the ±1, ±2, ±3 SD lines (none without a target). */
  lines: LjLine[];
  /** Oldest first. */
  points: Array<LjPoint<E>>;
  /** The points joined in time order (an SVG path), empty for fewer than two. */
  path: string;
  ticks: LjTick[];
  /** Not drawn: a text result, or a unit other than the target's (they are in the table). */
  apart: E[];
}

const round = (n: number) => Math.round(n * 10) / 10;

/** "+2 SD", "−1 SD", "Mean". */
export function lineName(k: number): string {
  if (k === 0) return 'Mean';
  return `${k > 0 ? '+' : '\u2212'}${Math.abs(k)} SD`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Steps a person reads at a glance: ticks fall on whole minutes, hours or days, so a label cut to the minute is exact. */
const TICK_STEPS = [1, 2, 5, 10, 15, 30]
  .map((m) => m * MINUTE)
  .concat(
    [1, 2, 3, 6, 12].map((h) => h * HOUR),
    [1, 2, 7, 14, 28, 91, 182, 364].map((d) => d * DAY),
  );

/**
 * Times of the x axis at round times within [from, to], at most `count`: the smallest step of
 * TICK_STEPS that gives no more, counted from a local midnight (`offsetMin(t)`: the local offset, as
 * Date#getTimezoneOffset, so an hour or day tick falls on the local hour or day). A span without a
 * round time in it (results a few seconds apart) has one tick, at its start.
 */
export function timeTicks(from: number, to: number, count: number, offsetMin: (t: number) => number = (t) => new Date(t).getTimezoneOffset()): number[] {
  if (!(to > from)) return [from];
  const step = TICK_STEPS.find((s) => Math.floor((to - from) / s) + 1 <= count) ?? TICK_STEPS[TICK_STEPS.length - 1]!;
  // In local time, where the steps are round; back to instants for the axis.
  const local = (t: number) => t - offsetMin(t) * MINUTE;
  // Days (and weeks) from the first midnight in the span; shorter steps from midnight, so 10:15, 10:30, ...
  const start = step >= DAY ? Math.ceil(local(from) / DAY) * DAY : Math.ceil(local(from) / step) * step;
  const out: number[] = [];
  for (let l = start; l <= local(to); l += step) out.push(l + offsetMin(l) * MINUTE);
  return out.length > 0 ? out.slice(0, count) : [from];
}

/**
 * Lays the entries out: x by time, y by value (with a target, symmetric around its mean, reaching
 * at least 3.5 SD and at most 6 SD; without one, the values' own range). `label(t, spanMs)` writes
 * a tick's time.
 */
export function ljGeometry<E extends LjInput>(
  entries: readonly E[],
  target: LjTarget | undefined,
  label: (t: number, spanMs: number) => string,
  size: LjSize = LJ_SIZE,
): LjGeometry<E> {
  const plotUnit = target ? target.unit : entries.find((e) => typeof e.value === 'number')?.unit;
  const drawable = (e: E) =>
    typeof e.value === 'number' && Number.isFinite(e.value) && Number.isFinite(Date.parse(e.time)) && (plotUnit === undefined || e.unit === plotUnit);
  const shown = entries.filter(drawable).sort((a, b) => Date.parse(a.time) - Date.parse(b.time) || a.id.localeCompare(b.id));
  const apart = entries.filter((e) => !drawable(e));
  const values = shown.map((e) => e.value as number);

  const x0 = size.left;
  const x1 = size.width - size.right;
  const y0 = size.top;
  const y1 = size.height - size.bottom;

  let low: number;
  let high: number;
  if (target && target.sd > 0) {
    const farthest = Math.max(0, ...values.map((v) => Math.abs(v - target.mean) / target.sd));
    const reach = Math.min(MAX_REACH_SD, Math.max(MIN_REACH_SD, farthest + 0.4));
    low = target.mean - reach * target.sd;
    high = target.mean + reach * target.sd;
  } else {
    const min = values.length ? Math.min(...values) : 0;
    const max = values.length ? Math.max(...values) : 1;
    const pad = max > min ? (max - min) * 0.15 : Math.abs(max) * 0.1 || 1;
    low = min - pad;
    high = max + pad;
  }
  const yOf = (v: number) => round(y1 - ((v - low) / (high - low)) * (y1 - y0));

  const times = shown.map((e) => Date.parse(e.time));
  const first = times[0] ?? 0;
  const last = times[times.length - 1] ?? first;
  const span = last - first;
  // A little room at both ends, so the first and last points are not on the frame.
  const pad = span > 0 ? span * 0.04 : 1;
  const from = first - pad;
  const to = last + pad;
  const xOf = (t: number) => round(x0 + ((t - from) / (to - from)) * (x1 - x0));

  const points = shown.map((entry, i): LjPoint<E> => {
    const v = values[i]!;
    const off = v > high ? 'above' : v < low ? 'below' : undefined;
    const y = off === 'above' ? y0 : off === 'below' ? y1 : yOf(v);
    const mark = MARK_OF[entry.status];
    const rejecting = entry.rules.filter((r) => r.outcome === 'rejection');
    const rules = rulesText(rejecting.length > 0 ? rejecting : entry.rules);
    return {
      entry,
      x: xOf(times[i]!),
      y,
      mark,
      ...(off ? { off } : {}),
      ...(rules ? { label: rules } : {}),
    };
  });

  const lines: LjLine[] =
    target && target.sd > 0
      ? [3, 2, 1, 0, -1, -2, -3].map((k) => ({ k, y: yOf(target.mean + k * target.sd), name: lineName(k), value: qcNumber(target.mean + k * target.sd) }))
      : [];
  const path = points.length > 1 ? points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' ') : '';
  const ticks =
    shown.length === 0 ? [] : (span > 0 ? timeTicks(first, last, Math.min(5, shown.length)) : [first]).map((t) => ({ x: xOf(t), label: label(t, span) }));
  return { size, lines, points, path, ticks, apart };
}
