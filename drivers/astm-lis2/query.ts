// Pure: what an analyzer's Q (request information) record asks for (E1394 / LIS2-A2 section 12;
// docs/protocols.md#astm-host-query-and-download).

import type { AstmRecord } from './records.ts';

export interface HostQuery {
  /** The specimens asked about, in the order sent, without duplicates. */
  specimenIds: string[];
  /** Q.13 `A`: the analyzer cancels its last request (it stopped waiting for the answer). */
  cancel: boolean;
  /**
   * Per specimen id, the Q.3 components after it when they carry anything: Roche cobas's
   * `sequence^carrier^position^^sampleType^container`, which its answer must echo in O.4
   * (cobas e 411 host manual pp. 39 and 51).
   */
  instrumentSpecimen: Record<string, string[]>;
}

/**
 * Q.3 "starting range ID", one repeat per specimen: `patientId^specimenId^...`. The specimen id is
 * the component `component` (2 by the standard's layout; Roche cobas analyzers put it in 3), else
 * component 2; component 1 only when Q.3 has no component at all (analyzers that send only the
 * specimen id): with components, the first is the patient's id, never looked up as a specimen.
 */
export function hostQueryOf(q: AstmRecord, component: number): HostQuery {
  const ids: string[] = [];
  const instrumentSpecimen: Record<string, string[]> = {};
  q.repeats(3).forEach((_, i) => {
    const c = q.components(3, i).map((x) => x.trim());
    const id = c[component - 1] || c[1] || (c.length === 1 ? c[0] : '') || '';
    if (id === '' || ids.includes(id)) return;
    ids.push(id);
    const rest = c.slice(component);
    if (c[component - 1] === id && rest.some((x) => x !== '')) instrumentSpecimen[id] = rest;
  });
  return { specimenIds: ids, cancel: q.field(13).trim().toUpperCase() === 'A', instrumentSpecimen };
}
