// The add/edit device dialog, put together from its parts: the fields (device-form.ts), the link
// tools next to the connection (link-test-panel.ts) and saving (device-save.ts). Server problems
// appear next to the field their path names.
//
// For tests: dialog "Add device" / "Edit device <id>"; buttons "Save", "Cancel"; the parts' own
// notes name their labels and buttons.

import type { DeviceConfigT } from '../../../config/schema.ts';
import { get } from './api.ts';
import { h } from './dom.ts';
import { dialogActions, openDialog, problemBox } from './form.ts';
import { type DeviceEditorContext, deviceForm } from './device-form.ts';
import { saveDeviceOnSubmit } from './device-save.ts';
import { linkTestPanel } from './link-test-panel.ts';

export type { DeviceEditorContext } from './device-form.ts';

/** The IDs in use, with each device's label (for "device "Scale, room 1" already has the ID"). */
async function takenIds(): Promise<Map<string, string | undefined>> {
  const { devices } = await get<{ devices: DeviceConfigT[] }>('/api/config/devices');
  return new Map(devices.map((d) => [d.id, d.label]));
}

/**
 * Opens the dialog to add a device (`existing` undefined) or edit one. `onSaved` runs after the
 * server accepted it.
 */
export function openDeviceEditor(existing: DeviceConfigT | undefined, ctx: DeviceEditorContext, onSaved: (device: DeviceConfigT) => void): void {
  openDialog(
    existing ? `Edit device ${existing.id}` : 'Add device',
    (handle) => {
      const form = h('form', { novalidate: true });
      // The panel reads the device from the fields, made after it (its buttons sit among them): called on a click only.
      const tools = linkTestPanel({ form, existing, view: ctx.view, readDevice: () => fields.readDevice() });
      const fields = deviceForm({
        existing,
        ctx,
        taken: existing ? Promise.resolve(new Map()) : takenIds(),
        linkTools: tools,
        onTransport: (type) => tools.setTransport(type),
      });
      saveDeviceOnSubmit({ form, handle, existing, readDevice: fields.readDevice, onSaved });
      form.append(problemBox(), h('p', { class: 'muted small-text' }, 'Fields marked * are required.'), ...fields.parts, dialogActions('Save', handle));
      fields.start();
      return form;
    },
    { wide: true },
  );
}
