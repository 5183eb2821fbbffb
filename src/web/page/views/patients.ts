// Patients: bind a device to a patient (lib/binding-panel.ts), and deal with held readings
// (lib/held-readings.ts: filter, search and page them; assign, release or discard each one).
// Deep link: #/patients?q=READING_ID (or MRN, name, control ID) searches the held readings.
//
// Accessible names for end-to-end tests: see lib/binding-panel.ts, lib/held-readings.ts and
// lib/held-dialogs.ts.

import '../styles/patients.css';
import { bindingPanel } from '../lib/binding-panel.ts';
import { h, replace } from '../lib/dom.ts';
import { heldReadings } from '../lib/held-readings.ts';
import type { View } from '../lib/view.ts';

export const patientsView: View = (root, ctx) => {
  const labels = new Map<string, string>();
  const cleanups: Array<() => void> = [];
  const held = heldReadings({ labels, initialQuery: ctx.params.get('q') ?? undefined });
  cleanups.push(() => held.destroy());

  const binding = bindingPanel({
    preselect: ctx.params.get('bind') ?? undefined,
    onDevices: (devices) => {
      labels.clear();
      for (const d of devices) if (d.label) labels.set(d.id, d.label);
      held.setDevices(devices);
    },
  });
  cleanups.push(() => binding.destroy());

  replace(root, h('h1', {}, 'Patients'), binding.element, held.element);

  return () => {
    cleanups.forEach((c) => c());
  };
};
