// The arithmetic behind the page's charts, kept DOM-free so it can be tested in node:
// sparkline scaling and EKG trace geometry (paper units: 25 mm/s, 10 mm/mV).

export interface Box {
  width: number;
  height: number;
  /** Space kept free on every side, so the line and its end dot are not cut off. */
  pad: number;
}

export interface Scaled {
  points: Array<[number, number]>;
  min: number;
  max: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Places values left to right, scaled to their own min and max (a flat series sits in the
 * middle). One value is a single point in the middle; non-finite values are left out.
 */
export function scaleSeries(values: number[], box: Box): Scaled {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { points: [], min: NaN, max: NaN };
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  const innerW = Math.max(0, box.width - 2 * box.pad);
  const innerH = Math.max(0, box.height - 2 * box.pad);
  const span = max - min;
  const y = (v: number) => (span === 0 ? box.height / 2 : box.pad + innerH * (1 - (v - min) / span));
  if (finite.length === 1) return { points: [[round(box.width / 2), round(y(finite[0]!))]], min, max };
  const step = innerW / (finite.length - 1);
  return { points: finite.map((v, i) => [round(box.pad + i * step), round(y(v))]), min, max };
}

export function pointsAttr(points: Array<[number, number]>): string {
  return points.map(([x, y]) => `${x},${y}`).join(' ');
}

/** EKG paper speed and gain. */
export const MM_PER_SECOND = 25;
export const MM_PER_MV = 10;

/** Millivolts per sample unit; undefined for a unit that is not a voltage. */
export function mvPerUnit(unit: string): number | undefined {
  switch (unit.trim()) {
    case 'uV':
    case 'µV':
    case 'μV':
      return 0.001;
    case 'mV':
      return 1;
    case 'nV':
      return 0.000001;
    case 'V':
      return 1000;
    default:
      return undefined;
  }
}

/** The median, as the baseline of a lead: unlike the mean, tall R waves do not pull it. */
export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface TraceGeometry {
  /** Polyline points in millimetres of paper. */
  points: string;
  widthMm: number;
  heightMm: number;
  seconds: number;
}

/**
 * One lead on EKG paper: x = t * 25 mm/s, y = baseline (mid-height) minus mV * 10 mm. The
 * baseline is the lead's median; an unknown unit is drawn as if it were µV (what drivers emit).
 */
export function traceGeometry(samples: number[], sampleRateHz: number, unit: string, heightMm: number): TraceGeometry {
  const rate = sampleRateHz > 0 ? sampleRateHz : 1;
  const scale = mvPerUnit(unit) ?? 0.001;
  const base = median(samples.filter((s) => Number.isFinite(s)));
  const mid = heightMm / 2;
  const parts: string[] = [];
  samples.forEach((s, i) => {
    if (!Number.isFinite(s)) return;
    const x = (i / rate) * MM_PER_SECOND;
    const y = mid - (s - base) * scale * MM_PER_MV;
    parts.push(`${round(x)},${round(y)}`);
  });
  const seconds = samples.length / rate;
  return { points: parts.join(' '), widthMm: round(Math.max(seconds * MM_PER_SECOND, 1)), heightMm, seconds };
}

const LEAD_ORDER = ['II', 'I', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];

/** Lead II first (the rhythm strip), then the standard order, then anything else as it came. */
export function orderLeads<T extends { name: string }>(leads: T[]): T[] {
  const rank = (name: string) => {
    const i = LEAD_ORDER.findIndex((l) => l.toUpperCase() === name.trim().toUpperCase());
    return i === -1 ? LEAD_ORDER.length : i;
  };
  return leads
    .map((lead, i) => ({ lead, i }))
    .sort((a, b) => rank(a.lead.name) - rank(b.lead.name) || a.i - b.i)
    .map((x) => x.lead);
}
