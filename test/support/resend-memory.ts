// Duplicate memories for tests that run driver sessions or device runners without a storage engine.

import type { DeviceReport, FirstCopy, ResendMemory } from '../../src/model/driver.ts';
import type { RecentMessages } from '../../src/store/recent-store.ts';

/** The gateway side in memory (what `RecentStore` keeps on disk), with what it was told. */
export function memoryResends(): RecentMessages & { remembered: Map<string, FirstCopy> } {
  const remembered = new Map<string, FirstCopy>();
  const id = (deviceId: string, key: string) => JSON.stringify([deviceId, key]);
  return {
    remembered,
    recall: (deviceId, key) => remembered.get(id(deviceId, key)),
    remember: async (deviceId, key, readingId) => {
      if (!remembered.has(id(deviceId, key))) remembered.set(id(deviceId, key), { at: new Date().toISOString(), readingId });
    },
  };
}

/**
 * A link's memory for a driver session under test, without a device runner: the test's report
 * listener calls `stored(report)` once it has "stored" the report, as the runner remembers the key
 * after the intake write. Share one between sessions to stand for a restart.
 */
export function linkMemory(): { resends: ResendMemory; stored(report: DeviceReport): void; keys: Map<string, FirstCopy> } {
  const keys = new Map<string, FirstCopy>();
  let n = 0;
  return {
    keys,
    resends: { recall: (key) => keys.get(key) },
    stored: (report) => {
      n++;
      if (report.resendKey !== undefined && !keys.has(report.resendKey)) keys.set(report.resendKey, { at: new Date().toISOString(), readingId: `R${n}` });
    },
  };
}
