// Pure reading of an analyzer's host query and building of its immediate answer.
//
// The query is IHE LAW's "Query for AWOS" (IHE Laboratory Technical Framework, LAW supplement,
// transaction LAB-27): QBP_Q11 with QPD-1 `WOS^Work Order Step^IHE_LABTF` (some analyzers write
// `IHELAW` as the coding system: only QPD-1.1 is compared), QPD-2 the query tag, QPD-3 the specimen
// container ID (EIP; its first component, else its second, and every repetition). The "query all",
// rack and tray options (QPD-1 WOS_ALL, QPD-4..8) are not answered: the gateway knows specimens, not
// racks. The answer is RSP_K11 (HL7 v2.5.1 chapter 5, 5.3 conformance queries): MSA AA echoing the
// query's MSH-10, QAK-1 the tag, QAK-2 `OK` (work follows) or `NF` (none), table 0208, QAK-3 the
// query name, and the QPD echoed. The work itself follows as order messages (order-message.ts).

import { encodingCharacters, type Delimiters } from '../../src/hl7/delimiters.ts';
import { escapeHl7 } from '../../src/hl7/escape.ts';
import { hl7Timestamp } from '../../src/hl7/datetime.ts';
import type { Rejection } from './decode.ts';
import { Hl7Reader, splitHl7 } from './hl7-text.ts';
import { componentsText } from './hl7-write.ts';

export interface WorklistQuery {
  /** MSH-10, echoed in MSA-2. */
  controlId: string;
  /** QPD-2, echoed in QAK-1. */
  tag: string;
  specimenIds: string[];
  delimiters: Delimiters;
  /** The query's MSH fields as sent (raw), for the answer's header. */
  msh: { sendingApp: string; sendingFacility: string; receivingApp: string; receivingFacility: string; trigger: string; version: string };
  /** QPD-1 raw (QAK-3) and the whole QPD segment as received (echoed). */
  queryName: string;
  qpd: string;
}

export type QueryReading = { ok: true; value: WorklistQuery } | { ok: false; rejection: Rejection };

const WORK_ORDER_STEP = 'WOS';

const refuse = (code: Rejection['code'], errorCode: string, reason: string): QueryReading => ({ ok: false, rejection: { code, errorCode, reason } });

/** A QBP (MSH-9.1 known to be `QBP`): the specimens it asks about, or why it cannot be answered (the reason names the field, never its text). */
export function readWorklistQuery(text: string): QueryReading {
  const split = splitHl7(text);
  if (!split.ok) return refuse(split.inHeader ? 'AR' : 'AE', '100', split.reason);
  const { segments, delimiters } = split.value;
  const r = new Hl7Reader(delimiters);
  const msh = segments[0];
  const controlId = r.get(msh, 10);
  if (controlId === '') return refuse('AE', '101', 'MSH-10 (message control ID) is empty');
  const qpd = segments.find((s) => s.name === 'QPD');
  if (qpd === undefined) return refuse('AE', '100', 'QBP without a QPD segment: no query to answer');
  const name = r.get(qpd, 1, 1).toUpperCase();
  if (name !== WORK_ORDER_STEP)
    return refuse('AE', '201', `unsupported query in QPD-1 (only ${WORK_ORDER_STEP}, IHE LAW "Query for AWOS" by specimen, is answered)`);
  const specimenIds = r
    .repetitions(qpd, 3)
    .map((rep) => r.text(r.part(rep, 1, 1)) || r.text(r.part(rep, 2, 1)))
    .filter((id) => id !== '');
  if (specimenIds.length === 0) return refuse('AE', '101', 'QPD-3 (specimen container ID) is empty: no specimen to look up');
  const raw = (n: number): string => msh?.fields[n] ?? '';
  return {
    ok: true,
    value: {
      controlId,
      tag: r.get(qpd, 2),
      specimenIds: [...new Set(specimenIds)],
      delimiters,
      msh: {
        sendingApp: raw(3),
        sendingFacility: raw(4),
        receivingApp: raw(5),
        receivingFacility: raw(6),
        trigger: r.get(msh, 9, 2).toUpperCase(),
        version: r.get(msh, 12, 1),
      },
      queryName: qpd.fields[1] ?? '',
      qpd: qpd.text,
    },
  };
}

export interface QueryResponseOptions {
  controlId: string;
  now: Date;
  /** Our MSH-3 / MSH-4 (`^` between components); default: what the query named as receiver (its MSH-5 / MSH-6). */
  sendingApp?: string;
  sendingFacility?: string;
}

/**
 * RSP_K11 in the query's own separators and version. The event mirrors the query's: Q11 is answered
 * K11 (HL7 v2.5.1 5.3.1: QBP^Q11 -> RSP^K11), a query profile's own event (WOS) with itself.
 */
export function buildQueryResponse(query: WorklistQuery, status: 'OK' | 'NF', opts: QueryResponseOptions): string {
  const d = query.delimiters;
  const own = (value: string | undefined, fallback: string): string => (value === undefined ? fallback : componentsText(value, d));
  const trigger = query.msh.trigger === '' || query.msh.trigger === 'Q11' ? 'K11' : query.msh.trigger;
  const msh = [
    'MSH',
    encodingCharacters(d),
    own(opts.sendingApp, query.msh.receivingApp),
    own(opts.sendingFacility, query.msh.receivingFacility),
    query.msh.sendingApp,
    query.msh.sendingFacility,
    hl7Timestamp(opts.now, 0),
    '',
    ['RSP', escapeHl7(trigger, d), 'RSP_K11'].join(d.component),
    escapeHl7(opts.controlId, d),
    'P',
    query.msh.version || '2.5.1',
  ].join(d.field);
  const msa = ['MSA', 'AA', escapeHl7(query.controlId, d)].join(d.field);
  const qak = ['QAK', escapeHl7(query.tag, d), status, query.queryName].join(d.field);
  return [msh, msa, qak, query.qpd].join('\r') + '\r';
}
