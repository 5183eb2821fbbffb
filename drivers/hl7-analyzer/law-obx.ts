// IHE LAW (Laboratory Analytical Workflow, LAB-29) OBXs that travel with a result but are not one:
// reporting them would put a second, empty result of the test, or the analyzer's pipetting time,
// calibration ID and own QC target/SD, in the QC log and in patient ORUs.

import { nonNull, type Hl7Reader, type Segment } from './hl7-text.ts';

/**
 * Why this OBX is not a result (a note without patient data), or undefined when it is one.
 * - Supplemental result: OBX-3's alternate coding system (CWE.6) is `IHELAW` and its alternate
 *   identifier (CWE.4) starts `S_` (`S_OTHER^Other Supplemental^IHELAW`), whatever its own code:
 *   the cobas pure sends them as `PT`, `QC_TARGET`..., the cobas 6800/8800 under the test's code.
 * - Qualitative companion: the same OBX-3 code as the order's previous OBX with no value (empty,
 *   `""`, or a coded value without identifier or text, `^^99ROC`).
 */
export function notAResult(r: Hl7Reader, obx: Segment, previous: Segment | undefined, n: number): string | undefined {
  const altId = r.get(obx, 3, 4).toUpperCase();
  if (altId.startsWith('S_') && r.get(obx, 3, 6).toUpperCase() === 'IHELAW')
    return `OBX ${n}: IHE LAW supplemental result (OBX-3.4 ${altId.slice(0, 20)}) not reported`;
  if (previous === undefined || !sameCode(r, obx, previous)) return undefined;
  const empty = r.repetitions(obx, 5).every((rep) => [1, 2, 4, 5].every((c) => nonNull(r.text(r.part(rep, c))) === ''));
  return empty ? `OBX ${n}: repeats the previous OBX's code without a value (IHE LAW qualitative companion) not reported` : undefined;
}

function sameCode(r: Hl7Reader, a: Segment, b: Segment): boolean {
  return r.get(a, 3, 1) === r.get(b, 3, 1) && r.get(a, 3, 3) === r.get(b, 3, 3);
}
