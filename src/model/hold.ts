// Why a reading waits for a person, as data: every decision (what settles a hold, what the page
// offers, what is logged) is made from `kind` and `code`, never by matching the text.

/**
 * - patient: who the reading belongs to is not certain; a person's assignment settles it.
 * - value: what was measured cannot be trusted as sent (implausible, not a number, a unit that
 *   cannot be converted, an unknown measurement type, an unreadable time); only a person who
 *   checked the values (`acceptImplausible`) releases it.
 * - code: the standard code the mapping gives does not fit the result (a quantitative LOINC
 *   with a text value, a LOINC for another specimen); released only as the analyzer's local
 *   code (`acceptLocalCode`), never under that code.
 * - delivery: the gateway could not build or route the message (no destination, an encoder
 *   refusal); retried when a person releases it after the configuration is fixed.
 * - qc: the analyzer's quality control for the test failed (a Westgard rejection not yet reviewed
 *   when the result came); released only by a person who confirms it (`acceptQcFailure`), or with
 *   the rejection's review when the reviewer releases what it held.
 */
export type HoldKind = 'patient' | 'value' | 'code' | 'delivery' | 'qc';

export const HOLD_KINDS: readonly HoldKind[] = ['patient', 'value', 'code', 'delivery', 'qc'];

export type HoldCode =
  // patient
  | 'no-patient'
  | 'unknown-patient-id'
  | 'patient-mismatch'
  | 'no-order'
  // value
  | 'implausible'
  | 'not-a-number'
  | 'unit'
  | 'unknown-type'
  | 'time'
  | 'no-measurement'
  /** A reason written before hold reasons were structured whose text names no known cause: the strictest confirmation applies. */
  | 'unclassified'
  // code
  | 'code-mismatch'
  // delivery
  | 'no-destination'
  | 'encode-failed'
  /** Its outbox message was lost with a damaged state journal: releasing it builds and sends it anew. */
  | 'message-lost'
  // qc
  | 'qc-failed'
  /** Its QC failure was reviewed and the result kept held: a person releases or discards it; a new failure of the test holds it anew. */
  | 'qc-reviewed';

export interface HoldReason {
  kind: HoldKind;
  code: HoldCode;
  /** What a person reads. Never quotes a patient identifier; may quote a measured value (shown to staff, logged only at debug). */
  text: string;
  /** Which observations (indexes into reading.observations) the reason is about, where it is about some and not the whole reading. */
  observations?: number[];
}

export function holdReason(kind: HoldKind, code: HoldCode, text: string, observations?: number[]): HoldReason {
  return observations === undefined ? { kind, code, text } : { kind, code, text, observations };
}

/** `kind/code`: what logs above debug say about a hold (the text may quote a value). */
export function holdLabel(reason: Pick<HoldReason, 'kind' | 'code'>): string {
  return `${reason.kind}/${reason.code}`;
}
