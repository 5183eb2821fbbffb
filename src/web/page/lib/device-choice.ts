// Which device the bind form shows selected. A device that is already bound is never chosen for the
// person: binding it again would silently move its readings to another chart.

export interface ChoosableDevice {
  id: string;
  binding?: unknown;
  /** `order`: its results go under each order's patient, so it is never offered for binding. */
  patientMode?: string;
}

/** Whether binding the device to a patient means anything (the gateway refuses it otherwise). */
export function takesBinding(d: Pick<ChoosableDevice, 'patientMode'>): boolean {
  return d.patientMode !== 'order';
}

/**
 * Only devices that take a binding are chosen (`takesBinding`).
 * `wanted`: the device the person came for (the "Bind patient" button on its card), honoured even
 * when bound, since they picked it. `current`: what the select shows now, kept across reloads.
 * Otherwise the first unbound device, or none ('').
 */
export function chooseDevice(all: readonly ChoosableDevice[], current: string, wanted?: string): string {
  const devices = all.filter(takesBinding);
  if (wanted && devices.some((d) => d.id === wanted)) return wanted;
  if (current && devices.some((d) => d.id === current)) return current;
  return devices.find((d) => !d.binding)?.id ?? '';
}
