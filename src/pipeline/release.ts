// What releases a held reading, decided from its hold reasons' kinds alone (src/model/hold.ts):
// patient holds by a person's assignment, value holds by `acceptImplausible`, code holds by
// `acceptLocalCode` (the observations concerned then go out under the analyzer's own code only),
// delivery holds by releasing it again (the message is rebuilt and routed anew), qc holds by
// `acceptQcFailure` (a person takes the result although its test's QC failed unreviewed).

import type { HoldKind, HoldReason } from '../model/hold.ts';
import type { Observation, Reading } from '../model/reading.ts';

export interface ReleaseConfirmations {
  /** A person checked the values (settles kind 'value'). The name predates the other kinds; scripts use it. */
  acceptImplausible?: boolean;
  /** Send the observations a code hold names under the analyzer's local code, never under the mapped one (settles kind 'code'). */
  acceptLocalCode?: boolean;
  /** A person sends it although the analyzer's QC for its test failed and is not reviewed yet (settles kind 'qc'). */
  acceptQcFailure?: boolean;
}

export interface ReleaseInput {
  holdReasons: readonly HoldReason[];
  observations: readonly Pick<Observation, 'code'>[];
  /** A person names the patient now (assign), or the reading already has one (release). */
  patient: 'assigned' | 'kept' | 'none';
  confirm: ReleaseConfirmations;
}

export type ReleaseDecision =
  | {
      ok: true;
      /** The reasons a person's confirmation overrode (kinds value, code and qc), for the audit journal. */
      overridden: HoldReason[];
      /** Indexes of the observations that go out under their local code only. */
      localCodeOnly: number[];
    }
  | {
      ok: false;
      /** What is missing, by kind: a patient, or a confirmation. */
      missing: Array<'patient' | Confirmation>;
      /** Says what is missing and how to give it; never quotes the reasons' texts (they may quote values). */
      message: string;
    };

export type Confirmation = 'acceptImplausible' | 'acceptLocalCode' | 'acceptQcFailure';

function codesOf(reasons: readonly HoldReason[], kind: HoldKind): string {
  return [...new Set(reasons.filter((r) => r.kind === kind).map((r) => r.code))].join(', ');
}

/** Every observation a code hold is about; a code hold that names none is about all of them. */
function codeHoldObservations(reasons: readonly HoldReason[], count: number): number[] {
  const out = new Set<number>();
  for (const r of reasons) {
    if (r.kind !== 'code') continue;
    const named = r.observations ?? Array.from({ length: count }, (_, i) => i);
    for (const i of named) if (Number.isInteger(i) && i >= 0 && i < count) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

export function decideRelease(input: ReleaseInput): ReleaseDecision {
  const { holdReasons, confirm } = input;
  const has = (kind: HoldKind) => holdReasons.some((r) => r.kind === kind);
  const missing: Array<'patient' | Confirmation> = [];
  const says: string[] = [];

  if (input.patient === 'none' || (input.patient === 'kept' && has('patient'))) {
    missing.push('patient');
    says.push(`its patient (${codesOf(holdReasons, 'patient') || 'no-patient'}): assign it to a patient`);
  }
  if (has('value') && confirm.acceptImplausible !== true) {
    missing.push('acceptImplausible');
    says.push(`its values (${codesOf(holdReasons, 'value')}): confirm a person checked them with acceptImplausible: true`);
  }
  if (has('code') && confirm.acceptLocalCode !== true) {
    missing.push('acceptLocalCode');
    says.push(`its codes (${codesOf(holdReasons, 'code')}): confirm with acceptLocalCode: true to send it under the analyzer's own code`);
  }
  if (has('qc') && confirm.acceptQcFailure !== true) {
    missing.push('acceptQcFailure');
    says.push(
      `its test's failed quality control (${codesOf(holdReasons, 'qc')}): review the QC rejection, or confirm with acceptQcFailure: true that the result may go out anyway`,
    );
  }
  if (missing.length > 0) return { ok: false, missing, message: `held for ${says.join('; and for ')}; or discard it` };

  const localCodeOnly = codeHoldObservations(holdReasons, input.observations.length);
  const uncoded = localCodeOnly.filter((i) => input.observations[i]?.code.local === undefined);
  if (uncoded.length > 0) {
    // Sending it under the code found not to fit is what the hold prevents; with no other code, it cannot go.
    const which = uncoded.map((i) => i + 1).join(', ');
    return { ok: false, missing: [], message: `observation ${which} has no code of the analyzer's own to go out under; discard the reading` };
  }
  return { ok: true, overridden: holdReasons.filter((r) => r.kind === 'value' || r.kind === 'code' || r.kind === 'qc'), localCodeOnly };
}

/**
 * The reading with the named observations coded by their local code alone: the standard codes (LOINC,
 * MDC) go, and so does a display name that may have come with the mapping (it names the LOINC term).
 */
export function withLocalCodesOnly(reading: Reading, indexes: readonly number[]): Reading {
  if (indexes.length === 0) return reading;
  const only = new Set(indexes);
  return {
    ...reading,
    observations: reading.observations.map((o, i) => {
      const local = o.code.local;
      if (!only.has(i) || !local) return o;
      return { ...o, code: local.display === undefined ? { local: { ...local } } : { local: { ...local }, display: local.display } };
    }),
  };
}
