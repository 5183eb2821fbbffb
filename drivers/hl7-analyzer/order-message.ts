// Pure building of the order message a download sends: OML^O21 (default) or ORM^O01, HL7 v2.5.1.
//
// Structures (HL7 v2.5.1 chapter 4, 4.4.6 OML^O21 and 4.4.1 ORM^O01): one ORDER group per test,
// each a separate order of the same specimen. OML^O21: ORC, TQ1 (its TIMING group), OBR, SPM (the
// OBSERVATION REQUEST group's SPECIMEN). ORM^O01's ORDER group is ORC + ORDER DETAIL (OBR): no TQ1
// and no SPM in 2.5.1, so the priority goes in OBR-27 (TQ component 6, kept for backward
// compatibility) and the specimen ID in the filler order number, OBR-3 and ORC-3 alike ("OBR-3 is
// identical to ORC-3", v2.5.1 4.5.3.3): laboratories number a specimen's work by its accession
// number, analyzers without SPM read the tube's ID there, and so does our own results reader. With
// ORM the EHR's filler number is not sent; results are matched by specimen and the EHR gets its
// numbers back from the order book.
//
// Placer numbers: every group carries the EHR's placer number in ORC-2/OBR-2 (equal, 4.5.1.2) and
// as the placer group number ORC-4, which says the groups are one requisition. HL7 would have one
// placer number per ORDER group; the gateway is not the placer and mints none in the EHR's number
// space: the analyzer echoes the EHR's own number in its results (docs/protocols.md, "HL7 analyzer
// orders").
//
// Fields: PID-3 CX `mrn^^^authority^MR` (table 0203 MR); ORC-1 table 0119 NW / CA; OBR-4 the
// analyzer's code in the device's local coding system (table 0396 L / 99zzz), the EHR's code as
// alternate (CWE.4-6) for the analyzer's display; OBR-11 table 0065 `A` (add ordered tests to the
// existing specimen) for an `add`; priority table 0485 S / R; SPM-2 EIP placer component, SPM-4 the
// type as the order names it, SPM-17 and OBR-7 the collection time.

import { DEFAULT_DELIMITERS, encodingCharacters } from '../../src/hl7/delimiters.ts';
import { escapeHl7 } from '../../src/hl7/escape.ts';
import { hl7Date, hl7Timestamp } from '../../src/hl7/datetime.ts';
import type { WorkOrder, WorkTest } from '../../src/model/work-order.ts';
import { componentsText } from './hl7-write.ts';

export type OrderStructure = 'OML^O21' | 'ORM^O01';

export interface OrderMessageOptions {
  structure: OrderStructure;
  /** MSH-10; unique per message (the analyzer's ACK echoes it in MSA-2). */
  controlId: string;
  now: Date;
  /** MSH-3/MSH-4: the gateway; `^` separates components. */
  sender: { application: string; facility: string };
  /** MSH-5/MSH-6: the analyzer as it names itself (its MSH-3/MSH-4), `^` between components; empty when not known yet. */
  receiver: { application: string; facility: string };
  /** The coding system of the analyzer's codes in OBR-4 (HL7 table 0396: L or 99zzz). */
  codingSystem: string;
}

const VERSION = '2.5.1';
const d = DEFAULT_DELIMITERS;
const esc = (text: string | undefined): string => (text === undefined ? '' : escapeHl7(text, d));

const components = (text: string): string => componentsText(text, d);

/** A segment from its fields (index 1 = field 1), trailing empty fields dropped. */
function segment(name: string, fields: Record<number, string>): string {
  const last = Math.max(0, ...Object.keys(fields).map(Number));
  const out: string[] = [name];
  for (let i = 1; i <= last; i++) out.push(fields[i] ?? '');
  while (out.length > 1 && out[out.length - 1] === '') out.pop();
  return out.join(d.field);
}

/** The EHR's code as a CWE coding-system name: LOINC as `LN` (table 0396); another short name as is; a URI is not one. */
function orderedSystem(system: string): string | undefined {
  if (/loinc/i.test(system) || system === 'LN') return 'LN';
  return /^[A-Za-z0-9_.-]{1,20}$/.test(system) ? system : undefined;
}

function serviceId(test: WorkTest, codingSystem: string): string {
  const own = [esc(test.code), '', esc(codingSystem)];
  const ordered = test.ordered;
  const altSystem = ordered === undefined ? undefined : orderedSystem(ordered.system);
  if (ordered === undefined || altSystem === undefined) return own.join(d.component);
  return [...own, esc(ordered.code), esc(ordered.display), esc(altSystem)].join(d.component);
}

const dtm = (iso: string | undefined): string => (iso === undefined ? '' : hl7Timestamp(iso));

function pid(order: WorkOrder): string {
  const p = order.patient;
  const cx = [esc(p.mrn), '', '', esc(p.assigningAuthority), 'MR'].join(d.component);
  const name = p.family === undefined && p.given === undefined ? '' : [esc(p.family), esc(p.given)].join(d.component);
  return segment('PID', { 1: '1', 3: cx, 5: name, 7: p.birthDate === undefined ? '' : hl7Date(p.birthDate), 8: esc(p.sex) });
}

function testSegments(order: WorkOrder, test: WorkTest, i: number, opts: OrderMessageOptions, now: string): string[] {
  const oml = opts.structure === 'OML^O21';
  const priority = order.priority === undefined ? '' : order.priority === 'stat' ? 'S' : 'R';
  const filler = oml ? esc(order.filler) : esc(order.specimenId);
  const placer = esc(order.placer);
  const out = [segment('ORC', { 1: order.action === 'cancel' ? 'CA' : 'NW', 2: placer, 3: filler, 4: placer, 9: now })];
  if (oml && priority !== '') out.push(segment('TQ1', { 1: '1', 9: priority }));
  out.push(
    segment('OBR', {
      1: String(i + 1),
      2: placer,
      3: filler,
      4: serviceId(test, opts.codingSystem),
      7: dtm(order.collectedAt),
      11: order.action === 'add' ? 'A' : '',
      15: oml ? '' : esc(order.specimenType),
      27: oml || priority === '' ? '' : `${d.component.repeat(5)}${priority}`,
    }),
  );
  if (oml) out.push(segment('SPM', { 1: '1', 2: esc(order.specimenId), 4: esc(order.specimenType), 17: dtm(order.collectedAt) }));
  return out;
}

/** The message text, segments ended by CR. Throws RangeError only for a WorkOrder time or birth date that is not ISO 8601. */
export function buildOrderMessage(order: WorkOrder, opts: OrderMessageOptions): string {
  const now = hl7Timestamp(opts.now, 0);
  const [type, trigger] = opts.structure.split('^') as [string, string];
  const msh = [
    'MSH',
    encodingCharacters(d),
    components(opts.sender.application),
    components(opts.sender.facility),
    components(opts.receiver.application),
    components(opts.receiver.facility),
    now,
    '',
    [type, trigger, `${type}_${trigger}`].join(d.component),
    esc(opts.controlId),
    'P',
    VERSION,
  ].join(d.field);
  const segments = [msh, pid(order), ...order.tests.flatMap((test, i) => testSegments(order, test, i, opts, now))];
  return segments.join('\r') + '\r';
}
