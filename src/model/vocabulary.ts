// The measurement vocabulary: one entry per kind of measurement a driver may report by name.
// Codes from ../shared/PROTOCOLS.md section 2; where its sources conflict or are silent, the
// numeric MDC code is left out and the REFID (and LOINC where verified) carry the meaning.

import type { MdcCode, ObservationCode } from './reading.ts';

export interface VocabularyEntry {
  display: string;
  mdc?: MdcCode;
  loinc?: string;
  /** Canonical UCUM unit; the normalizer converts to it. */
  unit: string;
  /** Physically plausible range in the canonical unit; outside it a reading is held for review. */
  plausible: [number, number];
}

const vocabulary = {
  'bp.systolic': { display: 'Systolic blood pressure', mdc: { ref: 'MDC_PRESS_BLD_NONINV_SYS', code: 150021 }, loinc: '8480-6', unit: 'mm[Hg]', plausible: [20, 300] },
  'bp.diastolic': { display: 'Diastolic blood pressure', mdc: { ref: 'MDC_PRESS_BLD_NONINV_DIA', code: 150022 }, loinc: '8462-4', unit: 'mm[Hg]', plausible: [10, 250] },
  'bp.mean': { display: 'Mean blood pressure', mdc: { ref: 'MDC_PRESS_BLD_NONINV_MEAN', code: 150023 }, loinc: '8478-0', unit: 'mm[Hg]', plausible: [15, 270] },
  pulse: { display: 'Pulse rate', mdc: { ref: 'MDC_PULS_RATE', code: 149514 }, loinc: '8867-4', unit: '/min', plausible: [15, 350] },
  'pulse.nibp': { display: 'Pulse rate (NIBP)', mdc: { ref: 'MDC_PULS_RATE_NON_INV', code: 149546 }, loinc: '8867-4', unit: '/min', plausible: [15, 350] },
  'pulse.oximetry': { display: 'Pulse rate (oximetry)', mdc: { ref: 'MDC_PULS_OXIM_PULS_RATE', code: 149530 }, loinc: '8889-8', unit: '/min', plausible: [15, 350] },
  spo2: { display: 'Oxygen saturation (SpO2)', mdc: { ref: 'MDC_PULS_OXIM_SAT_O2', code: 150456 }, loinc: '59408-5', unit: '%', plausible: [30, 100] },
  temperature: { display: 'Body temperature', mdc: { ref: 'MDC_TEMP_BODY', code: 150364 }, loinc: '8310-5', unit: 'Cel', plausible: [25, 45] },
  weight: { display: 'Body weight', mdc: { ref: 'MDC_MASS_BODY_ACTUAL', code: 188736 }, loinc: '29463-7', unit: 'kg', plausible: [0.2, 650] },
  height: { display: 'Body height', mdc: { ref: 'MDC_LEN_BODY_ACTUAL', code: 188740 }, loinc: '8302-2', unit: 'cm', plausible: [20, 280] },
  bmi: { display: 'Body mass index', mdc: { ref: 'MDC_RATIO_MASS_BODY_LEN_SQ', code: 188752 }, loinc: '39156-5', unit: 'kg/m2', plausible: [5, 200] },
  respiration: { display: 'Respiratory rate', mdc: { ref: 'MDC_RESP_RATE', code: 151562 }, loinc: '9279-1', unit: '/min', plausible: [1, 150] },
  // 160184 = 2::29112 (11073-10417 glucose meter). LOINC 41653-7 "Glucose [Mass/volume] in Capillary
  // blood by Glucometer" matches the capillary MDC term; 2339-0 is glucose in blood of any kind.
  glucose: { display: 'Glucose', mdc: { ref: 'MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD', code: 160184 }, loinc: '41653-7', unit: 'mg/dL', plausible: [5, 2000] },
  'body.fat.percent': { display: 'Body fat percentage', mdc: { ref: 'MDC_BODY_FAT', code: 188748 }, loinc: '41982-0', unit: '%', plausible: [1, 80] },
  'body.fat.mass': { display: 'Body fat mass', unit: 'kg', plausible: [0.1, 400] },
  'body.fatfree.mass': { display: 'Fat-free mass', mdc: { ref: 'MDC_MASS_BODY_FAT_FREE', code: 188756 }, unit: 'kg', plausible: [0.1, 400] },
  'body.muscle.mass': { display: 'Muscle mass', unit: 'kg', plausible: [0.1, 400] },
  'body.bone.mass': { display: 'Bone mass', unit: 'kg', plausible: [0.05, 50] },
  'body.water.mass': { display: 'Total body water', unit: 'kg', plausible: [0.1, 400] },
  'body.water.percent': { display: 'Total body water percentage', unit: '%', plausible: [10, 90] },
  'body.impedance': { display: 'Bioelectrical impedance', unit: 'Ohm', plausible: [50, 2000] },
  // Resting ECG global measurements (PROTOCOLS.md 2.2). PR and QTc carry no numeric MDC code: the
  // 10101 and 10102 tables disagree, so the REFID (what aECG uses) and LOINC carry the meaning.
  // Ranges are physical, not clinical: wide enough for bradycardia, blocks and long QT.
  'ecg.heart_rate': { display: 'Heart rate (ECG)', mdc: { ref: 'MDC_ECG_HEART_RATE', code: 147842 }, loinc: '8867-4', unit: '/min', plausible: [15, 350] },
  'ecg.pr': { display: 'P-R interval', mdc: { ref: 'MDC_ECG_TIME_PD_PR_GL' }, loinc: '8625-6', unit: 'ms', plausible: [40, 600] },
  'ecg.qrs': { display: 'QRS duration', mdc: { ref: 'MDC_ECG_TIME_PD_QRS_GL', code: 147228 }, loinc: '8633-0', unit: 'ms', plausible: [30, 300] },
  'ecg.qt': { display: 'Q-T interval', mdc: { ref: 'MDC_ECG_TIME_PD_QT_GL', code: 147232 }, loinc: '8634-8', unit: 'ms', plausible: [150, 800] },
  'ecg.qtc': { display: 'Q-T interval corrected', mdc: { ref: 'MDC_ECG_TIME_PD_QTc' }, loinc: '8636-3', unit: 'ms', plausible: [150, 800] },
  'ecg.p_axis': { display: 'P wave axis', mdc: { ref: 'MDC_ECG_ANGLE_P_FRONT', code: 147200 }, loinc: '8626-4', unit: 'deg', plausible: [-180, 360] },
  'ecg.qrs_axis': { display: 'QRS axis', mdc: { ref: 'MDC_ECG_ANGLE_QRS_FRONT', code: 147204 }, loinc: '8632-2', unit: 'deg', plausible: [-180, 360] },
  'ecg.t_axis': { display: 'T wave axis', mdc: { ref: 'MDC_ECG_ANGLE_T_FRONT', code: 147208 }, loinc: '8638-9', unit: 'deg', plausible: [-180, 360] },
} as const satisfies Record<string, VocabularyEntry>;

export type VitalType = keyof typeof vocabulary;

export const VITAL_TYPES = Object.keys(vocabulary) as VitalType[];

export function vocabularyEntry(type: VitalType): VocabularyEntry {
  return vocabulary[type];
}

export function isVitalType(value: string): value is VitalType {
  return Object.hasOwn(vocabulary, value);
}

/** The ECG global measurements (heart rate, intervals, axes): the rows an ECG VMD groups in an ORU. */
export const ECG_TYPES = VITAL_TYPES.filter((t) => t.startsWith('ecg.'));

const ecgRefs = new Set(ECG_TYPES.flatMap((t) => vocabularyEntry(t).mdc?.ref ?? []));

/** Whether a code names an ECG global measurement (by its MDC REFID; LOINC alone is ambiguous: 8867-4 is any heart rate). */
export function isEcgMeasurementCode(code: ObservationCode): boolean {
  return code.mdc !== undefined && ecgRefs.has(code.mdc.ref);
}

/** Local code system for vocabulary entries without a standard code. */
export const LOCAL_CODE_SYSTEM = 'MEDGATE';
