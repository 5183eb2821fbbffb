// Decides when a polled answer carries a NEW NIBP measurement. The monitor repeats the last
// result in every answer, so a reading is taken once:
//  - the (systolic, mean, diastolic) triple differs from the last one seen, or
//  - the triple is the same but "minutes since last NIBP" went down (a new, identical result).
// The first result seen by a fresh session is taken only if it is at most `maxAgeMinutes` old
// (or its age is not given): older ones were most likely forwarded before a gateway restart.

import type { PatientData } from './decode.ts';

export type NibpVerdict = 'new' | 'same' | 'absent' | 'stale';

export class NibpTracker {
  private last: { key: string; minutes: number | null } | null = null;

  constructor(private readonly maxAgeMinutes: number) {}

  observe(data: PatientData): NibpVerdict {
    if (data.systolic === null || data.diastolic === null) return 'absent';
    const key = `${data.systolic.value}/${data.mean?.value ?? '-'}/${data.diastolic.value}`;
    const minutes = data.minutesSinceNibp;
    const last = this.last;
    this.last = { key, minutes };
    if (last === null) return minutes !== null && minutes > this.maxAgeMinutes ? 'stale' : 'new';
    if (key !== last.key) return 'new';
    if (minutes !== null && last.minutes !== null && minutes < last.minutes) return 'new';
    return 'same';
  }
}
