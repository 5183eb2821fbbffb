// How a device that takes orders finds the patient of its results: by the order (specimen ID), unless
// its configuration says otherwise (config validation allows only `order` there). An analyzer given
// its worklist by the gateway must never file a result under whatever patient ID it prints.

import type { DeviceConfigT } from '../config/schema.ts';

export function devicePatientSettings(device: Pick<DeviceConfigT, 'patient' | 'orders'>): DeviceConfigT['patient'] {
  return device.patient ?? (device.orders ? { mode: 'order' } : undefined);
}
