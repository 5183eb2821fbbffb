// Pure decoder for the Datascope Accutorr PC interface (docs/protocols.md#datascope-accutorr-host-protocol; Accutorr 3 service
// manual p.1-52..1-54). The host sends one command character; the monitor answers with the
// command letter, a colon and comma-separated 3-digit fields, `--` for an unused field, CR LF,
// then shows its `>` prompt again (so the prompt may lead the next line).
//   P:aaa,bbb,ccc,ddd,eee,fff,ggg,hhh,iii  SaO2, pulse, sys, mean, dia, status 0..2, minutes since NIBP

import { refused } from '../_shared/refusal.ts';
import type { Decoded } from '../_shared/resync.ts';

export interface Field {
  value: number;
  /** The field without its padding spaces. */
  text: string;
}

export interface PatientData {
  spo2: Field | null;
  pulse: Field | null;
  systolic: Field | null;
  mean: Field | null;
  diastolic: Field | null;
  status: [number | null, number | null, number | null];
  minutesSinceNibp: number | null;
}

export type AccutorrLine = { kind: 'patient'; data: PatientData } | { kind: 'limits' } | { kind: 'banner' } | { kind: 'prompt' };

const FIELD_NAMES = ['SaO2', 'pulse', 'systolic', 'mean', 'diastolic', 'status 0', 'status 1', 'status 2', 'minutes since NIBP'] as const;

export const POLL_COMMAND = 'P';

/** Status byte 2 bits (service manual p.1-54). */
export const STATUS2_CUFF_OVERPRESSURE = 0x01;
export const STATUS2_MOTION_ARTIFACT = 0x02;

export function decodeAccutorrLine(rawLine: string): Decoded<AccutorrLine> {
  const line = rawLine.replace(/^[>\s]+/, '').trimEnd();
  if (line === '') return { ok: true, value: { kind: 'prompt' } };
  if (/^ACCUTORR\b/i.test(line) && !line.includes(':')) return { ok: true, value: { kind: 'banner' } };
  if (line.startsWith('L:')) return { ok: true, value: { kind: 'limits' } };
  if (!line.startsWith('P:')) return { ok: false, reason: `unexpected line (expected "P:..." answer)` };
  if (line.indexOf(':', 2) !== -1) return { ok: false, reason: 'answer contains the start of another answer' };

  const parts = line.slice(2).split(',');
  if (parts.length !== FIELD_NAMES.length) {
    return { ok: false, reason: `answer has ${parts.length} fields, expected ${FIELD_NAMES.length}` };
  }
  const fields: Array<Field | null> = [];
  for (let i = 0; i < parts.length; i++) {
    const text = (parts[i] ?? '').trim();
    if (/^-+$/.test(text)) fields.push(null);
    else if (/^\d{1,3}$/.test(text)) fields.push({ value: Number(text), text });
    else return refused(`${FIELD_NAMES[i]} is not a number (expected 1 to 3 digits or dashes)`, `${FIELD_NAMES[i]} value "${parts[i]}" is not a number`);
  }
  const [spo2, pulse, systolic, mean, diastolic, s0, s1, s2, minutes] = fields;
  return {
    ok: true,
    value: {
      kind: 'patient',
      data: {
        spo2: spo2 ?? null,
        pulse: pulse ?? null,
        systolic: systolic ?? null,
        mean: mean ?? null,
        diastolic: diastolic ?? null,
        status: [s0?.value ?? null, s1?.value ?? null, s2?.value ?? null],
        minutesSinceNibp: minutes?.value ?? null,
      },
    },
  };
}
