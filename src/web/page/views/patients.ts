// Patients: bind a device to a patient (directory search or typed), and deal with held readings
// (assign them to a patient, release them, or discard them with a reason). What a held reading
// offers follows from its hold reasons' kinds (lib/hold-reasons.ts), never from their wording.
//
// Accessible names for end-to-end tests (use exact: true; "Unbind" contains "bind"):
//   combobox "Device"; buttons "Bind" (opens a confirm dialog: "Confirm" / "Cancel"), "Unbind"
//   searchbox "Search patients", button "Search", list "Patients found" (buttons "Family, Given (MRN X)")
//   textboxes "MRN", "Family name", "Given name", "Birth date"; combobox "Sex"
//   radio group "For how long": "Next reading only", "15 minutes", "1 hour", "8 hours"
//   list "Held readings": per reading list "Why it is held", buttons "Assign" (no patient yet, or a
//     patient hold) or "Release" (it has its patient), and "Discard"
//   Assign / Release dialog: the patient fields above (Assign only), checkbox "I have checked these
//     values" (value holds), checkbox "Send under the analyzer's own code (the LOINC mapping does
//     not fit this result)" (code holds), "Continue", then the confirm step "Confirm" / "Back"
//   Discard dialog: textbox "Reason", buttons "Discard reading" / "Cancel"

import '../styles/patients.css';
import type { DeviceView, ReadingView, SlimReading } from '../../api-types.ts';
import type { DeviceBinding } from '../../../store/types.ts';
import type { PatientRef } from '../../../model/reading.ts';
import { ApiError, del, get, post, put } from '../lib/api.ts';
import { h, replace, toast, type Child } from '../lib/dom.ts';
import { onEvent } from '../lib/events.ts';
import { confirmationsFor, KIND_LABEL, needsPatient, reasonsOf, uniqueReasons } from '../lib/hold-reasons.ts';
import { confirmModal, openModal } from '../lib/modal.ts';
import { patientPicker } from '../lib/patient-picker.ts';
import { formatTime, patientLabel, personName, sexLabel } from '../lib/reading-format.ts';
import { deviceName, readingHead, slimReading, valueList } from '../lib/reading-row.ts';
import type { View } from '../lib/view.ts';

const DURATIONS: Array<{ id: string; label: string; minutes?: number }> = [
  { id: 'next', label: 'Next reading only' },
  { id: '15', label: '15 minutes', minutes: 15 },
  { id: '60', label: '1 hour', minutes: 60 },
  { id: '480', label: '8 hours', minutes: 480 },
];

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Name, MRN, birth date and sex in large type: what a person checks against the wristband. */
function patientCard(p: PatientRef): HTMLElement {
  return h(
    'div',
    { class: 'confirm-patient' },
    h('p', { class: 'confirm-name' }, personName(p)),
    h('p', { class: 'confirm-mrn' }, 'MRN ', h('strong', {}, p.mrn)),
    p.dob || p.sex ? h('p', {}, [p.dob ? `Born ${p.dob}` : '', sexLabel(p.sex)].filter(Boolean).join(' · ')) : null,
  );
}

function bindingText(b: DeviceBinding): string {
  return `Bound to ${patientLabel(b.patient)}, ${b.until ? `until ${formatTime(b.until)}` : 'for the next reading only'}.`;
}

export const patientsView: View = (root) => {
  let alive = true;
  let devices: DeviceView[] = [];
  const labels = new Map<string, string>();
  const cleanups: Array<() => void> = [];

  // ---- Bind ----
  const deviceSelect = h('select', { id: 'bind-device' });
  const bindingStatus = h('div', { class: 'binding-status', role: 'status', 'aria-live': 'polite' });
  const picker = patientPicker('bind');
  cleanups.push(() => picker.destroy());
  const duration = h(
    'fieldset',
    { class: 'group durations' },
    h('legend', {}, 'For how long'),
    DURATIONS.map((d, i) =>
      h('label', { class: 'duration' }, h('input', { type: 'radio', name: 'bind-duration', value: d.id, checked: i === 0 }), ` ${d.label}`),
    ),
  );
  const bindError = h('p', { class: 'error', role: 'alert', hidden: true });
  const bindButton = h('button', { type: 'button', class: 'primary', onclick: () => void bind() }, 'Bind');

  const selectedDevice = () => devices.find((d) => d.id === deviceSelect.value);

  const drawBinding = () => {
    const d = selectedDevice();
    if (!d) {
      replace(bindingStatus, h('p', { class: 'muted' }, devices.length ? 'Pick a device.' : 'No devices are configured.'));
      return;
    }
    if (!d.binding) {
      replace(
        bindingStatus,
        h('p', {}, h('span', { class: 'badge' }, 'not bound'), ' Readings of this device go to the patient the device reports, or wait as held.'),
      );
      return;
    }
    replace(
      bindingStatus,
      h(
        'div',
        { class: 'row' },
        h('p', { class: 'bound' }, h('span', { class: 'badge up' }, 'bound'), ' ', bindingText(d.binding)),
        h('button', { type: 'button', class: 'danger', onclick: () => void unbind(d) }, 'Unbind'),
      ),
    );
  };

  const drawDevices = () => {
    const current = deviceSelect.value;
    replace(
      deviceSelect,
      devices.map((d) =>
        h('option', { value: d.id }, `${d.label ?? d.id}${d.label ? ` (${d.id})` : ''}${d.binding ? ` · bound to MRN ${d.binding.patient.mrn}` : ''}`),
      ),
    );
    if (devices.some((d) => d.id === current)) deviceSelect.value = current;
    drawBinding();
  };
  deviceSelect.addEventListener('change', drawBinding);

  const loadDevices = async () => {
    try {
      const r = await get<{ devices: DeviceView[] }>('/api/devices');
      if (!alive) return;
      devices = r.devices;
      labels.clear();
      for (const d of devices) if (d.label) labels.set(d.id, d.label);
      drawDevices();
    } catch (err) {
      replace(bindingStatus, h('p', { class: 'error' }, `Could not load the devices: ${message(err)}`));
    }
  };

  async function bind(): Promise<void> {
    bindError.hidden = true;
    const d = selectedDevice();
    if (!d) {
      deviceSelect.focus();
      return;
    }
    const patient = picker.read();
    if (!patient) return;
    const choice = DURATIONS.find((x) => (duration.querySelector<HTMLInputElement>('input:checked')?.value ?? 'next') === x.id) ?? DURATIONS[0]!;
    const ok = await confirmModal(
      'Bind this device to this patient?',
      [
        h('p', {}, `Readings of ${d.label ?? d.id} (${d.id}) will go to the chart of:`),
        patientCard(patient),
        h('p', {}, h('strong', {}, choice.minutes ? `For ${choice.label}.` : 'For the next reading only.'), ' Check the name and MRN against the wristband.'),
        d.binding ? h('p', { class: 'warn' }, `This replaces the binding to ${patientLabel(d.binding.patient)}.`) : null,
      ],
      'Confirm',
    );
    if (!ok) return;
    try {
      await put(`/api/devices/${encodeURIComponent(d.id)}/patient`, { ...patient, ...(choice.minutes ? { minutes: choice.minutes } : {}) });
      toast(`${d.label ?? d.id} bound to ${patientLabel(patient)}.`);
      picker.reset();
      const first = duration.querySelector<HTMLInputElement>('input[type=radio]');
      if (first) first.checked = true;
      await loadDevices();
    } catch (err) {
      bindError.hidden = false;
      bindError.textContent = `Could not bind: ${message(err)}`;
    }
  }

  async function unbind(d: DeviceView): Promise<void> {
    if (!d.binding) return;
    const ok = await confirmModal(
      'Unbind this device?',
      [h('p', {}, `${d.label ?? d.id} will no longer send readings to ${patientLabel(d.binding.patient)}.`)],
      'Unbind',
      true,
    );
    if (!ok) return;
    try {
      await del(`/api/devices/${encodeURIComponent(d.id)}/patient`);
      toast(`${d.label ?? d.id} unbound.`);
      await loadDevices();
    } catch (err) {
      toast(`Could not unbind: ${message(err)}`, 'error');
    }
  }

  // ---- Held readings ----
  const heldList = h('ul', { class: 'held-list', 'aria-label': 'Held readings' });
  const heldStatus = h('p', { class: 'muted' }, 'Loading held readings…');
  const heldCount = h('span', { class: 'badge held' }, '…');

  const loadHeld = async () => {
    try {
      const r = await get<{ readings: ReadingView[] }>('/api/readings?status=held&limit=200');
      if (!alive) return;
      const held = r.readings.map(slimReading).sort((a, b) => Date.parse(b.reading.observedAt) - Date.parse(a.reading.observedAt));
      heldCount.textContent = `${held.length} held`;
      heldStatus.hidden = held.length > 0;
      heldStatus.textContent = 'No held readings: every reading found its patient.';
      // Keep keyboard focus on the same button when the list is redrawn under it.
      const focused = document.activeElement instanceof HTMLButtonElement && heldList.contains(document.activeElement) ? document.activeElement : undefined;
      const focusId = focused?.closest<HTMLElement>('li[data-reading-id]')?.dataset.readingId;
      const focusText = focused?.textContent;
      replace(heldList, held.map(heldItem));
      if (focusId) {
        const li = [...heldList.querySelectorAll<HTMLElement>('li[data-reading-id]')].find((el) => el.dataset.readingId === focusId);
        [...(li?.querySelectorAll('button') ?? [])].find((b) => b.textContent === focusText)?.focus();
      }
    } catch (err) {
      heldStatus.hidden = false;
      heldStatus.textContent = `Could not load held readings: ${message(err)}`;
    }
  };

  const heldItem = (r: SlimReading) =>
    h(
      'li',
      { class: 'card held-reading', 'data-reading-id': r.reading.id },
      readingHead(r, labels, false),
      h(
        'ul',
        { class: 'hold-list', 'aria-label': 'Why it is held' },
        uniqueReasons(r.holdReasons).map((reason) =>
          h('li', { 'data-kind': reason.kind }, h('span', { class: 'badge held' }, KIND_LABEL[reason.kind]), ' ', reason.text),
        ),
      ),
      valueList(r),
      h(
        'div',
        { class: 'actions' },
        needsPatient(r)
          ? h('button', { type: 'button', class: 'primary', onclick: () => settleDialog(r, true) }, 'Assign')
          : h('button', { type: 'button', class: 'primary', onclick: () => settleDialog(r, false) }, 'Release'),
        h('button', { type: 'button', class: 'danger', onclick: () => discardDialog(r) }, 'Discard'),
      ),
    );

  function readingSummary(r: SlimReading): Child {
    return h('div', { class: 'dialog-reading' }, h('p', {}, `${deviceName(r.reading.deviceId, labels)}, ${formatTime(r.reading.observedAt)}`), valueList(r));
  }

  /** A box a person must tick before the reading goes out, with the reasons it answers (each once). */
  function confirmation(id: string, reasons: string[], label: string, missing: string): { field: HTMLElement; ok(): boolean } {
    const check = h('input', { type: 'checkbox', id, 'aria-describedby': `${id}-error` });
    const error = h('p', { id: `${id}-error`, class: 'field-error', hidden: true });
    const field = h(
      'div',
      { class: 'field inline implausible' },
      h(
        'ul',
        { class: 'confirm-reasons' },
        reasons.map((t) => h('li', {}, t)),
      ),
      h('div', { class: 'check' }, check, h('label', { for: id }, label)),
      error,
    );
    return {
      field,
      ok: () => {
        error.hidden = check.checked;
        error.textContent = check.checked ? '' : missing;
        if (check.checked) check.removeAttribute('aria-invalid');
        else check.setAttribute('aria-invalid', 'true');
        return check.checked;
      },
    };
  }

  /** Assign (`withPatient`: a person names the patient) or release a held reading, asking for each confirmation its holds need. */
  function settleDialog(r: SlimReading, withPatient: boolean): void {
    const picker = withPatient ? patientPicker(`assign-${Math.random().toString(36).slice(2, 8)}`) : undefined;
    const idBase = r.reading.id.replace(/[^A-Za-z0-9_-]/g, '_');
    const values = reasonsOf(r, 'value');
    const codes = reasonsOf(r, 'code');
    const delivery = reasonsOf(r, 'delivery');
    const checks = [
      values.length > 0
        ? confirmation(
            `check-${idBase}`,
            values.map((x) => x.text),
            'I have checked these values',
            'Check the values against the device, then tick "I have checked these values". If they are wrong, discard the reading instead.',
          )
        : undefined,
      codes.length > 0
        ? confirmation(
            `localcode-${idBase}`,
            codes.map((x) => x.text),
            "Send under the analyzer's own code (the LOINC mapping does not fit this result)",
            'Tick it to send these results without the LOINC code, under the code the analyzer gave them; or discard the reading and fix the code mapping.',
          )
        : undefined,
    ].filter((c) => c !== undefined);
    const retry =
      delivery.length > 0
        ? h(
            'div',
            { class: 'note warn' },
            h(
              'ul',
              { class: 'confirm-reasons' },
              delivery.map((x) => h('li', {}, x.text)),
            ),
            h('p', {}, 'It is built and sent again when you go on.'),
          )
        : null;
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const verb = withPatient ? 'Assign' : 'Release';

    const firstStep = () => [
      readingSummary(r),
      withPatient ? null : h('p', {}, 'For ', h('strong', {}, r.patient ? patientLabel(r.patient) : ''), '.'),
      picker?.element ?? null,
      checks.map((c) => c.field),
      retry,
      error,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'primary', onclick: next }, 'Continue'),
        h('button', { type: 'button', onclick: () => modal.close() }, 'Cancel'),
      ),
    ];

    function next(): void {
      const patient = picker ? picker.read() : r.patient;
      // Every box is checked (and marked) even when an earlier one failed, so each says what it needs.
      const ticked = checks.map((c) => c.ok()).every(Boolean);
      if (!patient || !ticked) {
        if (patient) modal.body.querySelector<HTMLInputElement>('input[aria-invalid="true"]')?.focus();
        return;
      }
      const confirm = h('button', { type: 'button', class: 'primary', onclick: () => void send(patient) }, 'Confirm');
      replace(
        modal.body,
        h('p', {}, withPatient ? 'Assign this reading to the chart of:' : 'Send this reading to the chart of:'),
        patientCard(patient),
        h('p', {}, 'Check the name and MRN against the wristband.'),
        values.length > 0 ? h('p', { class: 'warn' }, 'You confirmed the values are right.') : null,
        codes.length > 0 ? h('p', { class: 'warn' }, "It goes out under the analyzer's own code, without the LOINC code.") : null,
        error,
        h('div', { class: 'actions' }, confirm, h('button', { type: 'button', onclick: back }, 'Back')),
      );
      confirm.focus();
    }

    function back(): void {
      replace(modal.body, firstStep());
      if (picker) picker.form.focus();
    }

    async function send(patient: PatientRef): Promise<void> {
      error.hidden = true;
      const id = encodeURIComponent(r.reading.id);
      try {
        const { reading } = withPatient
          ? await post<{ reading: SlimReading }>(`/api/readings/${id}/assign`, { ...patient, ...confirmationsFor(r) })
          : await post<{ reading: SlimReading }>(`/api/readings/${id}/release`, confirmationsFor(r));
        if (reading.status === 'held') {
          // Built again and held again (the configuration is still not right): say why, keep it listed.
          toast(
            `Still held: ${uniqueReasons(reading.holdReasons)
              .map((x) => x.text)
              .join('; ')}`,
            'error',
          );
        } else toast(withPatient ? `Reading assigned to ${patientLabel(patient)}.` : `Reading released for ${patientLabel(patient)}.`);
        modal.close();
        void loadHeld();
      } catch (err) {
        error.hidden = false;
        error.textContent = `Could not ${verb.toLowerCase()}: ${message(err)}${err instanceof ApiError && err.status === 409 ? ' Someone may have dealt with it already.' : ''}`;
      }
    }

    // Held for something else too (the device named the patient): start from what the device reported.
    const reported = r.patient ?? r.reading.subject;
    if (picker && reported) picker.form.set(reported);
    const modal = openModal(withPatient ? 'Assign reading to a patient' : 'Release held reading', firstStep(), () => picker?.destroy());
    modal.dialog.classList.add('wide');
    if (picker) picker.form.focus();
    else modal.body.querySelector<HTMLElement>('input, button')?.focus();
  }

  function discardDialog(r: SlimReading): void {
    const reason = h('textarea', {
      id: 'discard-reason',
      rows: 3,
      maxlength: 500,
      'aria-describedby': 'discard-reason-hint discard-reason-error',
      required: true,
    });
    const reasonError = h('p', { id: 'discard-reason-error', class: 'field-error', hidden: true });
    const error = h('p', { class: 'error', role: 'alert', hidden: true });
    const submit = async () => {
      const text = reason.value.trim();
      if (text.length < 3) {
        reasonError.hidden = false;
        reasonError.textContent = 'Say why in at least 3 characters (e.g. "test measurement", "wrong patient on the cuff").';
        reason.setAttribute('aria-invalid', 'true');
        reason.focus();
        return;
      }
      reasonError.hidden = true;
      reason.removeAttribute('aria-invalid');
      try {
        await post(`/api/readings/${encodeURIComponent(r.reading.id)}/discard`, { reason: text });
        toast('Reading discarded.');
        modal.close();
        void loadHeld();
      } catch (err) {
        error.hidden = false;
        error.textContent = `Could not discard: ${message(err)}`;
      }
    };
    const modal = openModal('Discard this reading?', [
      readingSummary(r),
      h('p', {}, 'It will not go to any chart. The reason is kept in the audit journal.'),
      h(
        'div',
        { class: 'field' },
        h('label', { for: 'discard-reason' }, 'Reason'),
        h('p', { id: 'discard-reason-hint', class: 'hint' }, 'At least 3 characters'),
        reason,
        reasonError,
      ),
      error,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'danger', onclick: () => void submit() }, 'Discard reading'),
        h('button', { type: 'button', onclick: () => modal.close() }, 'Cancel'),
      ),
    ]);
    reason.focus();
  }

  replace(
    root,
    h('h1', {}, 'Patients'),
    h(
      'section',
      { class: 'card bind', 'aria-labelledby': 'bind-title' },
      h('h2', { id: 'bind-title' }, 'Bind a device to a patient'),
      h('p', { class: 'hint' }, 'Readings of a bound device go to this patient. Unbind when the patient leaves.'),
      h(
        'div',
        { class: 'bind-grid' },
        h('div', { class: 'bind-device' }, h('div', { class: 'field' }, h('label', { for: 'bind-device' }, 'Device'), deviceSelect), bindingStatus, duration),
        h('div', { class: 'bind-patient' }, picker.element),
      ),
      bindError,
      h('div', { class: 'actions' }, bindButton),
    ),
    h(
      'section',
      { class: 'held', 'aria-labelledby': 'held-title' },
      h('div', { class: 'toolbar' }, h('h2', { id: 'held-title' }, 'Held readings'), heldCount),
      h(
        'p',
        { class: 'hint' },
        'Readings wait here when the gateway could not tell whose they are, when a value or a code looks wrong, or when it could not send them.',
      ),
      heldStatus,
      heldList,
    ),
  );

  void loadDevices();
  void loadHeld();

  // Held readings change when readings arrive or someone else assigns; bindings end with a reading.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const offEvent = onEvent((e) => {
    if (e.type !== 'reading' && e.type !== 'config') return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      void loadHeld();
      void loadDevices();
    }, 400);
  });

  return () => {
    alive = false;
    clearTimeout(timer);
    offEvent();
    cleanups.forEach((c) => c());
  };
};
