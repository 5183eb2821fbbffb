// What a destination takes (`destinations[].receives`): patient results unless it says otherwise,
// QC results only when it asks for them. The one place both routes decide it.

import type { DestinationConfig } from '../config/schema.ts';

/** Absent `receives`: patient results only (every destination before QC forwarding existed). */
export function receivesPatients(dest: Pick<DestinationConfig, 'receives'>): boolean {
  return dest.receives === undefined || dest.receives.includes('patient');
}

export function receivesQc(dest: Pick<DestinationConfig, 'receives'>): boolean {
  return dest.receives?.includes('qc') === true;
}
