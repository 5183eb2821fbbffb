import { describe, expect, it } from 'vitest';
import { validatePatient } from '../../../../src/web/page/lib/patient-validate.ts';

const ok = { mrn: ' DEMO1001 ', family: 'Example', given: 'Alice', dob: '', sex: '' };
const today = new Date(2026, 0, 15);

describe('validatePatient', () => {
  it('trims and returns only what was given', () => {
    expect(validatePatient(ok, today)).toEqual({ patient: { mrn: 'DEMO1001', family: 'Example', given: 'Alice' }, problems: [] });
    expect(validatePatient({ ...ok, dob: '1961-01-31', sex: 'F' }, today).patient).toMatchObject({ dob: '1961-01-31', sex: 'F' });
  });

  it('names every missing required field', () => {
    const r = validatePatient({ mrn: '', family: ' ', given: '', dob: '', sex: '' }, today);
    expect(r.patient).toBeUndefined();
    expect(r.problems.map((p) => p.field)).toEqual(['mrn', 'family', 'given']);
    expect(r.problems[0]!.message).toMatch(/MRN/);
  });

  it('refuses HL7 delimiters that would split the PID field', () => {
    expect(validatePatient({ ...ok, mrn: 'A^B' }, today).problems[0]).toMatchObject({ field: 'mrn' });
    expect(validatePatient({ ...ok, family: 'Doe|X' }, today).problems[0]).toMatchObject({ field: 'family' });
  });

  it('checks the birth date is real and not in the future', () => {
    expect(validatePatient({ ...ok, dob: '1961-02-30' }, today).problems[0]?.message).toMatch(/real date/);
    expect(validatePatient({ ...ok, dob: '2026-01-16' }, today).problems[0]?.message).toMatch(/future/);
    expect(validatePatient({ ...ok, dob: '2026-01-15' }, today).problems).toEqual([]);
    expect(validatePatient({ ...ok, dob: '1980-02-29' }, today).problems).toEqual([]);
  });

  it('accepts only the HL7 sex codes', () => {
    expect(validatePatient({ ...ok, sex: 'X' }, today).problems[0]).toMatchObject({ field: 'sex' });
  });
});
