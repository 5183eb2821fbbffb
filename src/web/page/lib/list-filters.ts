// The filter bar above a list of readings or messages: device, patient (MRN), state, and a search
// box that finds a reading id, a control ID, an MRN or a patient's name. Typing applies after a
// pause (or at Enter); the names say what they filter, so they never clash with a form on the
// same page (the Patients page has its own "Device" and "MRN").
//
// Accessible names: group "<label>" with combobox "Filter by device", textbox "Filter by patient
// MRN", combobox "Filter by state" (when states are given), searchbox "<search label>", and
// button "Clear filters" while any is set.

import '../styles/lists.css';
import { h, replace } from './dom.ts';
import type { ListFilterValues } from './list-summary.ts';

export type { ListFilterValues } from './list-summary.ts';

export interface ListFiltersOptions {
  /** Prefix of the element ids (one bar per list on a page). */
  id: string;
  /** The group's name, e.g. "Filter readings". */
  label: string;
  searchLabel: string;
  /** The state choices; the first is "all" (value ''). None: no state filter. */
  states?: ReadonlyArray<{ value: string; label: string }>;
  /** Under the search box: what it finds. */
  hint?: string;
  /** false: no patient field (the search finds an MRN). */
  patient?: boolean;
  initial?: Partial<ListFilterValues>;
  onChange(values: ListFilterValues): void;
}

export interface ListFilters {
  element: HTMLElement;
  values(): ListFilterValues;
  /** The devices offered (id and label); the chosen one stays chosen. */
  setDevices(devices: ReadonlyArray<{ id: string; label?: string }>): void;
  /** New labels for the state choices (counts that moved); the chosen one stays chosen. */
  setStates(states: ReadonlyArray<{ value: string; label: string }>): void;
  /** Whether any filter or a search is set. */
  active(): boolean;
  destroy(): void;
}

const TYPING_MS = 350;

/** The filters a deep link names (#/live?device=...&q=...). */
export function filtersFromParams(params: URLSearchParams): Partial<ListFilterValues> {
  return { device: params.get('device') ?? '', patient: params.get('patient') ?? '', state: params.get('state') ?? '', q: params.get('q') ?? '' };
}

export function listFilters(opts: ListFiltersOptions): ListFilters {
  const init = opts.initial ?? {};
  const device = h('select', { id: `${opts.id}-device` }, h('option', { value: '' }, 'All devices'));
  let wantedDevice = init.device ?? '';
  const patient = h('input', { id: `${opts.id}-patient`, type: 'text', autocomplete: 'off', spellcheck: 'false', size: 12, value: init.patient ?? '' });
  const state = opts.states
    ? h(
        'select',
        { id: `${opts.id}-state` },
        opts.states.map((s) => h('option', { value: s.value }, s.label)),
      )
    : undefined;
  if (state) state.value = init.state ?? '';
  const q = h('input', {
    id: `${opts.id}-q`,
    type: 'search',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': `${opts.id}-q-hint`,
    value: init.q ?? '',
  });
  const clear = h('button', { type: 'button', class: 'link', onclick: () => reset() }, 'Clear filters');

  const values = (): ListFilterValues => ({
    device: device.value || wantedDevice,
    patient: patient.value.trim(),
    state: state?.value ?? '',
    q: q.value.trim(),
  });
  const active = () => Object.values(values()).some((v) => v !== '');
  let last = JSON.stringify(values());
  const changed = () => {
    clear.hidden = !active();
    const now = JSON.stringify(values());
    if (now === last) return;
    last = now;
    opts.onChange(values());
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const typed = () => {
    clearTimeout(timer);
    timer = setTimeout(changed, TYPING_MS);
  };
  const now = () => {
    clearTimeout(timer);
    changed();
  };
  device.addEventListener('change', () => {
    wantedDevice = device.value;
    now();
  });
  state?.addEventListener('change', now);
  for (const input of [patient, q]) {
    input.addEventListener('input', typed);
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') now();
    });
  }
  function reset(): void {
    device.value = '';
    wantedDevice = '';
    patient.value = '';
    q.value = '';
    if (state) state.value = '';
    now();
    q.focus();
  }
  clear.hidden = !active();

  const field = (id: string, label: string, control: HTMLElement, cls = '') =>
    h('div', { class: `field filter-field ${cls}` }, h('label', { for: id }, label), control);
  const element = h(
    'div',
    { class: 'list-filters', role: 'group', 'aria-label': opts.label },
    h(
      'div',
      { class: 'field filter-field filter-search', role: 'search' },
      h('label', { for: q.id }, opts.searchLabel),
      q,
      h('p', { id: `${opts.id}-q-hint`, class: 'hint' }, opts.hint ?? 'MRN, name, control ID or reading ID'),
    ),
    field(device.id, 'Filter by device', device),
    opts.patient === false ? null : field(patient.id, 'Filter by patient MRN', patient),
    state ? field(state.id, 'Filter by state', state) : null,
    h('div', { class: 'filter-clear' }, clear),
  );

  return {
    element,
    values,
    active,
    setDevices(devices) {
      const chosen = device.value || wantedDevice;
      replace(
        device,
        h('option', { value: '' }, 'All devices'),
        devices.map((d) => h('option', { value: d.id }, d.label ? `${d.label} (${d.id})` : d.id)),
      );
      // A device named by a link but no longer configured still filters (its old readings).
      if (chosen && !devices.some((d) => d.id === chosen)) device.append(h('option', { value: chosen }, chosen));
      device.value = chosen;
    },
    setStates(states) {
      // Each option's text in place: a list open under a person's finger stays open.
      for (const s of states) {
        const option = [...(state?.options ?? [])].find((o) => o.value === s.value);
        if (option && option.textContent !== s.label) option.textContent = s.label;
      }
    },
    destroy() {
      clearTimeout(timer);
    },
  };
}

/** The query text of the filters for an API list (state under the name the API gives it). */
export function filterQuery(values: ListFilterValues, stateName: 'status' | 'state' | null): URLSearchParams {
  const p = new URLSearchParams();
  if (values.device) p.set('device', values.device);
  if (values.patient) p.set('patient', values.patient);
  if (values.state && stateName) p.set(stateName, values.state);
  if (values.q) p.set('q', values.q);
  return p;
}
