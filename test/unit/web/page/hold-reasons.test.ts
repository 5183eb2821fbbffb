// What the Patients page offers for a held reading, decided from the kinds of its hold reasons.

import { describe, expect, it } from 'vitest';
import { holdReason } from '../../../../src/model/hold.ts';
import { confirmationsFor, needsPatient, reasonsOf, uniqueReasons } from '../../../../src/web/page/lib/hold-reasons.ts';

const NO_PATIENT = holdReason('patient', 'no-patient', 'no patient: the device reported none and is not bound');
const UNKNOWN_TYPE = holdReason('value', 'unknown-type', "measurement 1: unknown measurement type 'weight.lean'", [0]);
const CODE = holdReason('code', 'code-mismatch', 'code mismatch: GLU', [0]);
const NO_DESTINATION = holdReason('delivery', 'no-destination', 'no destination configured');
const ALICE = { mrn: 'MRN4711' };

describe('the page on a held reading', () => {
  it('asks for the value box on any value hold, not only one worded "implausible" (the confirmed bug)', () => {
    expect(confirmationsFor({ holdReasons: [UNKNOWN_TYPE, NO_PATIENT] })).toEqual({ acceptImplausible: true });
    expect(needsPatient({ holdReasons: [UNKNOWN_TYPE, NO_PATIENT] })).toBe(true);
  });

  it('asks for the local-code box on a code hold, and nothing for a delivery hold', () => {
    expect(confirmationsFor({ holdReasons: [CODE, NO_DESTINATION] })).toEqual({ acceptLocalCode: true });
    expect(confirmationsFor({ holdReasons: [NO_DESTINATION] })).toEqual({});
  });

  it('offers a release without a patient form only when the reading has its patient and no patient hold', () => {
    expect(needsPatient({ holdReasons: [UNKNOWN_TYPE], patient: ALICE })).toBe(false);
    expect(needsPatient({ holdReasons: [NO_DESTINATION], patient: ALICE })).toBe(false);
    expect(needsPatient({ holdReasons: [holdReason('patient', 'patient-mismatch', 'patient mismatch: x')], patient: ALICE })).toBe(true);
    expect(needsPatient({ holdReasons: [UNKNOWN_TYPE] })).toBe(true);
  });

  it('shows each reason once', () => {
    expect(uniqueReasons([UNKNOWN_TYPE, NO_PATIENT, { ...UNKNOWN_TYPE }])).toEqual([UNKNOWN_TYPE, NO_PATIENT]);
    expect(reasonsOf({ holdReasons: [UNKNOWN_TYPE, NO_PATIENT, UNKNOWN_TYPE] }, 'value')).toEqual([UNKNOWN_TYPE]);
  });
});

describe('the page on a reading held for failed QC', () => {
  const QC = holdReason('qc', 'qc-failed', 'qc failed: GLU on lot QC-1 (1-3s) not reviewed', [0]);
  it('asks for the QC confirmation, and for it alone', () => {
    expect(confirmationsFor({ holdReasons: [QC] })).toEqual({ acceptQcFailure: true });
    expect(confirmationsFor({ holdReasons: [QC, CODE] })).toEqual({ acceptLocalCode: true, acceptQcFailure: true });
    expect(needsPatient({ holdReasons: [QC], patient: ALICE })).toBe(false);
  });
});
