// Which patient a reading belongs to. Only certainty goes out: the device's own report, or a
// binding a person made; anything else waits for a person.

import type { PatientRef, Reading } from '../model/reading.ts';
import type { DeviceBinding } from '../store/types.ts';

export type PatientResolution =
  | { patient: PatientRef; source: 'reported' | 'binding'; consumeBinding: boolean }
  | { patient?: undefined; holdReason: string };

export function bindingActive(binding: DeviceBinding | undefined, now: Date): binding is DeviceBinding {
  return binding !== undefined && (binding.until === undefined || Date.parse(binding.until) > now.getTime());
}

export function resolvePatient(reading: Reading, binding: DeviceBinding | undefined, now: Date): PatientResolution {
  if (reading.subject?.mrn) return { patient: reading.subject, source: 'reported', consumeBinding: false };
  // An analyzer's batch holds many patients' specimens: a result without its own patient ID is
  // never filed under whoever the analyzer happens to be bound to.
  if (reading.kind === 'lab') return { holdReason: 'no patient: the analyzer sent no patient ID for this specimen' };
  if (bindingActive(binding, now)) {
    // A binding without an end time covers exactly one reading: the next one.
    return { patient: binding.patient, source: 'binding', consumeBinding: binding.until === undefined };
  }
  return { holdReason: binding ? 'no patient: the device binding has expired' : 'no patient: the device reported none and is not bound' };
}
