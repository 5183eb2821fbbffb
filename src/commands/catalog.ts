// The driver catalog every command validates configurations against.

import type { DriverCatalog } from '../config/validate.ts';

export async function catalog(): Promise<DriverCatalog> {
  const [{ drivers }, { driverCatalog }] = await Promise.all([import('../../drivers/index.ts'), import('../devices/driver-catalog.ts')]);
  return driverCatalog(drivers);
}
