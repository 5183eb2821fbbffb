// Which IEEE 11073 device specialization a reading's measurements fit, for the MDS row of a PCD-01
// ORU: chosen from what was measured, so no device is special-cased in the core.
//
// Codes: MDC_DEV_SPEC_PROFILE_* are partition 8 (INFRA) terms, 8::4100 pulse oximeter (10404),
// 8::4103 blood pressure (10407), 8::4104 thermometer (10408), 8::4111 weighing scale (10415),
// 8::4113 glucose meter (10417), 8::4116 body composition analyzer (10420): HL7 FHIR Personal
// Health Device IG, Device mapping, table of specializations, and IEEE 11073-20601 Annex A.
// A reading that fits none (or several) is a multi-parameter monitor's:
// 69965 MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS (1::4429), as in IHE PCD TF-2 Appendix E.

import type { DeviceKind, MdcCode, Observation } from './reading.ts';
import { isVitalType, vocabularyTypeForCode, type VitalType } from './vocabulary.ts';

const INFRA = 8 * 65536;

export const MULTI_PARAM_MDS: Required<MdcCode> = { ref: 'MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS', code: 69965 };

export type MeasurementGroup = 'scale' | 'body-composition' | 'bp' | 'pulse-oximetry' | 'glucose' | 'thermometry' | 'ecg' | 'other';

const SPECIALIZATION: Record<Exclude<MeasurementGroup, 'ecg' | 'other'>, Required<MdcCode>> = {
  'pulse-oximetry': { ref: 'MDC_DEV_SPEC_PROFILE_PULS_OXIM', code: INFRA + 4100 },
  bp: { ref: 'MDC_DEV_SPEC_PROFILE_BP', code: INFRA + 4103 },
  thermometry: { ref: 'MDC_DEV_SPEC_PROFILE_TEMP', code: INFRA + 4104 },
  scale: { ref: 'MDC_DEV_SPEC_PROFILE_SCALE', code: INFRA + 4111 },
  glucose: { ref: 'MDC_DEV_SPEC_PROFILE_GLUCOSE', code: INFRA + 4113 },
  'body-composition': { ref: 'MDC_DEV_SPEC_PROFILE_BCA', code: INFRA + 4116 },
};

// `undefined`: a measurement every specialization may carry (a plain pulse rate next to a BP or an
// SpO2), which decides nothing. Respiration is in no specialization above.
const GROUP_OF: Record<VitalType, MeasurementGroup | undefined> = {
  'bp.systolic': 'bp',
  'bp.diastolic': 'bp',
  'bp.mean': 'bp',
  'pulse.nibp': 'bp',
  pulse: undefined,
  'pulse.oximetry': 'pulse-oximetry',
  spo2: 'pulse-oximetry',
  temperature: 'thermometry',
  weight: 'scale',
  height: 'scale',
  bmi: 'scale',
  respiration: 'other',
  glucose: 'glucose',
  'body.fat.percent': 'body-composition',
  'body.fat.mass': 'body-composition',
  'body.fatfree.mass': 'body-composition',
  'body.muscle.mass': 'body-composition',
  'body.bone.mass': 'body-composition',
  'body.water.mass': 'body-composition',
  'body.water.percent': 'body-composition',
  'body.impedance': 'body-composition',
  'ecg.heart_rate': 'ecg',
  'ecg.pr': 'ecg',
  'ecg.qrs': 'ecg',
  'ecg.qt': 'ecg',
  'ecg.qtc': 'ecg',
  'ecg.p_axis': 'ecg',
  'ecg.qrs_axis': 'ecg',
  'ecg.t_axis': 'ecg',
};

/** The vocabulary type of an observation: the one it was normalized against, else the one its code names. */
export function vocabularyTypeOf(obs: Observation): VitalType | undefined {
  return obs.type !== undefined && isVitalType(obs.type) ? obs.type : vocabularyTypeForCode(obs.code);
}

/** What kind of measurement an observation is; `undefined` for one that fits any device. */
export function measurementGroup(obs: Observation): MeasurementGroup | undefined {
  const t = vocabularyTypeOf(obs);
  return t === undefined ? 'other' : GROUP_OF[t];
}

/**
 * The MDS row code: the specialization whose measurements the reading holds, else the
 * multi-parameter MDS. Only weight, height and BMI: a scale; body composition (with or without
 * those): the body composition analyzer, whose specialization includes them; an EKG (kind `ekg`)
 * and any mix: the multi-parameter MDS.
 */
export function specializationProfile(kind: DeviceKind, observations: Observation[]): Required<MdcCode> {
  if (kind === 'ekg') return MULTI_PARAM_MDS;
  // One pass (every ORU asks): the one group so far, where scale measurements join body composition.
  let only: MeasurementGroup | undefined;
  for (const obs of observations) {
    const group = measurementGroup(obs);
    if (group === undefined || group === only) continue;
    if (group === 'ecg' || group === 'other') return MULTI_PARAM_MDS;
    if (only === undefined || (only === 'scale' && group === 'body-composition')) only = group;
    else if (!(only === 'body-composition' && group === 'scale')) return MULTI_PARAM_MDS;
  }
  return only === undefined || only === 'ecg' || only === 'other' ? MULTI_PARAM_MDS : SPECIALIZATION[only];
}
