// A reusable patient form (MRN, family and given name, birth date, sex) with labelled fields and
// messages next to each field that say what to fix. Used to bind a device and to assign a reading.

import type { PatientRef } from '../../../model/reading.ts';
import { h } from './dom.ts';
import { validatePatient, type PatientField, type PatientFields } from './patient-validate.ts';

export interface PatientForm {
  element: HTMLElement;
  /** The patient, or undefined after showing what to fix (focus goes to the first wrong field). */
  read(): PatientRef | undefined;
  /** Fills the form, e.g. from a directory hit. */
  set(patient: PatientRef): void;
  reset(): void;
  focus(): void;
  /** Called whenever a field changes (the caller may drop a "picked from the directory" note). */
  onInput(fn: () => void): void;
}

const SEX_OPTIONS: Array<[string, string]> = [
  ['', 'Not given'],
  ['F', 'Female'],
  ['M', 'Male'],
  ['O', 'Other'],
  ['U', 'Unknown'],
];

export function patientForm(idPrefix: string): PatientForm {
  const id = (f: PatientField) => `${idPrefix}-${f}`;
  const today = new Date();
  const isoToday = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
  const inputs = {
    mrn: h('input', { id: id('mrn'), name: 'mrn', autocomplete: 'off', spellcheck: 'false', maxlength: 64, required: true }),
    family: h('input', { id: id('family'), name: 'family', autocomplete: 'off', maxlength: 128, required: true }),
    given: h('input', { id: id('given'), name: 'given', autocomplete: 'off', maxlength: 128, required: true }),
    dob: h('input', { id: id('dob'), name: 'dob', type: 'date', min: '1880-01-01', max: isoToday }),
    sex: h(
      'select',
      { id: id('sex'), name: 'sex' },
      SEX_OPTIONS.map(([v, t]) => h('option', { value: v }, t)),
    ),
  } satisfies Record<PatientField, HTMLInputElement | HTMLSelectElement>;
  const errors = {} as Record<PatientField, HTMLElement>;
  const listeners: Array<() => void> = [];

  const field = (f: PatientField, label: string, hint?: string) => {
    errors[f] = h('p', { id: `${id(f)}-error`, class: 'field-error', hidden: true });
    const hintEl = hint ? h('p', { id: `${id(f)}-hint`, class: 'hint' }, hint) : null;
    inputs[f].setAttribute('aria-describedby', [hintEl ? `${id(f)}-hint` : '', `${id(f)}-error`].filter(Boolean).join(' '));
    inputs[f].addEventListener('input', () => {
      showError(f, undefined);
      listeners.forEach((l) => l());
    });
    return h('div', { class: `field pf-${f}` }, h('label', { for: id(f) }, label), hintEl, inputs[f], errors[f]);
  };

  const showError = (f: PatientField, message: string | undefined) => {
    const el = errors[f];
    el.textContent = message ?? '';
    el.hidden = !message;
    if (message) inputs[f].setAttribute('aria-invalid', 'true');
    else inputs[f].removeAttribute('aria-invalid');
  };

  const element = h(
    'div',
    { class: 'patient-form' },
    field('mrn', 'MRN', 'Medical record number, as on the chart or wristband'),
    field('family', 'Family name'),
    field('given', 'Given name'),
    field('dob', 'Birth date', 'Optional'),
    field('sex', 'Sex', 'Optional'),
  );

  const values = (): PatientFields => ({
    mrn: inputs.mrn.value,
    family: inputs.family.value,
    given: inputs.given.value,
    dob: inputs.dob.value,
    sex: inputs.sex.value,
  });

  return {
    element,
    read() {
      for (const f of Object.keys(inputs) as PatientField[]) showError(f, undefined);
      const result = validatePatient(values());
      // A half-typed date leaves the input's value empty; say so instead of silently dropping it.
      if (inputs.dob.validity.badInput && !result.problems.some((p) => p.field === 'dob')) {
        result.problems.push({ field: 'dob', message: 'The birth date is incomplete: finish it (day, month and year) or clear it.' });
      }
      for (const p of result.problems) showError(p.field, p.message);
      const first = result.problems[0];
      if (first) {
        inputs[first.field].focus();
        return undefined;
      }
      return result.patient;
    },
    set(p) {
      inputs.mrn.value = p.mrn;
      inputs.family.value = p.family ?? '';
      inputs.given.value = p.given ?? '';
      inputs.dob.value = p.dob ?? '';
      inputs.sex.value = p.sex ?? '';
      for (const f of Object.keys(inputs) as PatientField[]) showError(f, undefined);
    },
    reset() {
      for (const f of Object.keys(inputs) as PatientField[]) {
        inputs[f].value = '';
        showError(f, undefined);
      }
    },
    focus() {
      inputs.mrn.focus();
    },
    onInput(fn) {
      listeners.push(fn);
    },
  };
}
