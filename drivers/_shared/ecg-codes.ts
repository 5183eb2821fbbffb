// ECG codes shared by the EKG drivers (docs/protocols.md#ecg-measurement-codes, docs/protocols.md#hl7-aecg-ekg-documents): which aECG annotation codes are
// which global measurement, and the codes of what is not a vocabulary measurement (the
// interpretation text, the tracing as a document, the rhythm samples).
//
// The interpretation is reported with a `code`, not a vocabulary type: vocabulary entries are
// numbers with a unit and a plausible range, and the normalizer and the plausibility check treat a
// text value for a vocabulary type as "not a number" and hold the reading.

import { ECG_ELEC_POTL, STANDARD_LEADS } from '../../src/model/ecg-leads.ts';
import type { ObservationCode } from '../../src/model/reading.ts';
import type { VitalType } from '../../src/model/vocabulary.ts';

/**
 * aECG annotation codes of global measurements. Vendors differ: the FDA IG examples use
 * MDC_ECG_TIME_PD_PR, others the 10101 `_GL` (global) REFIDs; heart rate also comes as
 * MDC_ECG_CARD_BEAT_RATE; QTc with its correction named (Bazett, Fridericia) is still a QTc.
 */
const AECG_GLOBALS: Record<string, VitalType> = {
  MDC_ECG_HEART_RATE: 'ecg.heart_rate',
  MDC_ECG_CARD_BEAT_RATE: 'ecg.heart_rate',
  MDC_ECG_TIME_PD_PR: 'ecg.pr',
  MDC_ECG_TIME_PD_PR_GL: 'ecg.pr',
  MDC_ECG_TIME_PD_QRS: 'ecg.qrs',
  MDC_ECG_TIME_PD_QRS_GL: 'ecg.qrs',
  MDC_ECG_TIME_PD_QT: 'ecg.qt',
  MDC_ECG_TIME_PD_QT_GL: 'ecg.qt',
  MDC_ECG_TIME_PD_QTC: 'ecg.qtc',
  MDC_ECG_TIME_PD_QTC_GL: 'ecg.qtc',
  MDC_ECG_TIME_PD_QTC_BAZETT: 'ecg.qtc',
  MDC_ECG_TIME_PD_QTC_FRIDERICIA: 'ecg.qtc',
  MDC_ECG_ANGLE_P_FRONT: 'ecg.p_axis',
  MDC_ECG_ANGLE_P_FRONT_GL: 'ecg.p_axis',
  MDC_ECG_ANGLE_QRS_FRONT: 'ecg.qrs_axis',
  MDC_ECG_ANGLE_QRS_FRONT_GL: 'ecg.qrs_axis',
  MDC_ECG_ANGLE_T_FRONT: 'ecg.t_axis',
  MDC_ECG_ANGLE_T_FRONT_GL: 'ecg.t_axis',
  // Vendor codes for axes (docs/protocols.md#hl7-aecg-ekg-documents: Mindray puts axes in its own codes).
  MINDRAY_ECG_P_AXIS: 'ecg.p_axis',
  MINDRAY_ECG_QRS_AXIS: 'ecg.qrs_axis',
  MINDRAY_ECG_T_AXIS: 'ecg.t_axis',
};

/** The vocabulary type of an aECG annotation code (case-insensitive: `QTc` vs `QTC`), if it is a global measurement. */
export function ecgTypeOfAnnotation(code: string): VitalType | undefined {
  return AECG_GLOBALS[code.trim().toUpperCase()];
}

export const INTERPRETATION_STATEMENT = 'MDC_ECG_INTERPRETATION_STATEMENT';
export const INTERPRETATION = 'MDC_ECG_INTERPRETATION';

/** The interpretation statements, one observation (LOINC 8601-7 "EKG impression", US Core clinical test codes). */
export const ECG_INTERPRETATION_CODE: ObservationCode = {
  loinc: '8601-7',
  mdc: { ref: INTERPRETATION },
  display: 'EKG impression',
};

/** The tracing as a document (the aECG XML itself): LOINC 11524-6 "EKG study". */
export const ECG_STUDY_CODE: ObservationCode = { loinc: '11524-6', display: 'EKG study' };

/** The rhythm samples: MDC_ECG_ELEC_POTL; each lead carries its own code (src/model/ecg-leads.ts). */
export const ECG_RHYTHM_CODE: ObservationCode = { mdc: { ...ECG_ELEC_POTL }, display: 'ECG rhythm waveform' };

/** aECG lead codes are `MDC_ECG_LEAD_` + the upper-case lead name: `MDC_ECG_LEAD_AVR` -> `aVR`, `MDC_ECG_LEAD_V1` -> `V1`; other leads (`MDC_ECG_LEAD_V3R`) keep their suffix. */
export function leadNameOf(code: string): string {
  const suffix = code
    .trim()
    .toUpperCase()
    .replace(/^MDC_ECG_LEAD_/, '');
  const standard = STANDARD_LEADS.find((l) => l.toUpperCase() === suffix);
  return standard ?? suffix;
}
