// The patient as a person checks them against the wristband before data goes to a chart.

import type { PatientRef } from '../../../model/reading.ts';
import { h } from './dom.ts';
import { personName, sexLabel } from './reading-format.ts';

/** Name, MRN, birth date and sex in large type. */
export function patientCard(p: PatientRef): HTMLElement {
  return h(
    'div',
    { class: 'confirm-patient' },
    h('p', { class: 'confirm-name' }, personName(p)),
    h('p', { class: 'confirm-mrn' }, 'MRN ', h('strong', {}, p.mrn)),
    p.dob || p.sex ? h('p', {}, [p.dob ? `Born ${p.dob}` : '', sexLabel(p.sex)].filter(Boolean).join(' \u00b7 ')) : null,
  );
}
