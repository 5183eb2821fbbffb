import { describe, it, expect } from 'vitest';
import type { DeviceKind, Observation } from '../../../src/model/reading.ts';
import { measurementGroup, MULTI_PARAM_MDS, specializationProfile } from '../../../src/model/specialization-profile.ts';
import { VITAL_TYPES, vocabularyEntry, type VitalType } from '../../../src/model/vocabulary.ts';

/** An observation as normalize() makes it for a vocabulary type. */
function typed(type: VitalType): Observation {
  const e = vocabularyEntry(type);
  return { type, code: { ...(e.mdc && { mdc: e.mdc }), ...(e.loinc && { loinc: e.loinc }), display: e.display }, value: 1, unit: e.unit, status: 'F' };
}

const profile = (types: VitalType[], kind: DeviceKind = 'generic'): string => specializationProfile(kind, types.map(typed)).ref;

describe('specializationProfile', () => {
  it('weight, height and BMI only: the weighing scale (11073-10415)', () => {
    expect(profile(['weight'])).toBe('MDC_DEV_SPEC_PROFILE_SCALE');
    expect(profile(['weight', 'height', 'bmi'])).toBe('MDC_DEV_SPEC_PROFILE_SCALE');
  });

  it('body composition, with or without weight: the body composition analyzer (11073-10420)', () => {
    expect(profile(['weight', 'bmi', 'body.fat.percent', 'body.water.mass', 'body.impedance'], 'scale')).toBe('MDC_DEV_SPEC_PROFILE_BCA');
    expect(profile(['body.fat.percent'])).toBe('MDC_DEV_SPEC_PROFILE_BCA');
  });

  it('NIBP (its pulse too, and a plain pulse rate): blood pressure (11073-10407)', () => {
    expect(profile(['bp.systolic', 'bp.diastolic', 'bp.mean', 'pulse.nibp'])).toBe('MDC_DEV_SPEC_PROFILE_BP');
    expect(profile(['bp.systolic', 'bp.diastolic', 'pulse'])).toBe('MDC_DEV_SPEC_PROFILE_BP');
  });

  it('SpO2: the pulse oximeter (11073-10404); glucose: the glucose meter (10417); temperature: the thermometer (10408)', () => {
    expect(profile(['spo2', 'pulse.oximetry'])).toBe('MDC_DEV_SPEC_PROFILE_PULS_OXIM');
    expect(profile(['spo2', 'pulse'])).toBe('MDC_DEV_SPEC_PROFILE_PULS_OXIM');
    expect(profile(['glucose'])).toBe('MDC_DEV_SPEC_PROFILE_GLUCOSE');
    expect(profile(['temperature'])).toBe('MDC_DEV_SPEC_PROFILE_TEMP');
  });

  it('a mix, respiration, a lone pulse, nothing, or an EKG: the multi-parameter MDS', () => {
    expect(profile(['spo2', 'bp.systolic'])).toBe(MULTI_PARAM_MDS.ref);
    expect(profile(['weight', 'temperature'])).toBe(MULTI_PARAM_MDS.ref);
    expect(profile(['respiration'])).toBe(MULTI_PARAM_MDS.ref);
    expect(profile(['pulse'])).toBe(MULTI_PARAM_MDS.ref);
    expect(profile([])).toBe(MULTI_PARAM_MDS.ref);
    expect(profile(['ecg.heart_rate', 'ecg.qt'], 'ekg')).toBe(MULTI_PARAM_MDS.ref);
    expect(profile(['weight'], 'ekg')).toBe(MULTI_PARAM_MDS.ref);
  });

  it('knows an observation by its code when it has no type (a device that sent codes)', () => {
    const bySpo2Code: Observation = { code: { mdc: { ref: 'MDC_PULS_OXIM_SAT_O2', code: 150456 } }, value: 97, status: 'F' };
    const byLoinc: Observation = { code: { loinc: '8310-5' }, value: 37, status: 'F' };
    const local: Observation = { code: { local: { system: 'L', code: 'X' } }, value: 'x', status: 'F' };
    expect(specializationProfile('generic', [bySpo2Code]).ref).toBe('MDC_DEV_SPEC_PROFILE_PULS_OXIM');
    expect(specializationProfile('generic', [byLoinc]).ref).toBe('MDC_DEV_SPEC_PROFILE_TEMP');
    expect(measurementGroup(local)).toBe('other');
    expect(specializationProfile('generic', [bySpo2Code, local]).ref).toBe(MULTI_PARAM_MDS.ref);
  });

  it('gives partition 8 codes as the PHD IG lists them (8::4100 .. 8::4116), and 69965 for the multi-parameter MDS', () => {
    const code = (types: VitalType[]) => specializationProfile('generic', types.map(typed)).code;
    expect([code(['spo2']), code(['bp.systolic']), code(['temperature']), code(['weight']), code(['glucose']), code(['body.fat.percent'])]).toEqual([
      528388, 528391, 528392, 528399, 528401, 528404,
    ]);
    expect(MULTI_PARAM_MDS.code).toBe(69965);
  });

  it('has a group (or none, deliberately) for every vocabulary type', () => {
    for (const t of VITAL_TYPES) expect(() => measurementGroup(typed(t))).not.toThrow();
  });
});
