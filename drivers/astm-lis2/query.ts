// Pure: what an analyzer's Q (request information) record asks for (E1394 / LIS2-A2 section 12;
// docs/protocols.md#astm-host-query-and-download).

import type { AstmRecord } from './records.ts';

export interface HostQuery {
  /** The specimens asked about, in the order sent, without duplicates. */
  specimenIds: string[];
  /** Q.13 `A`: the analyzer cancels its last request (it stopped waiting for the answer). */
  cancel: boolean;
}

/**
 * Q.3 "starting range ID", one repeat per specimen: `patientId^specimenId^...`. The specimen id is
 * the component `component` (2 by the standard's layout; Roche cobas analyzers put it in 3), else
 * component 2, else 1: analyzers that send only the specimen id put it in either.
 */
export function hostQueryOf(q: AstmRecord, component: number): HostQuery {
  const ids: string[] = [];
  q.repeats(3).forEach((_, i) => {
    const c = q.components(3, i).map((x) => x.trim());
    const id = c[component - 1] || c[1] || c[0] || '';
    if (id !== '' && !ids.includes(id)) ids.push(id);
  });
  return { specimenIds: ids, cancel: q.field(13).trim().toUpperCase() === 'A' };
}
