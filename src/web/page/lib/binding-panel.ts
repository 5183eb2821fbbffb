// Bind a device to a patient (directory search or typed) and unbind it. Lives on Patients; a device
// card's "Bind patient" opens Patients with `?bind=DEVICE_ID`, which preselects that device.
//
// Accessible names (use exact: true; "Unbind" contains "bind"): combobox "Device"; buttons "Bind"
// (opens a confirm dialog: "Confirm" / "Cancel"), "Unbind"; radio group "For how long": "Next
// reading only", "15 minutes", "1 hour", "8 hours"; the patient picker (lib/patient-picker.ts).

import type { DeviceView } from '../../api-types.ts';
import type { DeviceBinding } from '../../../store/types.ts';
import { del, get, put } from './api.ts';
import { chooseDevice, takesBinding } from './device-choice.ts';
import { h, replace, toast } from './dom.ts';
import { onEvent } from './events.ts';
import { latestOnly } from './latest-only.ts';
import { confirmModal } from './modal.ts';
import { patientCard } from './patient-card.ts';
import { patientPicker } from './patient-picker.ts';
import { formatTime, patientLabel } from './reading-format.ts';
import { errorText } from '../../../model/error-text.ts';

/** After a reading or a configuration change, the device list is read again at most this often. */
const REFRESH_MS = 400;

const DURATIONS: Array<{ id: string; label: string; minutes?: number }> = [
  { id: 'next', label: 'Next reading only' },
  { id: '15', label: '15 minutes', minutes: 15 },
  { id: '60', label: '1 hour', minutes: 60 },
  { id: '480', label: '8 hours', minutes: 480 },
];

function bindingText(b: DeviceBinding): string {
  return `Bound to ${patientLabel(b.patient)}, ${b.until ? `until ${formatTime(b.until)}` : 'for the next reading only'}.`;
}

export interface BindingPanel {
  element: HTMLElement;
  destroy(): void;
}

export interface BindingPanelOptions {
  /** The device to show selected first (from a device card). */
  preselect?: string;
  /** Called with every device list applied (the held list names devices by label). */
  onDevices?(devices: readonly DeviceView[]): void;
}

export function bindingPanel(options: BindingPanelOptions = {}): BindingPanel {
  let devices: DeviceView[] = [];
  let wanted = options.preselect;

  const deviceSelect = h('select', { id: 'bind-device' });
  const bindingStatus = h('div', { class: 'binding-status', role: 'status', 'aria-live': 'polite' });
  const picker = patientPicker('bind');
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

  // A device that files by order is not offered (the gateway refuses it): its binding would not apply.
  const selectedDevice = () => devices.find((d) => d.id === deviceSelect.value && takesBinding(d));

  /**
   * A live region: redrawn only when what it says changes, or a screen reader reads the same
   * binding again at every refresh (each reading from any device brings one).
   */
  const showStatus = (key: string, draw: () => void) => {
    if (bindingStatus.dataset.shown === key) return;
    bindingStatus.dataset.shown = key;
    draw();
  };

  const drawBinding = () => {
    const d = selectedDevice();
    if (!d) {
      const words = devices.length ? 'Pick a device.' : 'No devices are configured.';
      showStatus(words, () => replace(bindingStatus, h('p', { class: 'muted' }, words)));
      return;
    }
    if (!d.binding) {
      showStatus(`unbound\n${d.id}`, () =>
        replace(
          bindingStatus,
          h('p', {}, h('span', { class: 'badge' }, 'not bound'), ' Readings of this device go to the patient the device reports, or wait as held.'),
        ),
      );
      return;
    }
    const words = bindingText(d.binding);
    showStatus(`bound\n${d.id}\n${words}`, () =>
      replace(
        bindingStatus,
        h(
          'div',
          { class: 'row' },
          h('p', { class: 'bound' }, h('span', { class: 'badge up' }, 'bound'), ' ', words),
          // The device as it is when clicked: the row outlives the list it was drawn from.
          h('button', { type: 'button', class: 'danger', onclick: () => void unbind(selectedDevice() ?? d) }, 'Unbind'),
        ),
      ),
    );
  };

  const drawDevices = () => {
    const choice = chooseDevice(devices, deviceSelect.value, wanted);
    // Came from a device card: the device is chosen, the patient is next.
    const cameFor = wanted !== undefined && choice === wanted;
    wanted = undefined;
    const options = devices
      .filter(takesBinding)
      .map((d): [string, string] => [
        d.id,
        `${d.label ?? d.id}${d.label ? ` (${d.id})` : ''}${d.binding ? ` \u00b7 bound to MRN ${d.binding.patient.mrn}` : ''}`,
      ]);
    // The same list again (most refreshes): left alone, so an open list or a screen reader's place in it stays.
    const optionsKey = JSON.stringify(options);
    if (deviceSelect.dataset.options !== optionsKey) {
      deviceSelect.dataset.options = optionsKey;
      replace(deviceSelect, [h('option', { value: '' }, 'Choose a device'), options.map(([id, text]) => h('option', { value: id }, text))]);
    }
    if (deviceSelect.value !== choice) deviceSelect.value = choice;
    drawBinding();
    // The MRN field is there with or without a patient directory (the search box only with one).
    if (cameFor) picker.form.focus();
  };
  deviceSelect.addEventListener('change', drawBinding);

  // A bind reloads the list while an event may have started another load: only the newest request
  // may draw, or an older answer lands last and the card shows the binding as it was before.
  const latest = latestOnly();
  const loadDevices = () =>
    latest.run(
      () => get<{ devices: DeviceView[] }>('/api/devices'),
      (r) => {
        devices = r.devices;
        options.onDevices?.(devices);
        drawDevices();
      },
      (err) => showStatus('load-failed', () => replace(bindingStatus, h('p', { class: 'error' }, `Could not load the devices: ${errorText(err)}`))),
    );

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
      bindError.textContent = `Could not bind: ${errorText(err)}`;
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
      toast(`Could not unbind: ${errorText(err)}`, 'error');
    }
  }

  const element = h(
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
  );

  void loadDevices();

  // Bindings for the next reading end with a reading; others may bind or edit devices meanwhile.
  // At most one load per REFRESH_MS while events keep coming (never postponed by the next event:
  // with 50 devices they come every 20 ms, and an ended binding must not stay on screen).
  let timer: ReturnType<typeof setTimeout> | undefined;
  const offEvent = onEvent((e) => {
    if (e.type !== 'reading' && e.type !== 'config') return;
    timer ??= setTimeout(() => {
      timer = undefined;
      void loadDevices();
    }, REFRESH_MS);
  });

  return {
    element,
    destroy: () => {
      latest.cancel();
      clearTimeout(timer);
      offEvent();
      picker.destroy();
    },
  };
}
