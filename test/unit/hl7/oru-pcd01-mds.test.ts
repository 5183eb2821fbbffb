// The PCD-01 MDS row's specialization is chosen in one pass over the observations; this property
// holds it to the rule as specialization-profile.ts states it, in sets.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeOruPcd01, type OruContext } from '../../../src/hl7/oru-pcd01.ts';
import type { DeviceKind, MdcCode, Observation, Reading } from '../../../src/model/reading.ts';
import { measurementGroup, MULTI_PARAM_MDS, specializationProfile, type MeasurementGroup } from '../../../src/model/specialization-profile.ts';
import { VITAL_TYPES, vocabularyEntry } from '../../../src/model/vocabulary.ts';

/**
 * The rule in sets: the groups the measurements fall in (a measurement any device may carry falls
 * in none), scale folded into body composition; one group with a specialization names it, anything
 * else (none, several, ECG, other, an EKG cart) is the multi-parameter MDS.
 */
function ruleInSets(kind: DeviceKind, observations: Observation[]): string {
  if (kind === 'ekg') return MULTI_PARAM_MDS.ref;
  const groups = new Set(observations.map(measurementGroup).filter((g) => g !== undefined));
  if (groups.has('body-composition')) groups.delete('scale');
  const [only, ...more] = groups;
  if (only === undefined || more.length > 0 || only === 'ecg' || only === 'other') return MULTI_PARAM_MDS.ref;
  return SPECIALIZATION_REF[only];
}

// IEEE 11073-20601 Annex A MDC_DEV_SPEC_PROFILE_* terms, as specialization-profile.ts cites them.
const SPECIALIZATION_REF: Record<Exclude<MeasurementGroup, 'ecg' | 'other'>, string> = {
  'pulse-oximetry': 'MDC_DEV_SPEC_PROFILE_PULS_OXIM',
  bp: 'MDC_DEV_SPEC_PROFILE_BP',
  thermometry: 'MDC_DEV_SPEC_PROFILE_TEMP',
  scale: 'MDC_DEV_SPEC_PROFILE_SCALE',
  glucose: 'MDC_DEV_SPEC_PROFILE_GLUCOSE',
  'body-composition': 'MDC_DEV_SPEC_PROFILE_BCA',
};

// An observation as normalize() makes it (typed), known only by its code (MDC or LOINC), or
// unknown to the vocabulary.
const observations: fc.Arbitrary<Observation> = fc.oneof(
  fc.constantFrom(...VITAL_TYPES).map((type): Observation => {
    const e = vocabularyEntry(type);
    return { type, code: { ...(e.mdc && { mdc: e.mdc }), ...(e.loinc && { loinc: e.loinc }) }, value: 1, status: 'F' };
  }),
  fc.constantFrom(...VITAL_TYPES).map((type): Observation => ({ code: { mdc: vocabularyEntry(type).mdc }, value: 1, status: 'F' })),
  fc.constantFrom(...VITAL_TYPES).map((type): Observation => ({ code: { loinc: vocabularyEntry(type).loinc }, value: 1, status: 'F' })),
  fc.constant<Observation>({ code: { local: { code: 'X1', system: 'L' } }, value: 1, status: 'F' }),
);
const kinds = fc.constantFrom<DeviceKind>('generic', 'bp', 'scale', 'vitals', 'ekg');

describe('PCD-01 MDS row', () => {
  it('property: the one-pass choice is the rule stated in sets', () => {
    fc.assert(
      fc.property(kinds, fc.array(observations, { maxLength: 7 }), (kind, obs) => {
        expect(specializationProfile(kind, obs).ref).toBe(ruleInSets(kind, obs));
      }),
      { numRuns: 3000 },
    );
  });

  it('is the code the MDS row (OBX 1.0.0.0) carries', () => {
    const mds = (obs: Observation[]): Required<MdcCode> => specializationProfile('scale', obs);
    const weight = { type: 'weight', code: { mdc: vocabularyEntry('weight').mdc }, value: 70, unit: 'kg', status: 'F' } satisfies Observation;
    const fat = { type: 'body.fat.percent', code: { mdc: vocabularyEntry('body.fat.percent').mdc }, value: 20, unit: '%', status: 'F' } satisfies Observation;
    const reading: Reading = {
      id: 'R1',
      deviceId: 'sc-1',
      kind: 'scale',
      observedAt: '2025-01-14T09:30:00.000+01:00',
      receivedAt: '2025-01-14T09:30:00.000+01:00',
      raw: '',
      observations: [weight, fat],
    };
    const ctx: OruContext = {
      controlId: 'C1',
      now: new Date('2025-01-14T08:30:01Z'),
      offsetMinutes: 60,
      sendingApplication: { name: 'MEDGATE' },
      patient: { mrn: 'M1' },
      device: { id: 'sc-1', kind: 'scale' },
    };
    const row = encodeOruPcd01(reading, ctx)
      .split('\r')
      .find((s) => s.includes('|1.0.0.0|'));
    expect(mds([weight, fat]).ref).toBe('MDC_DEV_SPEC_PROFILE_BCA');
    expect(row).toContain(`|${mds([weight, fat]).code}^MDC_DEV_SPEC_PROFILE_BCA^MDC|1.0.0.0|`);
  });
});
