// What an analyzer sends for a control or a patient specimen, written field by field for the QC
// integration tests (apart from the drivers and the simulators, so one mistake cannot hide in both).
// ASTM E1394-97 records (O-12 action code: Q "treat specimen as a Q/C test specimen", N new sample)
// and HL7 v2.5.1 ORU^R01 with SPM-11 specimen role (table 0369: Q control specimen, C calibrator,
// P patient).

import { expect } from 'vitest';
import { sendTransmission, type ByteLink } from './astm-analyzer.ts';
import { ACK, framesOf } from './astm-wire.ts';
import { analyzerMsh } from './hl7-analyzer-end.ts';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** YYYYMMDDHHMMSS in this machine's zone: E1394 and HL7 times without an offset are local. */
export function wallClock(at: Date): string {
  return `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
}

/** `hoursAgo` hours before now, on a whole second (what the wire's times keep). */
export function hoursAgo(hours: number): Date {
  return new Date(Math.floor((Date.now() - hours * 3_600_000) / 1000) * 1000);
}

export interface AstmSpecimen {
  /** O-3: the sample ID (a control's lot or a patient's tube). */
  specimen: string;
  /** The analyzer's test codes to values. */
  results: Record<string, string>;
  unit: string;
  /** O-12 action code: `Q` control, `N` new (patient) sample, '' none. */
  action: 'Q' | 'N' | '';
  /** P-4 (laboratory-assigned patient ID); absent: an empty P record, as analyzers send with a control. */
  patientId?: string;
  /** When the analyzer measured it. */
  at: Date;
}

/** One E1394 transmission: H, P, O, R..., L. */
export function astmSpecimen(s: AstmSpecimen): string[] {
  const t = wallClock(s.at);
  const codes = Object.keys(s.results);
  const o = Array<string>(26).fill('');
  o[0] = 'O';
  o[1] = '1';
  o[2] = s.specimen;
  o[4] = codes.map((c) => `^^^${c}`).join('\\');
  o[5] = 'R';
  o[6] = t;
  o[7] = t;
  o[11] = s.action;
  o[15] = 'serum';
  o[25] = 'F';
  return [
    `H|\\^&|||CHEM-300^4.1^SN1187|||||MEDGATE||P|LIS2-A2|${t}`,
    s.patientId === undefined ? 'P|1' : `P|1||${s.patientId}`,
    o.join('|'),
    // R-7 flag N, R-9 status F (final), R-11 operator, R-12 started, R-13 completed, R-14 instrument.
    ...codes.map((c, i) => `R|${i + 1}|^^^${c}|${s.results[c]}|${s.unit}||N||F||OP|${t}|${t}|CHEM-300`),
    'L|1|N',
  ];
}

export interface Hl7Specimen {
  /** SPM-2. */
  specimen: string;
  /** SPM-11 (table 0369): Q control, C calibrator, P patient, '' none. */
  role: 'Q' | 'C' | 'P' | '';
  results: Record<string, string>;
  unit: string;
  /** PID-3; absent: no PID segment (a control belongs to nobody). */
  mrn?: string;
  /** OBR-11 specimen action code, as some analyzers mark a control (`Q`). */
  obr11?: string;
  /** No SPM segment (analyzers that mark the control in OBR-11 only). */
  noSpm?: boolean;
  at: Date;
}

/** ORU^R01 as an analyzer sends it: [PID,] OBR (OBR-3 the specimen, as the filler's number), OBX per test, [SPM]. */
export function hl7Specimen(s: Hl7Specimen): string {
  const t = wallClock(s.at);
  const codes = Object.keys(s.results);
  const obr = ['OBR', '1', '', s.specimen, `${codes[0]}^^99MDG`, '', '', t, '', '', '', s.obr11 ?? ''];
  const spm = ['SPM', '1', s.specimen, '', 'SER', '', '', '', '', '', '', s.role];
  return [
    analyzerMsh('ORU^R01^ORU_R01'),
    ...(s.mrn === undefined ? [] : [`PID|1||${s.mrn}`]),
    obr.join('|'),
    ...codes.map((c, i) => `OBX|${i + 1}|NM|${c}^^99MDG||${s.results[c]}|${s.unit}|||N|||F|||${t}`),
    ...(s.noSpm ? [] : [spm.join('|')]),
  ].join('\r');
}

/** Sends one E1394 transmission as an analyzer does and expects the host to ACK the ENQ and every frame. */
export async function transmit(link: ByteLink, records: string[]): Promise<void> {
  const frames = framesOf(records);
  const { replies } = await sendTransmission(link, frames);
  expect(replies, "the host's answers to ENQ and each frame").toEqual(Array<string>(frames.length + 1).fill(ACK));
}
