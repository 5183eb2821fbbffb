// A reading as one block of a list: when, which device, for whom (or why it is held), its values
// with units, and for EKGs a button that fetches and draws the tracing. Shared by the live and
// patients pages.

import type { ReadingView, SlimReading, Tracing } from '../../api-types.ts';
import { ApiError, get } from './api.ts';
import { ekgTracing } from './chart.ts';
import { h, type Child } from './dom.ts';
import { uniqueReasons } from './hold-reasons.ts';
import { openModal } from './modal.ts';
import { flagSummary, formatNumber, formatTime, formatValue, readingTimes, isWaveform, observationName, patientLabel, unitLabel } from './reading-format.ts';
import { errorText } from '../../../model/error-text.ts';

/** A listed reading (already slim from the server) without its messages. */
export function slimReading(r: ReadingView | SlimReading): SlimReading {
  const { messages: _messages, ...rest } = r as ReadingView;
  return rest;
}

const STATUS_TEXT: Record<string, string> = { held: 'held', queued: 'queued', delivered: 'delivered', dead: 'not delivered', discarded: 'discarded' };

export function statusBadge(status: string): HTMLElement {
  return h('span', { class: `badge ${status}` }, STATUS_TEXT[status] ?? status);
}

/** The patient, or "no patient" and the hold reasons. */
export function readingPatient(r: SlimReading, showReasons = true): HTMLElement {
  const patient = r.patient ?? r.reading.subject;
  const reasons = showReasons && r.status === 'held' ? uniqueReasons(r.holdReasons) : [];
  // A patient hold's reason says "no patient: ..." itself: said once, not twice.
  const saidByReason = reasons.some((x) => x.kind === 'patient');
  return h(
    'span',
    { class: 'reading-patient' },
    patient ? h('span', { class: 'patient-name' }, patientLabel(patient)) : saidByReason ? null : h('span', { class: 'no-patient' }, 'no patient'),
    reasons.length ? h('span', { class: 'hold-reasons' }, reasons.map((x) => x.text).join('; ')) : null,
  );
}

export function valueList(r: SlimReading): HTMLElement {
  return h(
    'ul',
    { class: 'values', 'aria-label': 'Values' },
    r.reading.observations.map((o) => {
      const flags = flagSummary(o.flags);
      return h(
        'li',
        { class: `value${flags?.abnormal ? ' flagged' : ''}` },
        h('span', { class: 'value-name' }, observationName(o.code, o.type)),
        ' ',
        h('span', { class: 'value-num' }, formatValue(o)),
        typeof o.value === 'number' && o.unit ? h('span', { class: 'value-unit' }, ` ${unitLabel(o.unit)}`) : null,
        flags
          ? h(
              'span',
              { class: `value-flag${flags.abnormal ? ' abnormal' : ''}`, title: `Flag from the device: ${flags.meaning}` },
              ` ${flags.text}`,
              h('span', { class: 'flag-meaning' }, ` (${flags.meaning})`),
            )
          : null,
      );
    }),
  );
}

export function deviceName(deviceId: string, labels: Map<string, string>): string {
  const label = labels.get(deviceId);
  return label ? `${label} (${deviceId})` : deviceId;
}

/** The EKG's numeric measurements (heart rate, intervals, axes), as a line above the tracing. */
function ekgMeasurements(r: SlimReading): Child {
  const numeric = r.reading.observations.filter((o) => typeof o.value === 'number');
  if (!numeric.length) return null;
  return h(
    'p',
    { class: 'ekg-measures' },
    numeric.map((o) =>
      h('span', {}, `${observationName(o.code, o.type)} `, h('strong', {}, formatNumber(o.value as number, o.precision)), ` ${unitLabel(o.unit)}`),
    ),
  );
}

/** "Show tracing" for a reading with a waveform: opens a wide dialog and draws the samples there. */
export function tracingButton(r: SlimReading): HTMLElement | null {
  if (!r.reading.observations.some((o) => isWaveform(o.value))) return null;
  return h('button', { type: 'button', class: 'tracing-button', 'aria-haspopup': 'dialog', onclick: () => void showTracing(r) }, 'Show tracing');
}

async function showTracing(r: SlimReading): Promise<void> {
  const patient = r.patient ?? r.reading.subject;
  const panel = h('div', { class: 'tracing' }, h('p', { class: 'muted', role: 'status' }, 'Loading the tracing…'));
  const modal = openModal(`EKG tracing, ${formatTime(r.reading.observedAt)}`, [
    h('p', { class: 'tracing-who' }, patient ? patientLabel(patient) : 'No patient', ' · ', r.reading.deviceId),
    ekgMeasurements(r),
    panel,
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => modal.close() }, 'Close')),
  ]);
  modal.dialog.classList.add('wide', 'tracing-dialog');
  try {
    const tracing = await get<Tracing>(`/api/readings/${encodeURIComponent(r.reading.id)}/tracing?max=2500`);
    panel.replaceChildren(ekgTracing(tracing));
  } catch (err) {
    const message =
      err instanceof ApiError && err.status === 404
        ? 'The gateway no longer has the samples of this tracing.'
        : `Could not load the tracing: ${errorText(err)}`;
    panel.replaceChildren(h('p', { class: 'error', role: 'alert' }, message));
  }
}

/** When the gateway received it (what lists are ordered by), and when it was measured (or collected) if that differs. */
export function readingTime(r: SlimReading): HTMLElement {
  const t = readingTimes(r.reading);
  return h(
    'span',
    { class: 'reading-when' },
    h('time', { datetime: r.reading.receivedAt, class: 'reading-time', title: 'Received by the gateway' }, t.received),
    t.observed ? h('span', { class: 'reading-observed' }, ` ${t.observedIs ?? 'measured'} `, h('time', { datetime: r.reading.observedAt }, t.observed)) : null,
  );
}

/** The head line of a reading: time, device, status, patient. */
export function readingHead(r: SlimReading, labels: Map<string, string>, showReasons = true): HTMLElement {
  return h(
    'div',
    { class: 'reading-head' },
    readingTime(r),
    h('span', { class: 'reading-device' }, deviceName(r.reading.deviceId, labels)),
    statusBadge(r.status),
    readingPatient(r, showReasons),
  );
}
