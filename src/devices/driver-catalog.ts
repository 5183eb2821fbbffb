// The drivers the gateway knows, as config validation and the device runners need them.

import type { DriverCatalog } from '../config/validate.ts';
import type { Driver } from '../model/driver.ts';

export function driverCatalog(drivers: readonly Driver[]): DriverCatalog {
  const byId = new Map(drivers.map((d) => [d.id, d]));
  return {
    find: (id) => byId.get(id),
    ids: () => [...byId.keys()],
    validateSettings: (id, settings) => byId.get(id)?.validateSettings(settings) ?? [],
  };
}
