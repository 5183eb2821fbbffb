// Whether the LOINC code a result would go out under fits the result (kind 'code' holds). A
// quantitative code never carries an ordinal or text value (`2345-7` serum glucose with `1+` is a
// urine dipstick filed as blood chemistry), and a code whose System is one specimen never carries a
// result of another. Such a result is held, never sent under that code; a person may release it
// under the analyzer's local code only.
//
// Only a certain disagreement holds: a code whose scale or specimen is unknown (not in the known
// table, a long name that does not say) is not judged. A comparator and a number (`<5`, `>=10`) is
// a quantitative value (HL7 SN).

import { structuredNumeric } from '../hl7/oru-lab.ts';
import { holdReason, type HoldReason } from '../model/hold.ts';
import { knownLoinc, loincAdmitsSpecimen, loincScale, type LoincScale } from '../model/loinc.ts';
import type { Observation, Reading } from '../model/reading.ts';

const NUMBER = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)\s*$/;

function isQuantitativeValue(value: Observation['value']): boolean | undefined {
  if (typeof value === 'number') return true;
  if (typeof value === 'string') return NUMBER.test(value) || structuredNumeric(value) !== undefined;
  return undefined; // waveforms and documents are not judged by value
}

function localName(obs: Observation): string {
  return obs.code.local?.code ?? obs.code.display ?? 'result';
}

/**
 * Hold reasons for results whose LOINC code does not fit them. `declaredScales`: the scales the
 * device's code map states for codes the gateway does not know.
 */
export function checkCodes(reading: Reading, declaredScales?: ReadonlyMap<string, LoincScale>): HoldReason[] {
  const reasons: HoldReason[] = [];
  const specimen = reading.specimen?.type;
  reading.observations.forEach((obs, i) => {
    const loinc = obs.code.loinc;
    if (loinc === undefined) return;
    const known = knownLoinc(loinc);
    const name = known?.name ?? obs.code.display;
    // The LOINC table's own scale wins over a declared one: a code's scale is a fact, not a setting.
    const scale = known?.scale ?? declaredScales?.get(loinc) ?? loincScale(loinc, name);
    const label = name === undefined ? `LOINC ${loinc}` : `LOINC ${loinc} (${name})`;
    if (scale === 'Qn' && isQuantitativeValue(obs.value) === false) {
      reasons.push(
        holdReason('code', 'code-mismatch', `code mismatch: ${localName(obs)} '${String(obs.value)}' is not a number, but ${label} is quantitative`, [i]),
      );
      return;
    }
    if (!loincAdmitsSpecimen(loinc, name, specimen)) {
      reasons.push(
        holdReason(
          'code',
          'code-mismatch',
          `code mismatch: ${localName(obs)} is a ${specimen?.display ?? specimen?.code ?? 'specimen'} result, but ${label} is for another specimen`,
          [i],
        ),
      );
    }
  });
  return reasons;
}
