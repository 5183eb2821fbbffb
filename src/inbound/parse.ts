// Inbound HL7 from the EHR (ADT and orders) -> a typed event, or the reason to reject it. Pure.
// node-hl7-client's Message does the splitting; values are unescaped by the gateway's one policy
// (src/hl7/escape.ts), with the delimiters read by its one rule (src/hl7/delimiters.ts). Everything
// the library returns is read defensively, and whatever it throws becomes an AR, never an exception.
//
// Error codes (HL7 table 0357, docs/protocols.md#hl7-v2-acknowledgements): AR for what we cannot or will not process
// (100/102 unparsable, 101 MSH fields missing, 200 message type, 201 event, 203 version); AE for
// a supported message whose content is wrong (100 segment missing, 101 required field empty,
// 103 ORC-1 not a code we act on). Reasons never quote patient data: they go into logs and ACKs.

import { Message, type HL7Node } from 'node-hl7-client';
import type { LocalCode, PatientRef } from '../model/reading.ts';
import type { Visit } from '../model/visit.ts';
import type { InboundEvent, MergePair, OrderEvent, ParsedOrder, PatientIdentifier } from './events.ts';
import { dtmToDate, dtmToIso, normalizeIso } from '../hl7/datetime.ts';
import { DEFAULT_DELIMITERS, readDelimiters, type Delimiters } from '../hl7/delimiters.ts';
import { unescapeHl7 } from '../hl7/escape.ts';
import { errorText } from '../model/error-text.ts';

export interface ParseAccepted {
  ok: true;
  event: InboundEvent;
  /** MSH-10. */
  controlId: string;
  /** MSH-9.1^MSH-9.2, e.g. ADT^A01. */
  messageType: string;
  /** Fields that were unreadable and left out (never quoting their values). */
  warnings: string[];
}

export interface ParseRejected {
  ok: false;
  code: 'AE' | 'AR';
  /** HL7 table 0357. */
  errorCode: string;
  reason: string;
  /** MSH-10 and MSH-9 when they could be read. */
  controlId?: string;
  messageType?: string;
}

export type ParseResult = ParseAccepted | ParseRejected;

export const SUPPORTED_MESSAGES = ['ADT^A01', 'ADT^A03', 'ADT^A04', 'ADT^A08', 'ADT^A11', 'ADT^A40', 'ORM^O01', 'OML^O21'] as const;

/** ORC-1 (HL7 table 0119) codes that leave the order open, and those that end it. */
const OPENING_CONTROLS = new Set(['NW', 'XO', 'RP', 'RO', 'SC', 'SN', 'OK', 'RL']);
const CANCELLING_CONTROLS = new Set(['CA', 'OC', 'DC', 'CR', 'OD', 'DR']);

/** Raised inside the parser only; parseInbound turns it into a rejection. */
class Rejection extends Error {
  constructor(
    readonly code: 'AE' | 'AR',
    readonly errorCode: string,
    reason: string,
  ) {
    super(reason);
  }
}

const reject = (code: 'AE' | 'AR', errorCode: string, reason: string): never => {
  throw new Rejection(code, errorCode, reason);
};

/** A field as repetitions -> components -> subcomponents, unescaped. `""` (HL7's explicit null) reads as empty. */
type Field = string[][][];

// The delimiters each segment's message declares. The library's own unescaping differs from the
// gateway's (it keeps \.br\ and drops \Z..\), so values are read raw and unescaped here.
const declaredBy = new WeakMap<HL7Node, Delimiters>();

function readField(segment: HL7Node, n: number): Field {
  const d = declaredBy.get(segment) ?? DEFAULT_DELIMITERS;
  return segment
    .get(n)
    .toArray()
    .map((rep) => rep.toArray().map((comp) => comp.toArray().map((sub) => clean(unescapeHl7(sub.toRaw(), d)))));
}

function clean(value: string): string {
  const v = value.trim();
  return v === '""' ? '' : v;
}

/** Component c (1-based), subcomponent s, of repetition r (0-based). */
function part(field: Field, c = 1, s = 1, r = 0): string {
  return field[r]?.[c - 1]?.[s - 1] ?? '';
}

function value(segment: HL7Node, n: number, c = 1, s = 1): string {
  return part(readField(segment, n), c, s);
}

/** Segment lines as the library expects them: CR-separated, no blank lines, no leading blanks. */
function tidy(text: string): string {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((line) => line.replace(/^[\s\x00]+/, ''))
    .filter((line) => line !== '')
    .join('\r');
}

interface MshPeek {
  controlId?: string;
  messageType?: string;
  fieldCount: number;
}

/** Reads MSH-9/10 with a plain split, so even a message the library refuses is named in the journal. */
function peekMsh(firstLine: string): MshPeek {
  const sep = firstLine.charAt(3);
  const fields = firstLine.split(sep);
  const compSep = (fields[1] ?? '').charAt(0) || '^';
  // fields[0] is "MSH" and fields[1] is MSH-2, so MSH-n sits at fields[n - 1].
  const type = (fields[8] ?? '')
    .split(compSep)
    .slice(0, 2)
    .filter((s) => s !== '')
    .join('^');
  const controlId = (fields[9] ?? '').trim();
  const peek: MshPeek = { fieldCount: fields.length };
  if (controlId !== '') peek.controlId = controlId;
  if (type !== '') peek.messageType = type;
  return peek;
}

/**
 * What the library would read wrongly rather than refuse: it names a segment by its first three
 * characters ("PIDX|..." reads as a PID) and takes any MSH-2.
 */
function checkStructure(body: string, firstLine: string): { errorCode: string; reason: string } | undefined {
  const declared = readDelimiters(firstLine);
  if (!declared.ok) return { errorCode: '102', reason: declared.reason };
  const sep = declared.delimiters.field;
  const lines = body.split('\r');
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const name = line.split(sep, 1)[0] ?? '';
    if (!/^[A-Z][A-Z0-9]{2}$/.test(name)) return { errorCode: '100', reason: `segment ${i + 1} does not begin with a 3-character segment ID` };
  }
  return undefined;
}

/** A DTM as the directory keeps it: a day as `YYYY-MM-DD`, a time as normalizeIso writes it (the zone rule is datetime.ts's). */
function directoryTime(text: string): string | undefined {
  const r = dtmToIso(text);
  return r.kind === 'time' ? normalizeIso(r.iso) : r.kind === 'date' ? r.date : undefined;
}

function describeError(err: unknown): string {
  const text = errorText(err);
  return text.replace(/\s+/g, ' ').slice(0, 120);
}

export function parseInbound(text: string): ParseResult {
  const body = tidy(typeof text === 'string' ? text : '');
  const firstLine = body.split('\r', 1)[0] ?? '';
  if (!/^MSH[^A-Za-z0-9\s]/.test(firstLine)) {
    return { ok: false, code: 'AR', errorCode: '100', reason: 'the message does not begin with an MSH segment' };
  }
  const peek = peekMsh(firstLine);
  const named = { ...(peek.controlId ? { controlId: peek.controlId } : {}), ...(peek.messageType ? { messageType: peek.messageType } : {}) };
  const structure = checkStructure(body, firstLine);
  if (structure) return { ok: false, code: 'AR', errorCode: structure.errorCode, reason: structure.reason, ...named };
  // MSH-12 is required; the library also cannot read an MSH that stops before it.
  if (peek.fieldCount < 12) {
    return { ok: false, code: 'AR', errorCode: '101', reason: 'MSH ends before MSH-12 (version ID)', ...named };
  }

  let message: Message;
  try {
    message = new Message({ text: body });
  } catch (err) {
    return { ok: false, code: 'AR', errorCode: '102', reason: `the message could not be parsed: ${describeError(err)}`, ...named };
  }

  try {
    const declared = readDelimiters(firstLine);
    if (declared.ok) for (const segment of message.toArray()) declaredBy.set(segment, declared.delimiters);
    return interpret(message);
  } catch (err) {
    if (err instanceof Rejection) return { ok: false, code: err.code, errorCode: err.errorCode, reason: err.message, ...named };
    return { ok: false, code: 'AR', errorCode: '102', reason: `the message could not be read: ${describeError(err)}`, ...named };
  }
}

function interpret(message: Message): ParseAccepted {
  const msh = (path: string): string => clean(message.get(path).toString());
  const segments = message.toArray();
  const type = msh('MSH.9.1').toUpperCase();
  const evn = segments.find((s) => s.name === 'EVN');
  let trigger = msh('MSH.9.2').toUpperCase();
  // Old ADT senders put the event only in EVN-1.
  if (trigger === '' && type === 'ADT' && evn) trigger = value(evn, 1).toUpperCase();
  const controlId = msh('MSH.10');
  if (type === '') reject('AR', '101', 'MSH-9 (message type) is empty');
  if (controlId === '') reject('AR', '101', 'MSH-10 (message control ID) is empty');
  const version = msh('MSH.12.1');
  if (version !== '' && !version.startsWith('2.')) reject('AR', '203', `HL7 version ${version.slice(0, 10)} is not supported (v2.x only)`);

  const messageType = trigger === '' ? type : `${type}^${trigger}`;
  const warnings: string[] = [];
  const ctx: Ctx = { segments, messageType, warnings };
  let event: InboundEvent;
  switch (type) {
    case 'ADT':
      event = adt(ctx, trigger);
      break;
    case 'ORM':
    case 'OML':
      if ((type === 'ORM' && trigger !== 'O01') || (type === 'OML' && trigger !== 'O21')) {
        return reject('AR', '201', `${messageType.slice(0, 20)} is not supported (orders: ORM^O01, OML^O21)`);
      }
      event = order(ctx);
      break;
    default:
      return reject('AR', '200', `message type ${type.slice(0, 10)} is not supported (supported: ${SUPPORTED_MESSAGES.join(', ')})`);
  }
  return { ok: true, event, controlId, messageType, warnings };
}

interface Ctx {
  segments: HL7Node[];
  messageType: string;
  warnings: string[];
}

function adt(ctx: Ctx, trigger: string): InboundEvent {
  if (trigger === 'A40') return merge(ctx);
  const kind =
    trigger === 'A01' || trigger === 'A04'
      ? 'admit'
      : trigger === 'A08'
        ? 'update'
        : trigger === 'A03'
          ? 'discharge'
          : trigger === 'A11'
            ? 'cancelAdmit'
            : undefined;
  if (kind === undefined) {
    return reject('AR', '201', `ADT^${trigger.slice(0, 10) || '(empty)'} is not supported (ADT: A01, A03, A04, A08, A11, A40)`);
  }
  const pid = ctx.segments.find((s) => s.name === 'PID');
  if (!pid) return reject('AE', '100', `${ctx.messageType} has no PID segment`);
  const patient = readPatient(pid, 'PID', ctx.warnings);
  const pv1 = ctx.segments.find((s) => s.name === 'PV1');
  if (kind === 'update') return pv1 ? { kind, patient, visit: readVisit(pv1, ctx.warnings) } : { kind, patient };
  if (!pv1) ctx.warnings.push(`${ctx.messageType} has no PV1 segment: no visit details`);
  const visit = pv1 ? readVisit(pv1, ctx.warnings) : {};
  if (kind === 'admit') return { kind, trigger: trigger === 'A01' ? 'A01' : 'A04', patient, visit };
  return { kind, patient, visit };
}

/** The CX of an identifier list that carries the MRN: identifier type MR, else the first with an ID. */
function pickIdentifier(field: Field): PatientIdentifier | undefined {
  const withId = field.map((_, r) => r).filter((r) => part(field, 1, 1, r) !== '');
  const r = withId.find((i) => part(field, 5, 1, i).toUpperCase() === 'MR') ?? withId[0];
  if (r === undefined) return undefined;
  return identifierAt(field, r);
}

function identifierAt(field: Field, r: number): PatientIdentifier {
  const id: PatientIdentifier = { mrn: part(field, 1, 1, r) };
  // CX.4 is an HD: namespace ID, else the universal ID (an OID).
  const authority = part(field, 4, 1, r) || part(field, 4, 2, r);
  if (authority !== '') id.assigningAuthority = authority;
  return id;
}

const SEX: Record<string, PatientRef['sex']> = { M: 'M', F: 'F', O: 'O', U: 'U', A: 'O', X: 'O', N: 'U' };

function readPatient(pid: HL7Node, where: string, warnings: string[]): PatientRef {
  const id = pickIdentifier(readField(pid, 3));
  if (!id) return reject('AE', '101', `${where}-3 (patient identifier list) has no identifier`);
  const patient: PatientRef = { ...id };

  // PID-5 repeats: the legal name (XPN.7 = L) when it is marked, else the first.
  const names = readField(pid, 5);
  const r = names.findIndex((_, i) => part(names, 7, 1, i).toUpperCase() === 'L');
  const family = part(names, 1, 1, r === -1 ? 0 : r);
  const given = part(names, 2, 1, r === -1 ? 0 : r);
  if (family !== '') patient.family = family;
  if (given !== '') patient.given = given;

  const dobText = value(pid, 7);
  if (dobText !== '') {
    const dob = dtmToDate(dobText);
    if (dob) patient.dob = dob;
    else warnings.push(`${where}-7 (birth date) is not a date; left out`);
  }
  const sexText = value(pid, 8).toUpperCase();
  if (sexText !== '') {
    const sex = SEX[sexText];
    if (sex) patient.sex = sex;
    else warnings.push(`${where}-8 (sex) is not a code of HL7 table 0001; left out`);
  }
  return patient;
}

function readVisit(pv1: HL7Node, warnings: string[]): Visit {
  const visit: Visit = {};
  const patientClass = value(pv1, 2);
  if (patientClass !== '') visit.patientClass = patientClass;
  // PV1-3 as sent: components joined with ^ (subcomponents with &), trailing empty ones dropped.
  const location = (readField(pv1, 3)[0] ?? []).map((subs) => subs.join('&').replace(/&+$/, ''));
  while (location.length > 0 && location[location.length - 1] === '') location.pop();
  if (location.length > 0) visit.location = location.join('^');
  const visitNumber = value(pv1, 19);
  if (visitNumber !== '') visit.visitNumber = visitNumber;
  const times: Array<[number, 'admittedAt' | 'dischargedAt']> = [
    [44, 'admittedAt'],
    [45, 'dischargedAt'],
  ];
  for (const [n, key] of times) {
    const raw = value(pv1, n);
    if (raw === '') continue;
    const iso = directoryTime(raw);
    if (iso) visit[key] = iso;
    else warnings.push(`PV1-${n} is not an HL7 date/time; left out`);
  }
  return visit;
}

function merge(ctx: Ctx): InboundEvent {
  const merges: MergePair[] = [];
  let current: { survivor: PatientRef; hasMrg: boolean } | undefined;
  const close = (): void => {
    if (current && !current.hasMrg) reject('AE', '100', 'ADT^A40: a PID segment is not followed by its MRG segment');
  };
  for (const seg of ctx.segments) {
    if (seg.name === 'PID') {
      close();
      current = { survivor: readPatient(seg, 'PID', ctx.warnings), hasMrg: false };
    } else if (seg.name === 'MRG') {
      if (!current) return reject('AE', '100', 'ADT^A40: MRG segment before any PID segment');
      if (current.hasMrg) return reject('AE', '100', 'ADT^A40: two MRG segments for one PID segment');
      current.hasMrg = true;
      const field = readField(seg, 1);
      const withId = field.map((_, r) => r).filter((r) => part(field, 1, 1, r) !== '');
      const mr = withId.filter((r) => part(field, 5, 1, r).toUpperCase() === 'MR');
      const chosen = (mr.length > 0 ? mr : withId.slice(0, 1)).map((r) => identifierAt(field, r));
      if (chosen.length === 0) return reject('AE', '101', 'MRG-1 (prior patient identifier list) has no identifier');
      const survivor = current.survivor;
      const prior = chosen.filter((p) => p.mrn !== survivor.mrn);
      if (prior.length === 0) return reject('AE', '101', 'MRG-1 names no patient other than the surviving one in PID-3');
      merges.push({ survivor, prior });
    }
  }
  close();
  if (merges.length === 0) return reject('AE', '100', 'ADT^A40 has no PID segment');
  return { kind: 'merge', merges };
}

function code(field: Field): LocalCode | undefined {
  const c = part(field, 1);
  if (c === '') return undefined;
  const out: LocalCode = { system: part(field, 3) || 'L', code: c };
  const display = part(field, 2);
  if (display !== '') out.display = display;
  return out;
}

interface OrderGroup {
  orc: HL7Node;
  obrs: HL7Node[];
  spms: HL7Node[];
  tq1s: HL7Node[];
}

function order(ctx: Ctx): OrderEvent {
  let pid: HL7Node | undefined;
  let pv1: HL7Node | undefined;
  const groups: OrderGroup[] = [];
  for (const seg of ctx.segments) {
    const name = seg.name;
    if (name === 'PID') pid ??= seg;
    else if (name === 'PV1') pv1 ??= seg;
    else if (name === 'ORC') groups.push({ orc: seg, obrs: [], spms: [], tq1s: [] });
    else if (name === 'OBR' || name === 'SPM') {
      const group = groups[groups.length - 1];
      if (!group) return reject('AE', '100', `${ctx.messageType}: ${name} segment before any ORC segment`);
      (name === 'OBR' ? group.obrs : group.spms).push(seg);
    } else if (name === 'TQ1') groups[groups.length - 1]?.tq1s.push(seg);
  }
  if (!pid) return reject('AE', '100', `${ctx.messageType} has no PID segment: the order names no patient`);
  if (groups.length === 0) return reject('AE', '100', `${ctx.messageType} has no ORC segment`);
  const patient = readPatient(pid, 'PID', ctx.warnings);
  const event: OrderEvent = { kind: 'order', patient, orders: groups.map((g, i) => readOrder(g, i + 1, ctx.warnings)) };
  const visitNumber = pv1 ? value(pv1, 19) : '';
  if (visitNumber !== '') event.visitNumber = visitNumber;
  return event;
}

/**
 * TQ1-9 (CWE), else the priority component of the TQ in OBR-27 or ORC-7 (TQ.6); HL7 table 0485:
 * S (stat) and A (as soon as possible) go first at the analyzer, anything else is routine.
 */
function orderPriority(group: OrderGroup): 'routine' | 'stat' | undefined {
  const code =
    group.tq1s.map((tq1) => value(tq1, 9)).find((v) => v !== '') || group.obrs.map((obr) => value(obr, 27, 6)).find((v) => v !== '') || value(group.orc, 7, 6);
  if (code === '') return undefined;
  return ['S', 'A'].includes(code.toUpperCase()) ? 'stat' : 'routine';
}

function readOrder(group: OrderGroup, n: number, warnings: string[]): ParsedOrder {
  const control = value(group.orc, 1).toUpperCase();
  if (control === '') return reject('AE', '101', `order ${n}: ORC-1 (order control) is empty`);
  const action = OPENING_CONTROLS.has(control) ? 'open' : CANCELLING_CONTROLS.has(control) ? 'cancel' : undefined;
  if (!action)
    return reject(
      'AE',
      '103',
      `order ${n}: ORC-1 order control ${control.slice(0, 4)} is not one we act on (${[...OPENING_CONTROLS, ...CANCELLING_CONTROLS].join(', ')})`,
    );

  // ORC-2/3 and OBR-2/3 carry the same numbers; ORC wins, OBR fills in.
  const number = (n: number): string => value(group.orc, n) || group.obrs.map((obr) => value(obr, n)).find((v) => v !== '') || '';
  const placer = number(2);
  const filler = number(3);
  if (placer === '' && filler === '') {
    return reject('AE', '101', `order ${n} has neither a placer (ORC-2/OBR-2) nor a filler (ORC-3/OBR-3) order number`);
  }

  const tests: LocalCode[] = [];
  for (const obr of group.obrs) {
    const test = code(readField(obr, 4));
    if (test && !tests.some((t) => t.system === test.system && t.code === test.code)) tests.push(test);
  }

  // SPM-2 is an EIP: the placer-assigned specimen ID, else the filler-assigned one.
  let specimenIds = group.spms.map((spm) => value(spm, 2, 1) || value(spm, 2, 2)).filter((v) => v !== '');
  // No SPM (ORM, v2.3): OBR-20 (filler field 1) carries the specimen ID where the site agreed so.
  if (specimenIds.length === 0) specimenIds = group.obrs.map((obr) => value(obr, 20)).filter((v) => v !== '');

  const out: ParsedOrder = { control, action, tests, specimenIds: [...new Set(specimenIds)] };
  if (placer !== '') out.placer = placer;
  if (filler !== '') out.filler = filler;
  // SPM-4 (CWE, HL7 table 0487); without SPM, OBR-15 (SPS, v2.5: its first component is the source code).
  const specimenType = group.spms.map((spm) => value(spm, 4)).find((v) => v !== '') || group.obrs.map((obr) => value(obr, 15)).find((v) => v !== '') || '';
  if (specimenType !== '') out.specimenType = specimenType;
  const priority = orderPriority(group);
  if (priority !== undefined) out.priority = priority;
  const orderedText = value(group.orc, 9) || group.obrs.map((obr) => value(obr, 6)).find((v) => v !== '') || '';
  if (orderedText !== '') {
    const at = directoryTime(orderedText);
    if (at) out.orderedAt = at;
    else warnings.push(`order ${n}: ORC-9/OBR-6 is not an HL7 date/time; left out`);
  }
  return out;
}
