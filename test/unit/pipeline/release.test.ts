// The release rules, kind by kind: what each hold needs, what a refusal names, and that a code hold
// releases its observations under the analyzer's own code only.

import { describe, expect, it } from 'vitest';
import { holdReason, type HoldReason } from '../../../src/model/hold.ts';
import type { Observation, Reading } from '../../../src/model/reading.ts';
import { decideRelease, withLocalCodesOnly, type ReleaseInput } from '../../../src/pipeline/release.ts';

const NO_PATIENT = holdReason('patient', 'no-patient', 'no patient: the device reported none and is not bound');
const MISMATCH = holdReason('patient', 'patient-mismatch', 'patient mismatch: the reported name does not match the directory');
const IMPLAUSIBLE = holdReason('value', 'implausible', 'implausible: Body weight 900 kg outside 0.2–650', [0]);
const UNKNOWN_TYPE = holdReason('value', 'unknown-type', "measurement 1: unknown measurement type 'weight.lean'", [0]);
const CODE = holdReason('code', 'code-mismatch', "code mismatch: GLU '1+' is not a number, but LOINC 2345-7 is quantitative", [1]);
const NO_DESTINATION = holdReason('delivery', 'no-destination', 'no destination configured');

const GLU: Observation = {
  code: { loinc: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma', local: { system: '99MDG', code: 'GLU' } },
  value: '1+',
  status: 'F',
};
const NA: Observation = { code: { loinc: '2951-2', local: { system: '99MDG', code: 'NA' } }, value: 140, unit: 'mmol/L', status: 'F' };
const OBS: Observation[] = [NA, GLU];

function decide(holdReasons: HoldReason[], patient: ReleaseInput['patient'], confirm: ReleaseInput['confirm'] = {}, observations: Observation[] = OBS) {
  return decideRelease({ holdReasons, observations, patient, confirm });
}

describe('decideRelease', () => {
  it('settles a patient hold by an assignment, and by nothing else', () => {
    expect(decide([NO_PATIENT], 'assigned')).toEqual({ ok: true, overridden: [], localCodeOnly: [] });
    const kept = decide([MISMATCH], 'kept', { acceptImplausible: true, acceptLocalCode: true });
    expect(kept).toMatchObject({ ok: false, missing: ['patient'] });
    expect(decide([], 'none')).toMatchObject({ ok: false, missing: ['patient'] });
  });

  it('needs acceptImplausible for every value hold, whatever its code', () => {
    for (const value of [IMPLAUSIBLE, UNKNOWN_TYPE, holdReason('value', 'unclassified', 'something an older gateway said')]) {
      const refused = decide([value], 'kept');
      expect(refused).toMatchObject({ ok: false, missing: ['acceptImplausible'] });
      expect(decide([value], 'kept', { acceptImplausible: true })).toEqual({ ok: true, overridden: [value], localCodeOnly: [] });
    }
  });

  it('the confirmed bug: an unknown type with no patient is assigned with acceptImplausible, and refused without it, naming the value hold', () => {
    const refused = decide([UNKNOWN_TYPE, NO_PATIENT], 'assigned');
    expect(refused).toMatchObject({ ok: false, missing: ['acceptImplausible'] });
    if (refused.ok) return;
    expect(refused.message).toMatch(/values \(unknown-type\).*acceptImplausible: true/);
    expect(refused.message).not.toMatch(/patient/);
    expect(decide([UNKNOWN_TYPE, NO_PATIENT], 'assigned', { acceptImplausible: true })).toEqual({ ok: true, overridden: [UNKNOWN_TYPE], localCodeOnly: [] });
  });

  it('needs acceptLocalCode for a code hold, and releases its observations under their local code only', () => {
    expect(decide([CODE], 'kept', { acceptImplausible: true })).toMatchObject({ ok: false, missing: ['acceptLocalCode'] });
    expect(decide([CODE], 'kept', { acceptLocalCode: true })).toEqual({ ok: true, overridden: [CODE], localCodeOnly: [1] });
    // A code hold that names no observation is about all of them.
    const whole = holdReason('code', 'code-mismatch', 'code mismatch: the whole panel');
    expect(decide([whole], 'kept', { acceptLocalCode: true })).toMatchObject({ ok: true, localCodeOnly: [0, 1] });
  });

  it('refuses a code hold on a result without a local code: it has no other code to go out under', () => {
    const loincOnly: Observation = { code: { loinc: '2345-7' }, value: '1+', status: 'F' };
    const refused = decide([holdReason('code', 'code-mismatch', 'x', [0])], 'kept', { acceptLocalCode: true }, [loincOnly]);
    expect(refused).toMatchObject({ ok: false, missing: [] });
    if (!refused.ok) expect(refused.message).toMatch(/observation 1 has no code of the analyzer's own/);
  });

  it('retries a delivery hold on release, with no confirmation', () => {
    expect(decide([NO_DESTINATION], 'kept')).toEqual({ ok: true, overridden: [], localCodeOnly: [] });
    expect(decide([holdReason('delivery', 'encode-failed', 'the message for a destination could not be built: x')], 'kept')).toMatchObject({ ok: true });
  });

  it('names every missing confirmation at once, by kind, and never quotes a reason text', () => {
    const refused = decide([IMPLAUSIBLE, CODE, NO_PATIENT], 'none');
    expect(refused).toMatchObject({ ok: false, missing: ['patient', 'acceptImplausible', 'acceptLocalCode'] });
    if (refused.ok) return;
    expect(refused.message).toMatch(/patient \(no-patient\)/);
    expect(refused.message).toMatch(/values \(implausible\)/);
    expect(refused.message).toMatch(/codes \(code-mismatch\)/);
    expect(refused.message).not.toContain('900');
    expect(refused.message).not.toContain('1+');
  });

  it('needs acceptQcFailure for a qc hold, names it when missing, and reports the hold as overridden', () => {
    const QC = holdReason('qc', 'qc-failed', 'qc failed: GLU on lot QC-GLU-1 (1-3s) not reviewed', [1]);
    const refused = decide([QC], 'kept', { acceptImplausible: true, acceptLocalCode: true });
    expect(refused).toMatchObject({ ok: false, missing: ['acceptQcFailure'] });
    if (!refused.ok) expect(refused.message).toMatch(/quality control \(qc-failed\).*acceptQcFailure: true/);
    expect(decide([QC], 'kept', { acceptQcFailure: true })).toEqual({ ok: true, overridden: [QC], localCodeOnly: [] });
    // With no patient either, both are named.
    expect(decide([QC, NO_PATIENT], 'kept')).toMatchObject({ ok: false, missing: ['patient', 'acceptQcFailure'] });
  });

  it('decides from the kind, never from the text', () => {
    // A value hold worded like a patient hold is still a value hold, and the other way round.
    const value = holdReason('value', 'unit', 'no patient: a text that starts like a patient hold');
    expect(decide([value], 'assigned')).toMatchObject({ ok: false, missing: ['acceptImplausible'] });
    const patient = holdReason('patient', 'no-patient', 'implausible: a text that starts like a value hold');
    expect(decide([patient], 'assigned')).toMatchObject({ ok: true });
  });
});

describe('withLocalCodesOnly', () => {
  const reading: Reading = {
    id: 'R1',
    deviceId: 'chem-1',
    kind: 'lab',
    observedAt: '2026-12-01T10:00:00Z',
    receivedAt: '2026-12-01T10:00:01Z',
    observations: OBS,
    raw: '',
  };

  it('drops the LOINC, the MDC and the mapped display of the named observations, keeps the local code, and leaves the rest', () => {
    const withMdc: Reading = { ...reading, observations: [NA, { ...GLU, code: { ...GLU.code, mdc: { ref: 'MDC_X' } } }] };
    const out = withLocalCodesOnly(withMdc, [1]);
    expect(out.observations[1]!.code).toEqual({ local: { system: '99MDG', code: 'GLU' } });
    expect(out.observations[1]!.value).toBe('1+');
    expect(out.observations[0]).toBe(NA);
    // The original is untouched.
    expect(withMdc.observations[1]!.code.loinc).toBe('2345-7');
  });

  it("keeps the analyzer's own display name", () => {
    const named: Reading = { ...reading, observations: [{ ...GLU, code: { ...GLU.code, local: { system: 'L', code: 'GLU', display: 'Glucose strip' } } }] };
    expect(withLocalCodesOnly(named, [0]).observations[0]!.code).toEqual({
      local: { system: 'L', code: 'GLU', display: 'Glucose strip' },
      display: 'Glucose strip',
    });
  });
});
