// Health facts of a gateway where all is well, for the judgement's tests to change one thing at a time.

import type { HealthFacts } from '../../../src/health/judge.ts';

export const NOW = Date.parse('2024-05-01T12:00:00.000Z');
export const MIN = 60_000;
export const GB = 1e9;

export function facts(over: Partial<HealthFacts> = {}): HealthFacts {
  return {
    now: NOW,
    startedAt: NOW - 60 * MIN,
    destinations: [{ id: 'ehr', queued: 0, dead: 0, lastDeliveredAt: NOW - 30 * MIN }],
    devices: [{ id: 'scale-1', up: true, state: 'connected' }],
    disk: { free: 50 * GB, size: 100 * GB },
    storage: { writesFailing: false },
    ...over,
  };
}
