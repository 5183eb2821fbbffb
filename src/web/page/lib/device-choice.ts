// Which device the bind form shows selected. A device that is already bound is never chosen for the
// person: binding it again would silently move its readings to another chart.

export interface ChoosableDevice {
  id: string;
  binding?: unknown;
}

/**
 * `wanted`: the device the person came for (the "Bind patient" button on its card), honoured even
 * when bound, since they picked it. `current`: what the select shows now, kept across reloads.
 * Otherwise the first unbound device, or none ('').
 */
export function chooseDevice(devices: readonly ChoosableDevice[], current: string, wanted?: string): string {
  if (wanted && devices.some((d) => d.id === wanted)) return wanted;
  if (current && devices.some((d) => d.id === current)) return current;
  return devices.find((d) => !d.binding)?.id ?? '';
}
