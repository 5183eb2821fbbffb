// Finding the patient: search the EHR's patient directory as you type (when the gateway has an
// inbound feed), or type MRN and name into the patient form. A hit fills the form, so the person
// always sees, and may correct, exactly what will be sent.

import type { PatientHit } from '../../api-types.ts';
import type { PatientRef } from '../../../model/reading.ts';
import { get } from './api.ts';
import { h, replace } from './dom.ts';
import { formatTime, patientLabel, sexLabel } from './reading-format.ts';
import { patientForm, type PatientForm } from './patient-form.ts';
import { errorText } from '../../../model/error-text.ts';

export interface PatientPicker {
  element: HTMLElement;
  form: PatientForm;
  /** The patient in the form, validated (undefined after showing what to fix). */
  read(): PatientRef | undefined;
  reset(): void;
  /** Stops pending searches. */
  destroy(): void;
}

const DEBOUNCE_MS = 300;
const NO_DIRECTORY = 'No patient directory: the gateway receives no patient feed from the EHR. Type the MRN and name from the chart or wristband.';

export function patientPicker(idPrefix: string): PatientPicker {
  const form = patientForm(`${idPrefix}-pf`);
  const searchId = `${idPrefix}-search`;
  const input = h('input', {
    id: searchId,
    type: 'search',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': `${searchId}-hint`,
    'aria-controls': `${searchId}-hits`,
  });
  const button = h('button', { type: 'submit' }, 'Search');
  const status = h('p', { class: 'hint', role: 'status', 'aria-live': 'polite' });
  const hits = h('ul', { id: `${searchId}-hits`, class: 'hits', 'aria-label': 'Patients found' });
  const picked = h('p', { class: 'picked', role: 'status', 'aria-live': 'polite' });
  const searchForm = h(
    'form',
    { class: 'patient-search', role: 'search', onsubmit: (e: Event) => (e.preventDefault(), void search(true)) },
    h(
      'div',
      { class: 'field' },
      h('label', { for: searchId }, 'Search patients'),
      h('p', { id: `${searchId}-hint`, class: 'hint' }, 'MRN, visit number or name (at least 2 characters)'),
      h('div', { class: 'search-row' }, input, button),
    ),
    status,
    hits,
  );
  const noDirectory = h('p', { class: 'note warn', hidden: true }, NO_DIRECTORY);
  const manualHeading = h('h3', { class: 'pf-heading' }, 'Patient');
  const element = h('div', { class: 'patient-picker' }, searchForm, noDirectory, manualHeading, picked, form.element);

  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;
  let alive = true;

  const showNoDirectory = () => {
    searchForm.hidden = true;
    noDirectory.hidden = false;
    manualHeading.textContent = 'Patient (type from the chart)';
  };

  // Without an inbound feed there is nothing to search; say so up front.
  get<{ directory: unknown }>('/api/patients/summary')
    .then((r) => {
      if (alive && r.directory === null) showNoDirectory();
    })
    .catch(() => {});

  form.onInput(() => (picked.textContent = ''));

  const choose = (hit: PatientHit) => {
    form.set(hit.patient);
    picked.textContent = `Filled in from the directory: ${patientLabel(hit.patient)}. Check it against the wristband.`;
    form.focus();
  };

  const hitButton = (hit: PatientHit) => {
    const p = hit.patient;
    const details = [
      p.dob ? `born ${p.dob}` : '',
      sexLabel(p.sex),
      hit.visit?.location ? `at ${hit.visit.location.replace(/\^/g, ' ')}` : '',
      hit.visit?.visitNumber ? `visit ${hit.visit.visitNumber}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    return h(
      'button',
      { type: 'button', class: 'hit', onclick: () => choose(hit) },
      h('span', { class: 'hit-name' }, patientLabel(p)),
      details ? h('span', { class: 'hit-details muted' }, details) : null,
      hit.status === 'discharged'
        ? h('span', { class: 'badge held' }, `discharged${hit.visit?.dischargedAt ? ` ${formatTime(hit.visit.dischargedAt)}` : ''}`)
        : null,
    );
  };

  const search = async (now: boolean) => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (q.length < 2) {
      hits.replaceChildren();
      status.textContent = now && q ? 'Type at least 2 characters.' : '';
      return;
    }
    const mine = ++seq;
    status.textContent = 'Searching…';
    try {
      const r = await get<{ patients: PatientHit[] | null }>(`/api/patients/search?q=${encodeURIComponent(q)}`);
      if (!alive || mine !== seq) return;
      if (r.patients === null) {
        showNoDirectory();
        return;
      }
      replace(
        hits,
        r.patients.map((hit) => h('li', {}, hitButton(hit))),
      );
      status.textContent = r.patients.length
        ? `${r.patients.length} found. Use the arrow keys to move through them.`
        : `No patient matches "${q}". Check the spelling, or type the patient below.`;
    } catch (err) {
      if (mine !== seq) return;
      status.textContent = `Search failed: ${errorText(err)}`;
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void search(false), DEBOUNCE_MS);
  });

  // Arrow keys move between the search box and the hits; Tab works as usual.
  const hitButtons = () => [...hits.querySelectorAll<HTMLButtonElement>('button.hit')];
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      const first = hitButtons()[0];
      if (first) {
        e.preventDefault();
        first.focus();
      }
    }
  });
  hits.addEventListener('keydown', (e) => {
    const list = hitButtons();
    const i = list.indexOf(document.activeElement as HTMLButtonElement);
    if (i === -1) return;
    let next: HTMLElement | undefined;
    if (e.key === 'ArrowDown') next = list[Math.min(i + 1, list.length - 1)];
    else if (e.key === 'ArrowUp') next = i === 0 ? input : list[i - 1];
    else if (e.key === 'Home') next = list[0];
    else if (e.key === 'End') next = list[list.length - 1];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  });

  return {
    element,
    form,
    read: () => form.read(),
    reset() {
      form.reset();
      input.value = '';
      hits.replaceChildren();
      status.textContent = '';
      picked.textContent = '';
    },
    destroy() {
      alive = false;
      clearTimeout(timer);
    },
  };
}
