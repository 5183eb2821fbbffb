// HL7 v2 TS/DTM -> ISO 8601, read by src/hl7/datetime.ts; and a date of birth from it.

import { deviceTimestampToIso, type DeviceTimestamp } from '../../src/hl7/datetime.ts';

export type TimeResult = DeviceTimestamp;

export function hl7Time(text: string): TimeResult {
  return deviceTimestampToIso(text, 'v2');
}

/** `YYYY-MM-DD` of an HL7 DT/TS (date of birth); undefined when absent or not a real day. */
export function hl7Date(text: string): string | undefined {
  const r = hl7Time(text);
  if (r.kind === 'date') return r.date;
  if (r.kind === 'time') return r.iso.slice(0, 10);
  return undefined;
}
