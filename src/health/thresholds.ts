// The health thresholds: the configuration's `health` section over these defaults.

import type { HealthConfigT } from '../config/schema.ts';
import type { HealthThresholds } from './judge.ts';

export const HEALTH_DEFAULTS: Required<HealthConfigT> = {
  destinationStalledMinutes: 10,
  deviceDownMinutes: 5,
  diskLowPercent: 10,
  diskCriticalPercent: 2,
};

export function healthThresholds(config: HealthConfigT = {}): HealthThresholds {
  const c = { ...HEALTH_DEFAULTS, ...config };
  return {
    destinationStalledMs: c.destinationStalledMinutes * 60_000,
    deviceDownMs: c.deviceDownMinutes * 60_000,
    diskLowFraction: c.diskLowPercent / 100,
    diskCriticalFraction: c.diskCriticalPercent / 100,
  };
}
