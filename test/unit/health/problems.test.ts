// The status strip's problems: the health judgement with the page's grace times, in words, about a device or destination.

import { describe, expect, it } from 'vitest';
import { judgeHealth, type HealthFacts } from '../../../src/health/judge.ts';
import { pageThresholds, statusProblems, type ProblemContext } from '../../../src/health/problems.ts';
import { healthThresholds } from '../../../src/health/thresholds.ts';

import { facts, MIN, NOW } from './facts.ts';

const iso = (ms: number) => new Date(ms).toISOString();
const context = (over: Partial<ProblemContext> = {}): ProblemContext => ({
  devices: [{ id: 'scale-1', label: 'Scale, room 1', retryWaiting: true }],
  destinations: [{ id: 'ehr', retryWaiting: false }],
  held: 0,
  ...over,
});
const page = pageThresholds(healthThresholds());
const status = (f: Partial<HealthFacts>, c: Partial<ProblemContext> = {}) => statusProblems(judgeHealth(facts(f), page), context(c));

describe('status problems', () => {
  it('nothing wrong: ok and no problems', () => {
    expect(status({})).toEqual({ status: 'ok', checkedAt: iso(NOW), problems: [] });
  });

  it('shows a device down after seconds, not the alerting rule minutes, since its first failure', () => {
    const down = { devices: [{ id: 'scale-1', up: false, state: 'retrying' as const, downSince: NOW - 3 * MIN }] };
    expect(judgeHealth(facts(down), healthThresholds()).reasons).toEqual([]); // the 5-minute rule is not changed
    expect(status(down).problems).toEqual([
      {
        kind: 'device-link-down',
        severity: 'degraded',
        text: 'Scale, room 1: not connected',
        since: iso(NOW - 3 * MIN),
        device: 'scale-1',
        name: 'Scale, room 1',
        retry: true,
      },
    ]);
    expect(status({ devices: [{ id: 'scale-1', up: false, state: 'retrying', downSince: NOW - 2000 }] }).problems).toEqual([]);
    // Between two tries (connecting now) there is no wait to cut short: no "Retry now" to end in an error.
    expect(status(down, { devices: [{ id: 'scale-1', retryWaiting: false }] }).problems[0]).toMatchObject({ text: 'scale-1: not connected', retry: false });
  });

  it("says since when as the device's card does: from the link's first failure", () => {
    const down = { devices: [{ id: 'scale-1', up: false, state: 'retrying' as const, downSince: NOW - 3 * MIN }] };
    const linkDownSince = iso(NOW - 3 * MIN + 1500); // the first 'retrying', after a 'connecting'
    expect(status(down, { devices: [{ id: 'scale-1', retryWaiting: true, downSince: linkDownSince }] }).problems[0]!.since).toBe(linkDownSince);
  });

  it('a few devices down are named one by one; more are one item with their count', () => {
    const ids = ['a', 'b', 'c', 'd', 'e'];
    const down = (n: number) => ({
      devices: ids.slice(0, n).map((id, i) => ({ id, up: false, state: 'retrying' as const, downSince: NOW - (i + 1) * MIN })),
    });
    const ctx = (n: number) => ({ devices: ids.slice(0, n).map((id) => ({ id, retryWaiting: true })), held: 2 });
    expect(status(down(3), ctx(3)).problems.map((p) => p.text)).toEqual(['a: not connected', 'b: not connected', 'c: not connected', '2 held readings']);
    expect(status(down(5), ctx(5)).problems).toEqual([
      { kind: 'device-link-down', severity: 'degraded', text: '5 devices not connected', since: iso(NOW - 5 * MIN), count: 5 },
      { kind: 'readings-held', severity: 'degraded', text: '2 held readings', count: 2 },
    ]);
  });

  it('names why a destination delivers nothing, with how many wait', () => {
    const stalled = { destinations: [{ id: 'ehr', queued: 38, dead: 0, oldestQueuedAt: NOW - 4 * MIN, lastDeliveredAt: NOW - 30 * MIN }] };
    const base = { severity: 'failing', since: iso(NOW - 4 * MIN), count: 38, counted: '38 waiting', destination: 'ehr', name: 'ehr' };
    expect(status(stalled, { destinations: [{ id: 'ehr', unreachable: true, lastError: 'connect ECONNREFUSED', retryWaiting: true }] }).problems).toEqual([
      { kind: 'destination-unreachable', text: 'ehr: unreachable', retry: true, ...base },
    ]);
    expect(status(stalled, { destinations: [{ id: 'ehr', lastError: 'AE', retryWaiting: true }] }).problems).toEqual([
      { kind: 'destination-failing', text: 'ehr: not accepting messages', retry: true, ...base },
    ]);
    // Sending its next try right now: nothing to cut short.
    expect(status(stalled, { destinations: [{ id: 'ehr', lastError: 'AE', retryWaiting: false }] }).problems[0]).toMatchObject({ retry: false });
    expect(status(stalled).problems).toEqual([{ kind: 'destination-stalled', text: 'ehr: delivering nothing', retry: false, ...base }]);
    const fresh = { destinations: [{ id: 'ehr', queued: 2, dead: 0, oldestQueuedAt: NOW - 5000 }] };
    expect(status(fresh, { destinations: [{ id: 'ehr', unreachable: true, retryWaiting: true }] }).problems).toEqual([]);
  });

  it('counts dead letters and held readings, failing ones first', () => {
    const s = status(
      {
        destinations: [{ id: 'ehr', queued: 1, dead: 1, oldestQueuedAt: NOW - 20 * MIN }],
        devices: [{ id: 'scale-1', up: false, state: 'retrying', downSince: NOW - MIN }],
      },
      { held: 12 },
    );
    expect(s.status).toBe('failing');
    expect(s.problems.map((p) => [p.kind, p.text, p.count])).toEqual([
      ['destination-stalled', 'ehr: delivering nothing', 1],
      ['dead-letters', 'ehr: 1 dead letter', 1],
      ['device-link-down', 'Scale, room 1: not connected', undefined],
      ['readings-held', '12 held readings', 12],
    ]);
    expect(status({ destinations: [{ id: 'ehr', queued: 0, dead: 3 }] }).problems[0]!.text).toBe('ehr: 3 dead letters');
    expect(status({}, { held: 1 })).toMatchObject({ status: 'degraded', problems: [{ kind: 'readings-held', text: '1 held reading', count: 1 }] });
  });

  it('lists order downloads an analyzer refused and orders without results in time, without patient data', () => {
    expect(status({}, { held: 1, orders: { rejected: 2, unresulted: 1 } })).toMatchObject({
      status: 'degraded',
      problems: [
        { kind: 'readings-held', text: '1 held reading' },
        { kind: 'orders-rejected', severity: 'degraded', text: '2 orders refused by an analyzer', count: 2 },
        { kind: 'orders-unresulted', severity: 'degraded', text: '1 order without results', count: 1 },
      ],
    });
    expect(status({}, { orders: { rejected: 0, unresulted: 0 } })).toEqual({ status: 'ok', checkedAt: iso(NOW), problems: [] });
  });

  it('passes the storage reasons on in words', () => {
    expect(status({ storage: { writesFailing: true } }).problems).toEqual([
      {
        kind: 'storage-writes-failing',
        severity: 'failing',
        text: 'State writes are failing: devices are not acknowledged and nothing is sent until they work again',
      },
    ]);
  });
});
