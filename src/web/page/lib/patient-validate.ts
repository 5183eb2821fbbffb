// Checks what a person typed about a patient before it names a chart. Messages say what to fix.
// DOM-free; the server checks again.

import type { PatientRef } from '../../../model/reading.ts';

export interface PatientFields {
  mrn: string;
  family: string;
  given: string;
  dob: string;
  sex: string;
}

export type PatientField = keyof PatientFields;

export interface FieldProblem {
  field: PatientField;
  message: string;
}

// HL7 v2 delimiters: inside a name or MRN they would split the PID field on the way out.
const DELIMITERS = /[|^~\\&\r\n]/;

export function validatePatient(input: PatientFields, today = new Date()): { patient?: PatientRef; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const mrn = input.mrn.trim();
  const family = input.family.trim();
  const given = input.given.trim();
  const dob = input.dob.trim();
  const sex = input.sex.trim();

  if (!mrn) problems.push({ field: 'mrn', message: 'Enter the MRN (medical record number) from the chart or wristband.' });
  else if (mrn.length > 64) problems.push({ field: 'mrn', message: 'The MRN is too long: at most 64 characters.' });
  else if (DELIMITERS.test(mrn) || /\s/.test(mrn)) problems.push({ field: 'mrn', message: 'Remove spaces and the characters | ^ ~ \\ & from the MRN.' });

  for (const [field, value, label] of [
    ['family', family, 'family name'],
    ['given', given, 'given name'],
  ] as const) {
    if (!value) problems.push({ field, message: `Enter the ${label}.` });
    else if (value.length > 128) problems.push({ field, message: `The ${label} is too long: at most 128 characters.` });
    else if (DELIMITERS.test(value)) problems.push({ field, message: `Remove the characters | ^ ~ \\ & from the ${label}.` });
  }

  if (dob) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dob);
    const date = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
    const real = !!m && !!date && date.getUTCFullYear() === Number(m[1]) && date.getUTCMonth() === Number(m[2]) - 1 && date.getUTCDate() === Number(m[3]);
    const todayUtc = Date.UTC(today.getFullYear(), today.getMonth(), today.getDate());
    if (!real) problems.push({ field: 'dob', message: 'Enter the birth date as a real date, year-month-day (e.g. 1961-01-31), or leave it empty.' });
    else if (date!.getTime() > todayUtc) problems.push({ field: 'dob', message: 'The birth date is in the future: check the year.' });
    else if (date!.getUTCFullYear() < 1880) problems.push({ field: 'dob', message: 'The birth date is before 1880: check the year.' });
  }

  if (sex && !['M', 'F', 'O', 'U'].includes(sex)) problems.push({ field: 'sex', message: 'Choose female, male, other or unknown, or leave sex empty.' });

  if (problems.length) return { problems };
  const patient: PatientRef = { mrn, family, given };
  if (dob) patient.dob = dob;
  if (sex) patient.sex = sex as NonNullable<PatientRef['sex']>;
  return { patient, problems };
}
