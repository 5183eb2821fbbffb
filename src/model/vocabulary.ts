// The measurement vocabulary: one entry per kind of measurement a driver may report by name.
// Where the published tables conflict or are silent, the numeric MDC code is left out and the REFID
// (and LOINC where verified) carry the meaning: a receiver never sees a made-up number.
//
// Numeric MDC codes are partition * 65536 + term (IEEE 11073-10101). Sources, per entry below:
// [20601] IEEE 11073-20601 Annex A nomenclature with the 10404/10407/10408/10415/10417/10420
//   specialization terms (as reproduced in public PHD stacks);
// [PCD] IHE PCD TF-2 Rev. 9.0 example messages (150021-150023, 149546, 150456, 151562, 147842);
// [DICOM] DICOM PS3.16 CID 3227 "QTc Measurement", CID 3228 "ECG Timing Measurement", CID 3229
//   "ECG Axis Measurement" (reprinting 11073-10102 with IEEE permission).

import { ECG_ELEC_POTL } from './ecg-leads.ts';
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
  // [20601] 2::18949-18951, 2::18474; [PCD].
  'bp.systolic': {
    display: 'Systolic blood pressure',
    mdc: { ref: 'MDC_PRESS_BLD_NONINV_SYS', code: 150021 },
    loinc: '8480-6',
    unit: 'mm[Hg]',
    plausible: [20, 300],
  },
  'bp.diastolic': {
    display: 'Diastolic blood pressure',
    mdc: { ref: 'MDC_PRESS_BLD_NONINV_DIA', code: 150022 },
    loinc: '8462-4',
    unit: 'mm[Hg]',
    plausible: [10, 250],
  },
  'bp.mean': { display: 'Mean blood pressure', mdc: { ref: 'MDC_PRESS_BLD_NONINV_MEAN', code: 150023 }, loinc: '8478-0', unit: 'mm[Hg]', plausible: [15, 270] },
  // 2::18442: seen in public PCD-01 feeds; the one code here no published table at hand confirms.
  pulse: { display: 'Pulse rate', mdc: { ref: 'MDC_PULS_RATE', code: 149514 }, loinc: '8867-4', unit: '/min', plausible: [15, 350] },
  'pulse.nibp': { display: 'Pulse rate (NIBP)', mdc: { ref: 'MDC_PULS_RATE_NON_INV', code: 149546 }, loinc: '8867-4', unit: '/min', plausible: [15, 350] },
  // [20601] 10404: 2::18458 pulse rate and 2::19384 SpO2.
  'pulse.oximetry': {
    display: 'Pulse rate (oximetry)',
    mdc: { ref: 'MDC_PULS_OXIM_PULS_RATE', code: 149530 },
    loinc: '8889-8',
    unit: '/min',
    plausible: [15, 350],
  },
  spo2: { display: 'Oxygen saturation (SpO2)', mdc: { ref: 'MDC_PULS_OXIM_SAT_O2', code: 150456 }, loinc: '59408-5', unit: '%', plausible: [30, 100] },
  // [20601] 10408: 2::19292.
  temperature: { display: 'Body temperature', mdc: { ref: 'MDC_TEMP_BODY', code: 150364 }, loinc: '8310-5', unit: 'Cel', plausible: [25, 45] },
  // [20601] 10415: 2::57664 weight, 2::57668 height, 2::57680 BMI.
  weight: { display: 'Body weight', mdc: { ref: 'MDC_MASS_BODY_ACTUAL', code: 188736 }, loinc: '29463-7', unit: 'kg', plausible: [0.2, 650] },
  height: { display: 'Body height', mdc: { ref: 'MDC_LEN_BODY_ACTUAL', code: 188740 }, loinc: '8302-2', unit: 'cm', plausible: [20, 280] },
  bmi: { display: 'Body mass index', mdc: { ref: 'MDC_RATIO_MASS_BODY_LEN_SQ', code: 188752 }, loinc: '39156-5', unit: 'kg/m2', plausible: [5, 200] },
  // [20601] 10441: 2::20490; [PCD].
  respiration: { display: 'Respiratory rate', mdc: { ref: 'MDC_RESP_RATE', code: 151562 }, loinc: '9279-1', unit: '/min', plausible: [1, 150] },
  // 160184 = 2::29112 [20601] (11073-10417 glucose meter). LOINC 41653-7 "Glucose [Mass/volume] in Capillary
  // blood by Glucometer" matches the capillary MDC term; 2339-0 is glucose in blood of any kind.
  glucose: { display: 'Glucose', mdc: { ref: 'MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD', code: 160184 }, loinc: '41653-7', unit: 'mg/dL', plausible: [5, 2000] },
  // [20601] 10420 body composition analyzer: 2::57676 MDC_BODY_FAT (%), 2::57684 MDC_MASS_BODY_FAT_FREE
  // and 2::57692 MDC_BODY_WATER, both in kg as the public 10420 agents report them. Fat, muscle and
  // bone mass, water in % and impedance: the public tables disagree on their terms (or have none),
  // so these go out as local codes.
  'body.fat.percent': { display: 'Body fat percentage', mdc: { ref: 'MDC_BODY_FAT', code: 188748 }, loinc: '41982-0', unit: '%', plausible: [1, 80] },
  'body.fat.mass': { display: 'Body fat mass', unit: 'kg', plausible: [0.1, 400] },
  'body.fatfree.mass': { display: 'Fat-free mass', mdc: { ref: 'MDC_MASS_BODY_FAT_FREE', code: 188756 }, unit: 'kg', plausible: [0.1, 400] },
  'body.muscle.mass': { display: 'Muscle mass', unit: 'kg', plausible: [0.1, 400] },
  'body.bone.mass': { display: 'Bone mass', unit: 'kg', plausible: [0.05, 50] },
  'body.water.mass': { display: 'Total body water', mdc: { ref: 'MDC_BODY_WATER', code: 188764 }, unit: 'kg', plausible: [0.1, 400] },
  'body.water.percent': { display: 'Total body water percentage', unit: '%', plausible: [10, 90] },
  'body.impedance': { display: 'Bioelectrical impedance', unit: 'Ohm', plausible: [50, 2000] },
  // Resting ECG global measurements, the annotated-ECG (11073-10102) global terms aECG reports:
  // [DICOM] CID 3228 PR 2::15872, QRS 2::16156, QT 2::16160; CID 3227 QTc global 2::15876 (a public
  // 10101 list has 2::16164; the DICOM CIDs reprint the standard); CID 3229 axes 2::16128, 16132,
  // 16136. Heart rate 2::16770 [PCD], which names it MDC_ECG_CARD_BEAT_RATE (aECG: MDC_ECG_HEART_RATE).
  // Ranges are physical, not clinical: wide enough for bradycardia, blocks and long QT.
  'ecg.heart_rate': { display: 'Heart rate (ECG)', mdc: { ref: 'MDC_ECG_HEART_RATE', code: 147842 }, loinc: '8867-4', unit: '/min', plausible: [15, 350] },
  'ecg.pr': { display: 'P-R interval', mdc: { ref: 'MDC_ECG_TIME_PD_PR_GL', code: 146944 }, loinc: '8625-6', unit: 'ms', plausible: [40, 600] },
  'ecg.qrs': { display: 'QRS duration', mdc: { ref: 'MDC_ECG_TIME_PD_QRS_GL', code: 147228 }, loinc: '8633-0', unit: 'ms', plausible: [30, 300] },
  'ecg.qt': { display: 'Q-T interval', mdc: { ref: 'MDC_ECG_TIME_PD_QT_GL', code: 147232 }, loinc: '8634-8', unit: 'ms', plausible: [150, 800] },
  'ecg.qtc': { display: 'Q-T interval corrected', mdc: { ref: 'MDC_ECG_TIME_PD_QTc', code: 146948 }, loinc: '8636-3', unit: 'ms', plausible: [150, 800] },
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

const typeByRef = new Map<string, VitalType>();
const typeByLoinc = new Map<string, VitalType>();
for (const t of VITAL_TYPES) {
  const e = vocabularyEntry(t);
  // Several entries share a LOINC (8867-4 for three pulse rates): the first one wins.
  if (e.mdc && !typeByRef.has(e.mdc.ref)) typeByRef.set(e.mdc.ref, t);
  if (e.loinc && !typeByLoinc.has(e.loinc)) typeByLoinc.set(e.loinc, t);
}

/** The vocabulary type a code names: by MDC REFID, else by LOINC. */
export function vocabularyTypeForCode(code: ObservationCode): VitalType | undefined {
  const byRef = code.mdc ? typeByRef.get(code.mdc.ref) : undefined;
  return byRef ?? (code.loinc ? typeByLoinc.get(code.loinc) : undefined);
}

/**
 * The numeric code of an MDC term: the one the code carries, else the one this vocabulary (or the
 * ECG lead table) knows for its REFID, so a reading stored before a code was added goes out with it.
 */
export function mdcNumericCode(mdc: MdcCode): number | undefined {
  if (mdc.code !== undefined) return mdc.code;
  if (mdc.ref === ECG_ELEC_POTL.ref) return ECG_ELEC_POTL.code;
  const t = typeByRef.get(mdc.ref);
  return t === undefined ? undefined : vocabularyEntry(t).mdc?.code;
}

/** Whether a code names an ECG global measurement (by its MDC REFID; LOINC alone is ambiguous: 8867-4 is any heart rate). */
export function isEcgMeasurementCode(code: ObservationCode): boolean {
  return code.mdc !== undefined && ecgRefs.has(code.mdc.ref);
}

/**
 * Marks codes the normalizer made for vocabulary entries without a standard code. Internal only: it
 * is not a table 0396 name, and every encoder writes the configured local system instead
 * (src/hl7/local-code-system.ts).
 */
export const LOCAL_CODE_SYSTEM = 'MEDGATE';
