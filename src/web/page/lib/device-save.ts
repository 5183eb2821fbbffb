// Saving the device dialog: local checks at their fields first, then POST (new) or PUT (edit);
// a refusal comes back at the field its path names, a taken ID at the ID.
//
// For tests: button "Save"; toast "Device <id> saved".

import type { ConfigProblem } from '../../api-types.ts';
import type { DeviceConfigT } from '../../../config/schema.ts';
import { post, put } from './api.ts';
import { toast } from './dom.ts';
import { handleSubmit, idTaken, type DialogHandle } from './form.ts';

export interface DeviceSaveOptions {
  form: HTMLFormElement;
  handle: DialogHandle;
  existing: DeviceConfigT | undefined;
  readDevice(): { device: DeviceConfigT; problems: ConfigProblem[] };
  onSaved(device: DeviceConfigT): void;
}

export function saveDeviceOnSubmit(o: DeviceSaveOptions): void {
  let device = {} as DeviceConfigT;
  handleSubmit(
    o.form,
    () => {
      const read = o.readDevice();
      device = read.device;
      return read.problems;
    },
    async () => {
      const res = o.existing
        ? await put<{ device: DeviceConfigT }>(`/api/config/devices/${encodeURIComponent(o.existing.id)}`, { device })
        : await post<{ device: DeviceConfigT }>('/api/config/devices', { device });
      o.handle.close();
      toast(`Device ${res.device.id} saved`);
      o.onSaved(res.device);
    },
    idTaken,
  );
}
