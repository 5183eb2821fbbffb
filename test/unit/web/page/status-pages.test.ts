// Live's "All states" list: pages of several statuses merged without a silent gap, and paged again
// from where the list ends once new readings pushed rows off it.

import { describe, expect, it } from 'vitest';
import { cursorsAfterTrim, mergeStatusPages } from '../../../../src/web/page/lib/status-pages.ts';

/** Readings as times, newest (largest) first. */
const order = (a: number, b: number) => b - a;

describe('mergeStatusPages', () => {
  it('holds back what is older than a status with more has been read down to, and pages that status next', () => {
    // Delivered: one a minute, its page reaches back to 951. Held: few, its page reaches back a month.
    const delivered = Array.from({ length: 50 }, (_, i) => 1000 - i);
    const held = [990, 500, 10];
    const first = mergeStatusPages(
      [
        { status: 'delivered', items: delivered, more: true },
        { status: 'held', items: held, more: false },
      ],
      [],
      new Map(),
      order,
    );
    expect(first.show).toHaveLength(51);
    expect(first.show).toContain(990);
    expect(first.held.sort(order)).toEqual([500, 10]);
    expect(first.nextFrom).toEqual(['delivered']);

    // "Show older": delivered's next page (950..901); the held back ones stay back until reached.
    const second = mergeStatusPages(
      [{ status: 'delivered', items: Array.from({ length: 50 }, (_, i) => 950 - i), more: true }],
      first.held,
      first.oldest,
      order,
    );
    expect(second.show).toHaveLength(50);
    expect(second.held.sort(order)).toEqual([500, 10]);
    // Delivered comes to an end: everything read is shown.
    const last = mergeStatusPages([{ status: 'delivered', items: [900, 600], more: false }], second.held, second.oldest, order);
    expect(last).toEqual({ show: [500, 10, 900, 600], held: [], oldest: new Map(), nextFrom: [] });
  });

  it('asks every status that reaches back least far, and none that has no more', () => {
    const r = mergeStatusPages(
      [
        { status: 'queued', items: [30, 20], more: true },
        { status: 'dead', items: [25, 20], more: true },
        { status: 'held', items: [5], more: true },
      ],
      [],
      new Map(),
      order,
    );
    expect(r.nextFrom.sort()).toEqual(['dead', 'queued']);
    expect(r.held).toEqual([5]);
  });
});

describe('cursorsAfterTrim', () => {
  const place = (status: string, time: string, id: string) => ({ status, time, id });
  it('pages a status that lost rows again after its oldest row kept, or from its newest row dropped, that one included', () => {
    const next = new Map([['delivered', '2026-01-05T09:00:00.000Z~D1']]);
    const kept = [
      place('queued', '2026-01-05T10:05:00.000Z', 'Q9'),
      place('delivered', '2026-01-05T10:03:00.000Z', 'D7'),
      place('queued', '2026-01-05T10:02:00.000Z', 'Q8'),
    ];
    const dropped = [
      place('delivered', '2026-01-05T10:01:00.000Z', 'D6'),
      place('held', '2026-01-05T10:00:30.000Z', 'H2'),
      place('held', '2026-01-05T10:00:00.000Z', 'H1'),
    ];
    expect(cursorsAfterTrim(next, kept, dropped)).toEqual(
      new Map([
        ['delivered', '2026-01-05T10:03:00.000Z~D7'],
        ['held', '2026-01-05T10:00:30.000Z~H2\u0000'],
      ]),
    );
    // Nothing of a status dropped: its cursor stays as it was.
    expect(cursorsAfterTrim(next, kept, [])).toEqual(next);
  });
});
