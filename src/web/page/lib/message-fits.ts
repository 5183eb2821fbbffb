// Which message events the Messages table takes in while its filters and search are set; no DOM here.

import type { MessageView } from '../../api-types.ts';
import { nameMatches, nameWords } from '../../../model/search-text.ts';

/** The Messages page's "All destinations". */
export const ALL_DESTINATIONS = '*';

/** The filter bar's values (lib/list-filters.ts). */
export interface MessageFilters {
  device: string;
  patient: string;
  state: string;
  q: string;
}

/**
 * Whether a message the server told of belongs in the list the filters ask for: a search looks in
 * every destination, for its ids, its MRN or words of its patient's name (as the server searches).
 */
export function messageFits(m: MessageView, dest: string, f: MessageFilters): boolean {
  if (dest !== ALL_DESTINATIONS && !f.q && m.destinationId !== dest) return false;
  if (f.state && m.state !== f.state) return false;
  if (f.device && m.deviceId !== f.device) return false;
  if (f.patient && m.patient?.mrn !== f.patient) return false;
  if (!f.q) return true;
  return m.id === f.q || m.readingId === f.q || m.patient?.mrn === f.q || nameMatches(m.patient, nameWords(f.q));
}
