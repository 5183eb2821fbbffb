// Pure encoder: the E1394 / LIS2-A2 records the gateway sends as the "computer" (a host-query
// answer, a download), escaped with the delimiters its own H record declares
// (docs/protocols.md#astm-host-query-and-download).

import type { WorkAction, WorkOrder } from '../../src/model/work-order.ts';
import { DEFAULT_DELIMITERS, type Delimiters } from './records.ts';

/** H.5 sender name of the gateway's messages. */
export const SENDER_NAME = 'MEDGATE';

const D: Delimiters = DEFAULT_DELIMITERS;

/** E1394 O.12 action codes (N new, A add to an existing specimen, C cancel), as python-astm's O record and the Roche cobas host manuals list them. */
const ACTION: Record<WorkAction, string> = { new: 'N', add: 'A', cancel: 'C' };

/**
 * Text as one field value: the declared delimiters as escape sequences (E1394 7.1.7: `&F& &S& &R& &E&`)
 * and control characters, which E1381 forbids in frame text, as spaces.
 */
export function escapeText(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch === D.escape) out += `${D.escape}E${D.escape}`;
    else if (ch === D.field) out += `${D.escape}F${D.escape}`;
    else if (ch === D.component) out += `${D.escape}S${D.escape}`;
    else if (ch === D.repeat) out += `${D.escape}R${D.escape}`;
    else if (ch < ' ' || ch === '\x7f') out += ' ';
    else out += ch;
  }
  return out;
}

/** Local time as `YYYYMMDDHHMMSS` with no offset: analyzers keep local time (LIS2-A2 date/time fields). */
export function astmTimestamp(date: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(date.getFullYear(), 4)}${p(date.getMonth() + 1)}${p(date.getDate())}${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/** ISO 8601 (with or without offset) to local `YYYYMMDDHHMMSS`; '' when it is not a time. */
function isoToAstm(iso: string | undefined): string {
  if (iso === undefined) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '' : astmTimestamp(date);
}

/** Fields 1..n joined, trailing empty fields dropped (E1394 lets a record end after its last valued field). */
function record(fields: string[]): string {
  let end = fields.length;
  while (end > 1 && fields[end - 1] === '') end--;
  return fields.slice(0, end).join(D.field);
}

/** `H|\^&|||MEDGATE|||||||P|LIS2-A2|<time>`: H.2 declares the delimiters every other record is escaped with. */
export function headerRecord(now: Date): string {
  const fields = new Array<string>(14).fill('');
  fields[0] = 'H';
  fields[1] = `${D.repeat}${D.component}${D.escape}`;
  fields[4] = SENDER_NAME;
  fields[11] = 'P';
  fields[12] = 'LIS2-A2';
  fields[13] = astmTimestamp(now);
  return fields.join(D.field);
}

/** P record: P.3 practice-assigned id (the MRN), P.6 `family^given`, P.8 birth date, P.9 sex. */
export function patientRecord(seq: number, patient: WorkOrder['patient']): string {
  const name = [escapeText(patient.family ?? ''), escapeText(patient.given ?? '')].join(D.component).replace(/\^+$/, '');
  const birth = patient.birthDate === undefined ? '' : patient.birthDate.replace(/-/g, '').slice(0, 8);
  // E1394 P.9 knows M, F and U only.
  const sex = patient.sex === 'O' ? 'U' : (patient.sex ?? '');
  return record(['P', String(seq), escapeText(patient.mrn), '', '', name, '', birth, sex]);
}

/**
 * O record: O.3 specimen id, O.4 the instrument specimen id its query gave (Roche cobas: echoed,
 * host manual p. 51), O.5 the analyzer's codes `^^^GLU\^^^PH`, O.6 priority (S stat, R routine), O.7
 * ordered, O.8 collected, O.12 action code, O.16 specimen type, O.26 report type `O` (an order, not a
 * result).
 */
export function orderRecord(seq: number, order: WorkOrder, instrumentSpecimen: readonly string[] = []): string {
  const fields = new Array<string>(26).fill('');
  fields[0] = 'O';
  fields[1] = String(seq);
  fields[2] = escapeText(order.specimenId);
  fields[3] = instrumentSpecimen.map(escapeText).join(D.component);
  fields[4] = order.tests.map((t) => `${D.component.repeat(3)}${escapeText(t.code)}`).join(D.repeat);
  fields[5] = order.priority === 'stat' ? 'S' : 'R';
  fields[6] = isoToAstm(order.orderedAt);
  fields[7] = isoToAstm(order.collectedAt);
  fields[11] = ACTION[order.action];
  fields[15] = escapeText(order.specimenType ?? '');
  fields[25] = 'O';
  return record(fields);
}

/**
 * The records of one message carrying orders: H, then P and O per order, L with N (normal end).
 * `instrumentSpecimen`: per specimen id, what the analyzer's query gave for O.4.
 */
export function orderMessage(orders: readonly WorkOrder[], now: Date, instrumentSpecimen: Readonly<Record<string, string[]>> = {}): string[] {
  const records = [headerRecord(now)];
  orders.forEach((order, i) => {
    records.push(patientRecord(i + 1, order.patient), orderRecord(1, order, instrumentSpecimen[order.specimenId]));
  });
  records.push('L|1|N');
  return records;
}

/** The answer to a query with nothing for the analyzer: H and L with termination code I ("no information available", E1394 L.3). */
export function noInformationMessage(now: Date): string[] {
  return [headerRecord(now), 'L|1|I'];
}
