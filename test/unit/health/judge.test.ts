import { describe, expect, it } from 'vitest';
import { judgeHealth, type HealthFacts, type HealthReasonCode, type HealthStatus } from '../../../src/health/judge.ts';
import { healthThresholds, HEALTH_DEFAULTS } from '../../../src/health/thresholds.ts';
import { validateConfig } from '../../../src/config/validate.ts';

import { facts, GB, MIN, NOW } from './facts.ts';

const thresholds = healthThresholds(); // 10 min stalled, 5 min down, 10 % low, 2 % critical

const ehr = (over: Partial<HealthFacts['destinations'][number]>) => [{ id: 'ehr', queued: 0, dead: 0, ...over }];
const scale = (over: Partial<HealthFacts['devices'][number]>) => [{ id: 'scale-1', up: true, state: 'connected' as const, ...over }];

const cases: Array<[string, Partial<HealthFacts>, HealthStatus, Array<[HealthReasonCode, string?]>]> = [
  ['all well', {}, 'ok', []],
  ['an empty line however long since the last delivery', { destinations: ehr({ lastDeliveredAt: NOW - 600 * MIN }) }, 'ok', []],
  [
    'a backlog draining: delivered a minute ago',
    { destinations: ehr({ queued: 500, oldestQueuedAt: NOW - 60 * MIN, lastDeliveredAt: NOW - 1 * MIN }) },
    'ok',
    [],
  ],
  ['waiting, but for less than the threshold', { destinations: ehr({ queued: 1, oldestQueuedAt: NOW - 9 * MIN, lastDeliveredAt: NOW - 60 * MIN }) }, 'ok', []],
  [
    'waiting for the threshold, nothing delivered',
    { destinations: ehr({ queued: 1, oldestQueuedAt: NOW - 10 * MIN, lastDeliveredAt: NOW - 60 * MIN }) },
    'failing',
    [['destination-stalled', 'ehr']],
  ],
  ['never delivered since a start long ago', { destinations: ehr({ queued: 3, oldestQueuedAt: NOW - 20 * MIN }) }, 'failing', [['destination-stalled', 'ehr']]],
  [
    'an old backlog, but the gateway started a minute ago',
    { startedAt: NOW - 1 * MIN, destinations: ehr({ queued: 3, oldestQueuedAt: NOW - 600 * MIN }) },
    'ok',
    [],
  ],
  ['a dead letter', { destinations: ehr({ dead: 2 }) }, 'degraded', [['dead-letters', 'ehr']]],
  ['a link down briefly', { devices: scale({ up: false, state: 'retrying', downSince: NOW - 4 * MIN }) }, 'ok', []],
  [
    'a link down for the threshold',
    { devices: scale({ up: false, state: 'retrying', downSince: NOW - 5 * MIN }) },
    'degraded',
    [['device-link-down', 'scale-1']],
  ],
  ['a link never up since a start long ago', { devices: scale({ up: false, state: 'connecting' }) }, 'degraded', [['device-link-down', 'scale-1']]],
  ['disk at 10 %', { disk: { free: 10 * GB, size: 100 * GB } }, 'ok', []],
  ['disk below 10 %', { disk: { free: 9 * GB, size: 100 * GB } }, 'degraded', [['disk-low']]],
  ['disk below 2 %', { disk: { free: 1 * GB, size: 100 * GB } }, 'failing', [['disk-critical']]],
  ['disk unknown', { disk: undefined }, 'ok', []],
  ['state writes failing', { storage: { writesFailing: true } }, 'failing', [['storage-writes-failing']]],
  [
    'a damaged database moved aside at start',
    { storage: { writesFailing: false, damaged: { movedTo: '/data/db.damaged-x', reason: 'bad meta page', at: '2024-05-01T11:00:00.000Z' } } },
    'degraded',
    [['storage-damaged']],
  ],
  [
    'several at once: failing ones first',
    {
      destinations: [
        { id: 'ehr', queued: 1, dead: 1, oldestQueuedAt: NOW - 30 * MIN },
        { id: 'uplink', queued: 0, dead: 3 },
      ],
      devices: [
        { id: 'b', up: false, state: 'retrying', downSince: NOW - 9 * MIN },
        { id: 'a', up: false, state: 'retrying', downSince: NOW - 9 * MIN },
      ],
      disk: { free: 5 * GB, size: 100 * GB },
    },
    'failing',
    [['destination-stalled', 'ehr'], ['dead-letters', 'ehr'], ['dead-letters', 'uplink'], ['device-link-down', 'a'], ['device-link-down', 'b'], ['disk-low']],
  ],
];

describe('judgeHealth', () => {
  it.each(cases)('%s', (_name, over, status, reasons) => {
    const report = judgeHealth(facts(over), thresholds);
    expect(report.status).toBe(status);
    expect(report.reasons.map((r) => (r.subject === undefined ? [r.code] : [r.code, r.subject]))).toEqual(reasons);
    expect(report.checkedAt).toBe(new Date(NOW).toISOString());
  });

  it('says how long and since when, in words and numbers only', () => {
    const report = judgeHealth(facts({ destinations: ehr({ queued: 4, oldestQueuedAt: NOW - 12 * MIN, lastDeliveredAt: NOW - 90 * MIN }) }), thresholds);
    expect(report.reasons).toEqual([
      {
        code: 'destination-stalled',
        severity: 'failing',
        subject: 'ehr',
        message: 'destination ehr has delivered nothing for 12 min while 4 message(s) wait',
        since: new Date(NOW - 12 * MIN).toISOString(),
        count: 4,
      },
    ]);
  });

  it('takes its thresholds from the configuration section, over the defaults', () => {
    expect(healthThresholds({ destinationStalledMinutes: 0.05, diskLowPercent: 100 })).toEqual({
      destinationStalledMs: 3000,
      deviceDownMs: HEALTH_DEFAULTS.deviceDownMinutes * MIN,
      diskLowFraction: 1,
      diskCriticalFraction: HEALTH_DEFAULTS.diskCriticalPercent / 100,
    });
    const stalled = facts({ destinations: ehr({ queued: 1, oldestQueuedAt: NOW - 4000 }) });
    expect(judgeHealth(stalled, healthThresholds()).status).toBe('ok');
    expect(judgeHealth(stalled, healthThresholds({ destinationStalledMinutes: 0.05 })).status).toBe('failing');
  });

  it('the configuration accepts a health section and refuses what it does not know', () => {
    const base = { dataDir: '/tmp/x', web: { port: 0 }, devices: [], destinations: [] };
    const drivers = { ids: () => [], find: () => undefined, validateSettings: () => [] };
    expect(validateConfig({ ...base, health: { deviceDownMinutes: 2, diskCriticalPercent: 1 } }, drivers).ok).toBe(true);
    expect(validateConfig({ ...base, health: { deviceDownMinute: 2 } }, drivers).ok).toBe(false);
    expect(validateConfig({ ...base, health: { destinationStalledMinutes: 0 } }, drivers).ok).toBe(false);
  });
});
