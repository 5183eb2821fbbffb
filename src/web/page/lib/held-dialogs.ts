// What a person does with a held reading: assign it to a patient or release it (asking for each
// confirmation its holds need, from their kinds: lib/hold-reasons.ts), or discard it with a reason.
//
// Accessible names: Assign / Release dialog: the patient fields (Assign only), checkbox "I have
// checked these values" (value holds), checkbox "Send under the analyzer's own code (the LOINC
// mapping does not fit this result)" (code holds), checkbox "I checked the QC failure: this result
// may go to the chart" (qc holds), "Continue", then the confirm step "Confirm" /
// "Back". Discard dialog: textbox "Reason", buttons "Discard reading" / "Cancel".

import type { HoldKind, SlimReading } from '../../api-types.ts';
import type { PatientRef } from '../../../model/reading.ts';
import { errorText } from '../../../model/error-text.ts';
import { ApiError, post } from './api.ts';
import { h, replace, toast, type Child } from './dom.ts';
import { confirmationsFor, reasonsOf, uniqueReasons } from './hold-reasons.ts';
import { openModal } from './modal.ts';
import { patientCard } from './patient-card.ts';
import { patientPicker } from './patient-picker.ts';
import { qcHoldNote, qcPageLink } from './qc-hold.ts';
import { qcReleaseRefusedWords } from './qc-words.ts';
import { reasonDialog } from './reason-dialog.ts';
import { formatTime, patientLabel } from './reading-format.ts';
import { deviceName, valueList } from './reading-row.ts';

export interface HeldContext {
  labels: Map<string, string>;
  /** Called when the reading was dealt with (the list reloads). */
  done(): void;
}

function readingSummary(r: SlimReading, labels: Map<string, string>): Child {
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

/** The box each kind of hold asks a person to tick (hold-reasons.ts sends the matching confirmation). */
const CONFIRMATION_BOXES: ReadonlyArray<{ kind: HoldKind; id: string; label: string; missing: string }> = [
  {
    kind: 'value',
    id: 'check',
    label: 'I have checked these values',
    missing: 'Check the values against the device, then tick "I have checked these values". If they are wrong, discard the reading instead.',
  },
  {
    kind: 'code',
    id: 'localcode',
    label: "Send under the analyzer's own code (the LOINC mapping does not fit this result)",
    missing: 'Tick it to send these results without the LOINC code, under the code the analyzer gave them; or discard the reading and fix the code mapping.',
  },
  {
    kind: 'qc',
    id: 'qc',
    label: 'I checked the QC failure: this result may go to the chart',
    missing:
      'Check on the QC page whether the failure was reviewed and this result can be trusted, then tick it; otherwise keep it held, or discard it and run the sample again.',
  },
];

/** Assign (`withPatient`: a person names the patient) or release a held reading, asking for each confirmation its holds need. */
export function settleDialog(r: SlimReading, withPatient: boolean, { labels, done }: HeldContext): void {
  const picker = withPatient ? patientPicker(`assign-${Math.random().toString(36).slice(2, 8)}`) : undefined;
  const idBase = r.reading.id.replace(/[^A-Za-z0-9_-]/g, '_');
  const values = reasonsOf(r, 'value');
  const codes = reasonsOf(r, 'code');
  const delivery = reasonsOf(r, 'delivery');
  const qcs = reasonsOf(r, 'qc');
  const checks = CONFIRMATION_BOXES.flatMap((box) => {
    const reasons = reasonsOf(r, box.kind);
    return reasons.length > 0
      ? [
          confirmation(
            `${box.id}-${idBase}`,
            reasons.map((x) => x.text),
            box.label,
            box.missing,
          ),
        ]
      : [];
  });
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
    readingSummary(r, labels),
    withPatient ? null : h('p', {}, 'For ', h('strong', {}, r.patient ? patientLabel(r.patient) : ''), '.'),
    picker?.element ?? null,
    checks.map((c) => c.field),
    qcs.length > 0 ? qcHoldNote(r) : null,
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
      qcs.length > 0 ? h('p', { class: 'warn' }, "It goes out although the analyzer's QC for its test failed: you confirmed it can be trusted.") : null,
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
      done();
    } catch (err) {
      error.hidden = false;
      // Below the QC review role: who may send it, not the API's words.
      const qcRefusal = err instanceof ApiError ? qcReleaseRefusedWords(err.status, err.message) : undefined;
      error.textContent =
        qcRefusal ??
        `Could not ${verb.toLowerCase()}: ${errorText(err)}${err instanceof ApiError && err.status === 409 ? ' Someone may have dealt with it already.' : ''}`;
      if (qcRefusal !== undefined) error.append(' ', h('a', { href: qcPageLink(r) }, 'Open the QC page'));
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

export function discardDialog(r: SlimReading, { labels, done }: HeldContext): void {
  reasonDialog({
    title: 'Discard this reading?',
    intro: [readingSummary(r, labels), h('p', {}, 'It will not go to any chart. The reason is kept in the audit journal.')],
    id: 'discard-reason',
    hint: 'At least 3 characters',
    tooShort: 'Say why in at least 3 characters (e.g. "test measurement", "wrong patient on the cuff").',
    url: `/api/readings/${encodeURIComponent(r.reading.id)}/discard`,
    confirm: 'Discard reading',
    done: 'Reading discarded.',
    onDone: done,
  });
}
