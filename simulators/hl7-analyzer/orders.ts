// The HL7 analyzer's side of orders (HL7 v2.5.1), written apart from the driver's: the host query
// QBP^Q11^QBP_Q11 (IHE Laboratory Technical Framework, LAW "Query for AWOS": QPD-1
// `WOS^Work Order Step^IHE_LABTF`, QPD-2 the query tag, QPD-3 the specimen ID), reading the host's
// RSP^K11^RSP_K11 (MSA, QAK-2 OK / NF) and its order messages OML^O21 / ORM^O01 (ORC-1 NW / CA,
// ORC-2/3 placer and filler, PID-3 the patient, OBR-4.1 the analyzer's code, SPM-2 the specimen,
// else OBR-3 as ORM carries it), the ACK it answers with (MSA-1 AA / AE / AR, MSA-3 and ERR-8 the
// reason), and the ORU^R01 results of a worklist entry. Pure.

import { hl7Timestamp } from '../../src/hl7/datetime.ts';
import { escapeHl7, unescapeHl7 } from '../../src/hl7/escape.ts';
import type { SimWork, WorkAction } from '../worklist.ts';
import { workTimes } from '../work-times.ts';

interface Seg {
  name: string;
  fields: string[];
}

/** A message split the plain way: `|` fields, `^` components, `~` repeats (MSH-2 `^~\&`). */
export interface ReadMessage {
  segments: Seg[];
  /** MSH-9 components 1 and 2, e.g. ['OML', 'O21']. */
  type: [string, string];
  controlId: string;
}

export function readMessage(text: string): ReadMessage | undefined {
  const segments = text
    .split(/\r\n|\r|\n/)
    .filter((l) => l.length >= 3)
    .map((line) => {
      const parts = line.split('|');
      const name = parts[0] ?? '';
      // MSH-1 is the field separator itself: keep numbering so MSH-n is fields[n].
      const fields = name === 'MSH' ? ['MSH', '|', ...parts.slice(1)] : parts;
      return { name, fields };
    });
  const msh = segments[0];
  if (msh?.name !== 'MSH') return undefined;
  const t = (msh.fields[9] ?? '').split('^');
  return { segments, type: [t[0] ?? '', t[1] ?? ''], controlId: unescapeHl7(msh.fields[10] ?? '') };
}

/** Field `n`, first repeat, component `c` (1-based), unescaped. */
export function comp(seg: Seg | undefined, n: number, c = 1): string {
  const f = seg?.fields[n] ?? '';
  return unescapeHl7(f.split('~')[0]?.split('^')[c - 1] ?? '');
}

/** A field as sent (components and all), first repeat. */
function raw(seg: Seg | undefined, n: number): string {
  return (seg?.fields[n] ?? '').split('~')[0] ?? '';
}

const VT = 'MSH|^~\\&';

export function queryMessage(controlId: string, tag: string, specimenId: string, now: Date): string {
  return [
    `${VT}|SIMLAB|SIMLAB-LAB|MEDGATE|CLINIC|${hl7Timestamp(now, 0)}||QBP^Q11^QBP_Q11|${controlId}|P|2.5.1|||NE|AL||UNICODE UTF-8`,
    `QPD|WOS^Work Order Step^IHE_LABTF|${escapeHl7(tag)}|${escapeHl7(specimenId)}`,
    'RCP|I||R',
  ].join('\r');
}

export interface QueryAnswer {
  /** MSA-2: the query's control ID. */
  answers: string;
  ack: string;
  /** QAK-2: OK (work follows), NF (none), or an error code. */
  status: string;
}

export function readQueryAnswer(m: ReadMessage): QueryAnswer {
  const msa = m.segments.find((s) => s.name === 'MSA');
  const qak = m.segments.find((s) => s.name === 'QAK');
  return { answers: comp(msa, 2), ack: comp(msa, 1).toUpperCase(), status: comp(qak, 2).toUpperCase() };
}

export interface OrderItem {
  action: WorkAction;
  work: SimWork;
}

/** Each ORC/OBR of an order message as work for one specimen; a string saying what is wrong when it is not one. */
export function readOrderMessage(m: ReadMessage): OrderItem[] | string {
  if (m.controlId === '') return 'MSH-10 (message control ID) is empty';
  const pid = m.segments.find((s) => s.name === 'PID');
  if (pid === undefined) return 'no PID segment';
  const patient: Pick<SimWork, 'patientId' | 'family' | 'given' | 'dob' | 'sex'> & { assigningAuthority?: string } = {
    patientId: comp(pid, 3, 1),
    family: comp(pid, 5, 1),
    given: comp(pid, 5, 2),
    dob: comp(pid, 7).slice(0, 8),
    sex: comp(pid, 8),
  };
  const authority = comp(pid, 3, 4);
  if (authority !== '') patient.assigningAuthority = authority;
  if (patient.patientId === '') return 'PID-3 (patient identifier) is empty';
  const items: OrderItem[] = [];
  let orc: Seg | undefined;
  let pending: { obr: Seg; orc: Seg | undefined } | undefined;
  const flush = (spm: Seg | undefined): string | undefined => {
    if (pending === undefined) return undefined;
    const { obr, orc: o } = pending;
    pending = undefined;
    const specimenId = spm !== undefined ? (comp(spm, 2, 1).split('&')[0] ?? '') : comp(obr, 3, 1);
    if (specimenId === '') return 'no specimen ID (SPM-2, or OBR-3 without SPM)';
    const code = comp(obr, 4, 1);
    if (code === '') return 'OBR-4 (universal service identifier) is empty';
    const work: SimWork = { ...patient, specimenId, tests: [code] };
    const placer = raw(o, 2) || raw(obr, 2);
    if (placer !== '') work.placer = placer;
    const filler = raw(o, 3);
    if (filler !== '') work.filler = filler;
    const type = spm !== undefined ? comp(spm, 4, 1) : comp(obr, 15, 1);
    if (type !== '') work.specimenType = type;
    items.push({ action: comp(o, 1).toUpperCase() === 'CA' ? 'cancel' : 'add', work });
    return undefined;
  };
  for (const s of m.segments) {
    let problem: string | undefined;
    if (s.name === 'ORC') {
      problem = flush(undefined);
      orc = s;
    } else if (s.name === 'OBR') {
      problem = flush(undefined);
      pending = { obr: s, orc };
    } else if (s.name === 'SPM') problem = flush(s);
    if (problem !== undefined) return problem;
  }
  const last = flush(undefined);
  if (last !== undefined) return last;
  if (items.length === 0) return 'no OBR segment (no test to run)';
  return items;
}

/** The ACK the analyzer answers a message with (MSA-2 its control ID; MSA-3 and ERR-8 the reason when refused). */
export function ackMessage(m: ReadMessage, code: 'AA' | 'AE' | 'AR', controlId: string, now: Date, reason?: string): string {
  const [type, trigger] = m.type;
  const segs = [
    `${VT}|SIMLAB|SIMLAB-LAB|MEDGATE|CLINIC|${hl7Timestamp(now, 0)}||ACK^${escapeHl7(trigger)}^ACK|${controlId}|P|2.5.1`,
    `MSA|${code}|${escapeHl7(m.controlId)}${reason === undefined ? '' : `|${escapeHl7(reason)}`}`,
  ];
  // ERR-3 HL7 table 0357 (207 application internal error, 200 unsupported message type), ERR-4 severity E, ERR-8 user message.
  if (reason !== undefined) segs.push(`ERR|||${type === 'OML' || type === 'ORM' ? '207' : '200'}|E||||${escapeHl7(reason)}`);
  return segs.join('\r');
}

/** One analyte this analyzer reports. */
export interface ResultRow {
  /** OBX-3 as sent (`code^name^99SIM`, or LOINC first with the local code as the alternate). */
  id: string;
  /** What a test expects the gateway to report as the code (LOINC where sent first, else local). */
  code: string;
  name: string;
  value: string;
  unit: string;
  range: string;
  flag: string;
}

export interface OruFor {
  work: SimWork;
  controlId: string;
  now: Date;
  /** Per test, in order; tests without a row are not reported. */
  rows: Map<string, ResultRow>;
}

/** ORU^R01 for a worklist entry: one ORC/OBR per test with the host's numbers, its OBX, and SPM with the specimen. */
export function orderedOru(o: OruFor): string {
  const w = o.work;
  const now = hl7Timestamp(o.now, 0);
  const times = workTimes(w.givenAt, o.now);
  const collected = hl7Timestamp(times.collected, 0);
  const analysed = hl7Timestamp(times.completed, 0);
  const e = escapeHl7;
  const placer = w.placer ?? '';
  const filler = w.filler ?? e(w.specimenId);
  // No patient (a specimen nobody ordered): PID-3 left empty rather than an identifier without an ID.
  const pid3 = w.patientId === '' ? '' : `${e(w.patientId)}^^^${e(w.assigningAuthority ?? '')}^MR`;
  const name = w.family || w.given ? `${e(w.family ?? '')}^${e(w.given ?? '')}` : '';
  const segs = [
    `${VT}|SIMLAB|SIMLAB-LAB|MEDGATE|CLINIC|${now}||ORU^R01^ORU_R01|${o.controlId}|P|2.5.1|||NE|AL||UNICODE UTF-8`,
    `PID|1||${pid3}||${name}||${w.dob ?? ''}|${e(w.sex ?? '')}`,
    'PV1|1|O',
  ];
  let n = 0;
  for (const test of w.tests) {
    const row = o.rows.get(test);
    if (row === undefined) continue;
    n++;
    segs.push(`ORC|RE|${placer}|${filler}`);
    segs.push(`OBR|${n}|${placer}|${filler}|${e(test)}^${e(row.name)}^99SIM|||${collected}|||||||||||||||${now}||LAB|F`);
    segs.push(`OBX|1|NM|${row.id}||${row.value}|${e(row.unit)}|${row.range}|${row.flag}|||F|||${analysed}||||SIMLAB-SN0001`);
    segs.push(`SPM|1|${e(w.specimenId)}||${e(w.specimenType ?? '')}|||||||||||||${collected}`);
  }
  return segs.join('\r') + '\r';
}
