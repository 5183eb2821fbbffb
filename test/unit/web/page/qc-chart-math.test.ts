// The Levey-Jennings chart's geometry: the SD lines where the target puts them, points in time
// order, a result far out drawn at the edge and said so, violations labelled with their rules.

import { describe, expect, it } from 'vitest';
import { LJ_SIZE, type LjInput, ljGeometry, lineName, MAX_REACH_SD, timeTicks } from '../../../../src/web/page/lib/qc-chart-math.ts';

const T0 = Date.parse('2026-12-01T08:00:00Z');
const DAY = 86_400_000;
let seq = 0;
const entry = (day: number, value: number | string, over: Partial<LjInput> = {}): LjInput => ({
  id: `e${++seq}`,
  time: new Date(T0 + day * DAY).toISOString(),
  value,
  unit: 'mg/dL',
  status: 'accepted',
  rules: [],
  ...over,
});
const TARGET = { mean: 100, sd: 2, unit: 'mg/dL' };
const label = (t: number) => new Date(t).toISOString().slice(5, 10);
const plotTop = LJ_SIZE.top;
const plotBottom = LJ_SIZE.height - LJ_SIZE.bottom;

describe('Levey-Jennings geometry', () => {
  it('draws the mean and the ±1, ±2, ±3 SD lines, evenly spaced and symmetric, labelled with their values', () => {
    const geo = ljGeometry([entry(0, 100), entry(1, 101)], TARGET, label);
    expect(geo.lines.map((l) => `${l.name} ${l.value}`)).toEqual([
      '+3 SD 106',
      '+2 SD 104',
      '+1 SD 102',
      'Mean 100',
      '\u22121 SD 98',
      '\u22122 SD 96',
      '\u22123 SD 94',
    ]);
    const ys = geo.lines.map((l) => l.y);
    const steps = ys.slice(1).map((y, i) => y - ys[i]!);
    // Equal to the tenth of a unit the coordinates are rounded to.
    expect(Math.max(...steps) - Math.min(...steps)).toBeLessThanOrEqual(0.1 + 1e-9);
    // Higher values higher on the screen; the mean in the middle of the plot.
    expect(steps[0]).toBeGreaterThan(0);
    expect(Math.abs(geo.lines[3]!.y - (plotTop + plotBottom) / 2)).toBeLessThan(0.2);
  });

  it('puts a value at its SDs: 104 on the +2 SD line, 94 on the −3 SD line', () => {
    const geo = ljGeometry([entry(0, 104), entry(1, 94)], TARGET, label);
    const line = (k: number) => geo.lines.find((l) => l.k === k)!.y;
    expect(geo.points.map((p) => p.y)).toEqual([line(2), line(-3)]);
  });

  it('joins the points in time order, whatever order they came in (the API lists newest first)', () => {
    const a = entry(0, 99);
    const b = entry(1, 101);
    const c = entry(2, 100);
    const geo = ljGeometry([c, b, a], TARGET, label);
    expect(geo.points.map((p) => p.entry.id)).toEqual([a.id, b.id, c.id]);
    const xs = geo.points.map((p) => p.x);
    expect(xs).toEqual([...xs].sort((m, n) => m - n));
    expect(geo.path).toBe(geo.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x} ${p.y}`).join(' '));
    // Inside the plot, off its frame.
    expect(xs[0]).toBeGreaterThan(LJ_SIZE.left);
    expect(xs[2]).toBeLessThan(LJ_SIZE.width - LJ_SIZE.right);
  });

  it('widens to show a result up to 6 SD out, and draws one beyond at the edge, marked off the chart', () => {
    const far = entry(1, 100 + 5 * 2, { status: 'rejected', rules: [{ rule: '1-3s' }] });
    const geo = ljGeometry([entry(0, 100), far], TARGET, label);
    expect(geo.points[1]!.off).toBeUndefined();
    expect(geo.points[1]!.y).toBeGreaterThan(plotTop);
    const beyond = entry(2, 100 + 20 * 2, { status: 'rejected', rules: [{ rule: '1-3s' }, { rule: 'R-4s' }] });
    const below = entry(3, 100 - 9 * 2, { status: 'rejected', rules: [{ rule: '1-3s' }] });
    const wide = ljGeometry([entry(0, 100), beyond, below], TARGET, label);
    expect(wide.points.map((p) => p.off)).toEqual([undefined, 'above', 'below']);
    expect(wide.points[1]!.y).toBe(plotTop);
    expect(wide.points[2]!.y).toBe(plotBottom);
    // The +3 SD line is where 6 SD of reach puts it: the chart did not stretch to 20 SD.
    const top3 = wide.lines.find((l) => l.k === 3)!.y;
    expect(Math.round(top3)).toBe(Math.round(plotBottom - ((3 + MAX_REACH_SD) / (2 * MAX_REACH_SD)) * (plotBottom - plotTop)));
  });

  it('marks a warning and a rejection differently, each with its rules in words', () => {
    const geo = ljGeometry(
      [
        entry(0, 100),
        entry(1, 104.5, { status: 'warning', rules: [{ rule: '1-2s' }] }),
        entry(2, 107, { status: 'rejected', rules: [{ rule: '1-3s' }, { rule: '2-2s' }] }),
        entry(3, 100, { status: 'not-judged' }),
      ],
      TARGET,
      label,
    );
    expect(geo.points.map((p) => [p.mark, p.label])).toEqual([
      ['in-control', undefined],
      ['warning', '1-2s'],
      ['rejection', '1-3s, 2-2s'],
      ['not-judged', undefined],
    ]);
  });

  it('names a rejection by its rejection rules: a result beyond 3 SD broke 1-2s too, which goes without saying', () => {
    const both = entry(0, 106, {
      status: 'rejected',
      rules: [
        { rule: '1-2s', outcome: 'warning' },
        { rule: '1-3s', outcome: 'rejection' },
      ],
    });
    expect(ljGeometry([both], TARGET, label).points[0]!.label).toBe('1-3s');
  });

  it('leaves a text result and one in another unit off the chart, for the table', () => {
    const text = entry(1, 'see comment');
    const mmol = entry(2, 5.5, { unit: 'mmol/L' });
    const geo = ljGeometry([entry(0, 100), text, mmol], TARGET, label);
    expect(geo.points).toHaveLength(1);
    expect(geo.apart.map((e) => e.id)).toEqual([text.id, mmol.id]);
    expect(geo.path).toBe('');
  });

  it('without a target draws the values in their own range, with no SD lines', () => {
    const geo = ljGeometry(
      [entry(0, 5.1, { unit: undefined, status: 'not-judged' }), entry(1, 5.9, { unit: undefined, status: 'not-judged' })],
      undefined,
      label,
    );
    expect(geo.lines).toEqual([]);
    const [a, b] = geo.points;
    expect(a!.y).toBeGreaterThan(b!.y);
    for (const p of geo.points) {
      expect(p.y).toBeGreaterThan(plotTop);
      expect(p.y).toBeLessThan(plotBottom);
    }
  });

  it('writes time ticks at round times across the results (a label cut to the minute is exact), and one for a single result', () => {
    const geo = ljGeometry(
      [0, 1, 2, 3, 4, 5, 6].map((d) => entry(d, 100)),
      TARGET,
      (t) => String(t),
    );
    const times = geo.ticks.map((t) => Number(t.label));
    expect(times.length).toBeGreaterThan(1);
    expect(times.length).toBeLessThanOrEqual(5);
    // Each on a local midnight, inside the results' span, left to right.
    for (const t of times) expect([new Date(t).getHours(), new Date(t).getMinutes(), new Date(t).getSeconds()]).toEqual([0, 0, 0]);
    expect(times[0]).toBeGreaterThanOrEqual(T0);
    expect(times.at(-1)).toBeLessThanOrEqual(T0 + 6 * DAY);
    expect(geo.ticks.map((t) => t.x)).toEqual([...geo.ticks.map((t) => t.x)].sort((a, b) => a - b));
    expect(geo.ticks[0]!.x).toBeGreaterThanOrEqual(geo.points[0]!.x);
    expect(ljGeometry([entry(0, 100)], TARGET, label).ticks).toHaveLength(1);
    expect(ljGeometry([], TARGET, label).ticks).toEqual([]);
  });

  it('puts ticks on whole minutes, hours or days of the local clock, never between them', () => {
    const at = (iso: string) => Date.parse(iso);
    const utc = () => 0;
    // Results 11:55:27 to 12:00:40 (the exploratory test's span): every 2 minutes on the minute, not 11:56:27, 11:57:42, ...
    expect(timeTicks(at('2026-12-06T11:55:27Z'), at('2026-12-06T12:00:40Z'), 5, utc).map((t) => new Date(t).toISOString().slice(11, 19))).toEqual([
      '11:56:00',
      '11:58:00',
      '12:00:00',
    ]);
    expect(timeTicks(at('2026-12-06T08:10:00Z'), at('2026-12-06T20:00:00Z'), 5, utc).map((t) => new Date(t).toISOString().slice(11, 16))).toEqual([
      '09:00',
      '12:00',
      '15:00',
      '18:00',
    ]);
    // One hour east of UTC (getTimezoneOffset -60): days start at 23:00 UTC.
    expect(timeTicks(at('2026-12-01T08:00:00Z'), at('2026-12-04T08:00:00Z'), 5, () => -60).map((t) => new Date(t).toISOString().slice(5, 16))).toEqual([
      '12-01T23:00',
      '12-02T23:00',
      '12-03T23:00',
    ]);
    // Seconds apart, no whole minute between: one tick, at the first result.
    expect(timeTicks(at('2026-12-06T11:55:27Z'), at('2026-12-06T11:55:40Z'), 5, utc)).toEqual([at('2026-12-06T11:55:27Z')]);
  });

  it('names the lines as a lab does', () => {
    expect([3, 0, -2].map(lineName)).toEqual(['+3 SD', 'Mean', '\u22122 SD']);
  });
});
