// Pure decoder: the records of one E1394 / LIS2-A2 message (H ... L) to device reports, one per
// O record with its R and C records (docs/protocols.md#astm-e1394-records-lis2-a2). Never throws; what it cannot use it names.

import { createHash } from 'node:crypto';
import type { ControlMark } from '../../src/model/control-mark.ts';
import type { DeviceReport, Measurement } from '../../src/model/driver.ts';
import type { AbnormalFlag, PatientRef, ResultStatus } from '../../src/model/reading.ts';
import { hostQueryOf, type HostQuery } from './query.ts';
import { AstmRecord, DEFAULT_DELIMITERS, delimitersOf, recordType, unescapeText, type Delimiters } from './records.ts';
import { astmDate, astmDateTime } from './timestamp.ts';

/** Coding system of analyzer test codes (HL7 table 0396 "L": local). */
export const LOCAL_SYSTEM = 'L';

export interface DecodeProblem {
  /** Safe for the log at warn: never the text that arrived (that goes in `detail`). */
  reason: string;
  detail?: string;
  /** Never patient data: a record type and sequence, a code, a timestamp. */
  bytes: string;
}

export interface DecodeNote {
  level: 'info' | 'debug';
  msg: string;
}

export interface DecodeResult {
  reports: DeviceReport[];
  /** Host queries (Q records): answered by the session after the analyzer's EOT. */
  queries: HostQuery[];
  problems: DecodeProblem[];
  notes: DecodeNote[];
}

const FLAGS: Record<string, AbnormalFlag> = { L: 'L', H: 'H', LL: 'LL', HH: 'HH', N: 'N', A: 'A', '<': '<', '>': '>' };
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

interface PatientGroup {
  records: string[];
  subject?: PatientRef;
  comments: string[];
  /** The P record names no patient: said once, when a patient's report comes of it (a control's P is empty by design). */
  unnamed?: { seq: string; noted: boolean };
}

interface OrderGroup {
  records: string[];
  patient: PatientGroup | undefined;
  specimenId?: string;
  collectedAt?: string;
  placer?: string;
  filler?: string;
  code?: { system: string; code: string; display?: string };
  /** Every test O.5 lists, when it lists more than one. */
  tests?: Array<{ system: string; code: string; display?: string }>;
  /** O.16 specimen descriptor, first component (the specimen type as the analyzer words it). */
  specimenType?: string;
  /** O.12 action code `Q`: the analyzer says the specimen is control material. */
  control?: ControlMark;
  comments: string[];
  measurements: Measurement[];
  instrument?: string;
}

type CommentTarget =
  | { kind: 'message' }
  | { kind: 'patient'; group: PatientGroup }
  | { kind: 'order'; group: OrderGroup }
  | { kind: 'result'; m: Measurement }
  | { kind: 'none' };

/** `queryComponent`: the Q.3 component that holds the specimen id (setting `querySpecimenComponent`). */
export function decodeMessage(texts: string[], queryComponent = 2): DecodeResult {
  const out: DecodeResult = { reports: [], queries: [], problems: [], notes: [] };
  let delimiters: Delimiters = DEFAULT_DELIMITERS;
  let header: AstmRecord | undefined;
  let equipment: string | undefined;
  const messageComments: string[] = [];
  let patient: PatientGroup | undefined;
  let order: OrderGroup | undefined;
  let target: CommentTarget = { kind: 'none' };

  const finishOrder = (): void => {
    if (order) out.reports.push(...buildReport(order, header, equipment, messageComments, out));
    order = undefined;
  };

  texts.forEach((text, index) => {
    const type = recordType(text);
    if (type === 'H') {
      finishOrder();
      patient = undefined;
      const declared = delimitersOf(text.trimStart());
      if (declared === undefined) {
        out.problems.push({ reason: 'H record does not declare its delimiters (expected like "H|\\^&"): defaults assumed', bytes: text.slice(0, 6) });
      }
      delimiters = declared ?? DEFAULT_DELIMITERS;
      header = new AstmRecord(text.trimStart(), delimiters);
      equipment = equipmentOf(header);
      target = { kind: 'message' };
      return;
    }
    if (index === 0) {
      const detail = `message starts with a ${type || 'blank'} record instead of H: default delimiters assumed`;
      out.problems.push({ reason: 'message does not start with an H record: default delimiters assumed', detail, bytes: type });
    }
    const rec = new AstmRecord(text.trimStart(), delimiters);
    switch (type) {
      case 'P':
        finishOrder();
        patient = { records: [text], comments: [] };
        decodePatient(rec, patient, out);
        target = { kind: 'patient', group: patient };
        return;
      case 'O':
        finishOrder();
        order = decodeOrder(rec, patient, out);
        order.records.push(text);
        target = { kind: 'order', group: order };
        return;
      case 'R': {
        if (!order) {
          out.notes.push({ level: 'info', msg: `R record ${rec.seq} before any O record: reported without an order` });
          order = { records: [], patient, comments: [], measurements: [] };
        }
        order.records.push(text);
        const m = decodeResult(rec, order, out);
        target = m ? { kind: 'result', m } : { kind: 'none' };
        return;
      }
      case 'C': {
        const comment = commentText(rec);
        if (comment === '') return;
        if (target.kind === 'result') (target.m.comments ??= []).push(comment);
        else if (target.kind === 'order') target.group.comments.push(comment);
        else if (target.kind === 'patient') target.group.comments.push(comment);
        else if (target.kind === 'message') messageComments.push(comment);
        else out.notes.push({ level: 'debug', msg: `C record ${rec.seq} follows nothing it can annotate: ignored` });
        if (target.kind === 'result' || target.kind === 'order') order?.records.push(text);
        else if (target.kind === 'patient') target.group.records.push(text);
        return;
      }
      case 'Q': {
        const query = hostQueryOf(rec, queryComponent);
        if (query.specimenIds.length === 0 && !query.cancel) {
          out.problems.push({ reason: `Q record ${rec.seq}: no specimen id in Q.3: not answered`, bytes: `Q|${rec.seq}` });
          return;
        }
        out.notes.push({
          level: 'debug',
          msg: `Q record ${rec.seq}: ${query.cancel ? 'the analyzer cancels its last query' : `host query for ${query.specimenIds.length} specimen(s)`}`,
        });
        out.queries.push(query);
        return;
      }
      case 'M':
      case 'S':
        out.notes.push({ level: 'debug', msg: `${type} record ${rec.seq} ignored` });
        return;
      case 'L': {
        finishOrder();
        const code = rec.field(3).trim().toUpperCase();
        // E1394 termination codes are one letter; other text is the sender's and stays out of the log.
        if (code !== '' && code !== 'N')
          out.notes.push({ level: 'info', msg: `L record termination code ${/^[A-Z]$/.test(code) ? `"${code}"` : `of ${code.length} chars`} (not N, normal)` });
        target = { kind: 'none' };
        return;
      }
      default:
        out.problems.push({ reason: 'unknown record type ignored', detail: `unknown record type "${type}" ignored`, bytes: type });
    }
  });
  finishOrder();
  return out;
}

/** H.5 `name^version^serial` -> `UA-200 SN0042`. */
function equipmentOf(h: AstmRecord): string | undefined {
  const [name = '', , serial = ''] = h.components(5).map((c) => c.trim());
  const text = [name, serial].filter((s) => s !== '').join(' ');
  return text === '' ? undefined : text;
}

function decodePatient(p: AstmRecord, group: PatientGroup, out: DecodeResult): void {
  // Practice-assigned id first (the id the clinic knows), then lab-assigned, then the third id.
  const mrn = [3, 4, 5].map((n) => p.component(n, 1)).find((id) => id !== '');
  if (mrn === undefined) {
    group.unnamed = { seq: p.seq, noted: false };
    return;
  }
  const subject: PatientRef = { mrn };
  const family = p.component(6, 1);
  const given = p.component(6, 2);
  if (family !== '') subject.family = family;
  if (given !== '') subject.given = given;
  const dobText = p.field(8).trim();
  if (dobText !== '') {
    const dob = astmDate(dobText);
    if (dob === undefined) out.problems.push({ reason: `P record ${p.seq}: birth date is not YYYYMMDD: ignored`, bytes: `P|${p.seq}` });
    else subject.dob = dob;
  }
  const sex = p.field(9).trim().toUpperCase();
  if (sex === 'M' || sex === 'F' || sex === 'U' || sex === 'O') subject.sex = sex;
  else if (sex !== '') out.notes.push({ level: 'debug', msg: `P record ${p.seq}: sex code "${sex}" not M/F/U: ignored` });
  group.subject = subject;
}

function decodeOrder(o: AstmRecord, patient: PatientGroup | undefined, out: DecodeResult): OrderGroup {
  const group: OrderGroup = { records: [], patient, comments: [], measurements: [] };
  // O.3 is the specimen id the LIS assigned (the placer's), O.4 the instrument's own.
  const specimen = o.component(3, 1);
  const instrumentSpecimen = o.component(4, 1);
  if (specimen !== '') group.placer = specimen;
  if (instrumentSpecimen !== '') group.filler = instrumentSpecimen;
  const specimenId = specimen || instrumentSpecimen;
  if (specimenId !== '') group.specimenId = specimenId;
  const collected = o.field(8).trim();
  if (collected !== '') {
    const at = astmDateTime(collected);
    if (at === undefined) {
      const detail = `O record ${o.seq}: collection time "${collected}" is not YYYYMMDDHHMM[SS]: ignored`;
      out.problems.push({ reason: `O record ${o.seq}: collection time is not YYYYMMDDHHMM[SS]: ignored`, detail, bytes: collected });
    } else group.collectedAt = at;
  }
  // O.5 repeats: one O record may order a whole urinalysis strip (`^^^GLU\^^^PRO\...`).
  const tests = o
    .repeats(5)
    .map((_, i) => testId(o.components(5, i)))
    .filter((t): t is NonNullable<typeof t> => t !== undefined);
  if (tests[0]) group.code = tests[0];
  if (tests.length > 1) group.tests = tests;
  // O.16 specimen descriptor: specimen type ^ specimen source (E1394 8.4.16); the type decides
  // which code mapping applies (serum glucose vs urine dipstick glucose).
  const type = o.component(16, 1);
  if (type !== '') group.specimenType = type;
  // O.12 action code `Q`: "treat specimen as a Q/C test specimen" (E1394 / LIS2-A2 order record).
  // The standard names no field for the control's lot or level, so none is guessed: the core takes
  // the specimen ID as the lot. O.26 `Q` is something else ("response to query"): not read here.
  if (o.field(12).trim().toUpperCase() === 'Q') group.control = { role: 'control', marker: 'ASTM O-12 Q' };
  return group;
}

/** Universal test id `id^name^type^local code[^...]`: the local code (4th), else the first. */
function testId(components: string[]): { system: string; code: string; display?: string } | undefined {
  const c = components.map((x) => x.trim());
  const code = c[3] || c[0] || '';
  if (code === '') return undefined;
  const display = c[1] ?? '';
  return display === '' ? { system: LOCAL_SYSTEM, code } : { system: LOCAL_SYSTEM, code, display };
}

function decodeResult(r: AstmRecord, order: OrderGroup, out: DecodeResult): Measurement | undefined {
  const test = testId(r.components(3));
  if (!test) {
    out.problems.push({ reason: `R record ${r.seq}: no test code in R.3: result skipped`, bytes: `R|${r.seq}` });
    return undefined;
  }
  const where = `R record ${r.seq} (${test.code})`;
  const statusCode = r.field(9).trim().toUpperCase();
  const valueText = r.field(4);
  const trimmed = valueText.trim();
  if (statusCode === 'X' || statusCode === 'I') {
    out.notes.push({ level: 'info', msg: `${where}: status ${statusCode} (${statusCode === 'X' ? 'cannot be done' : 'pending'}): no result` });
    if (statusCode === 'X') order.comments.push(`${test.code}: test could not be done`);
    return undefined;
  }
  if (trimmed === '') {
    out.problems.push({ reason: `${where}: empty value: result skipped`, bytes: `R|${r.seq}|${test.code}` });
    return undefined;
  }
  const m: Measurement = {
    code: { local: test },
    value: NUMBER.test(trimmed) ? Number(trimmed) : trimmed,
    valueText,
    status: resultStatus(statusCode, where, out),
  };
  const unit = r.field(5).trim();
  if (unit !== '') m.unit = unit;
  const range = r.repeats(6)[0] ?? '';
  const rangeText = unescapeText(range, r.delimiters).trim();
  if (rangeText !== '') m.referenceRange = rangeText;
  const flags: AbnormalFlag[] = [];
  for (const rep of r.repeats(7)) {
    const f = rep.trim().toUpperCase();
    if (f === '') continue;
    const flag = FLAGS[f];
    if (flag === undefined) out.notes.push({ level: 'debug', msg: `${where}: abnormal flag "${f}" not mapped: ignored` });
    else if (!flags.includes(flag)) flags.push(flag);
  }
  if (flags.length > 0) m.flags = flags;
  const completed = r.field(13).trim();
  const started = r.field(12).trim();
  const at = astmDateTime(completed) ?? astmDateTime(started);
  if (at !== undefined) m.observedAt = at;
  else if (completed !== '' || started !== '')
    out.problems.push({ reason: `${where}: test time is not YYYYMMDDHHMM[SS]: ignored`, bytes: completed || started });
  const instrument = r.field(14).trim();
  if (instrument !== '') {
    m.instrument = instrument;
    order.instrument ??= instrument;
  }
  order.measurements.push(m);
  return m;
}

/**
 * R.9: F (final) and V (verified) are final, C a correction; everything else (P preliminary,
 * S partial, R previously sent, M MIC, empty, unknown) is reported preliminary: a result the
 * analyzer did not call final is never forwarded as final.
 */
function resultStatus(code: string, where: string, out: DecodeResult): ResultStatus {
  if (code === 'F' || code === 'V') return 'F';
  if (code === 'C') return 'C';
  if (code !== 'P') out.notes.push({ level: 'debug', msg: `${where}: result status "${code}" reported as preliminary` });
  return 'P';
}

function commentText(c: AstmRecord): string {
  return c
    .repeats(4)
    .map((_, i) =>
      c
        .components(4, i)
        .map((x) => x.trim())
        .filter((x) => x !== '')
        .join(' '),
    )
    .filter((x) => x !== '')
    .join('; ');
}

function buildReport(
  order: OrderGroup,
  header: AstmRecord | undefined,
  equipment: string | undefined,
  messageComments: string[],
  out: DecodeResult,
): DeviceReport[] {
  if (order.measurements.length === 0) {
    out.notes.push({ level: 'debug', msg: 'order without results: nothing reported' });
    return [];
  }
  const raw = [header?.text, ...(order.patient?.records ?? []), ...order.records].filter((t): t is string => t !== undefined).join('\r');
  const report: DeviceReport = { measurements: order.measurements, raw };
  const subject = order.patient?.subject;
  if (subject) report.subject = { ...subject };
  if (order.control) report.control = { ...order.control };
  const unnamed = order.patient?.unnamed;
  if (unnamed && !unnamed.noted && !order.control) {
    unnamed.noted = true;
    out.notes.push({ level: 'info', msg: `P record ${unnamed.seq} carries no patient id: results go out without a reported patient` });
  }
  if (order.specimenId !== undefined || order.specimenType !== undefined) {
    const specimen: NonNullable<DeviceReport['specimen']> = { id: order.specimenId ?? '' };
    if (order.collectedAt !== undefined) specimen.collectedAt = order.collectedAt;
    if (order.specimenType !== undefined) specimen.type = order.specimenType;
    report.specimen = specimen;
  }
  if (order.placer !== undefined || order.filler !== undefined || order.code !== undefined) {
    const o: NonNullable<DeviceReport['order']> = {};
    if (order.placer !== undefined) o.placer = order.placer;
    if (order.filler !== undefined) o.filler = order.filler;
    if (order.code !== undefined) o.code = order.code;
    if (order.tests !== undefined) o.tests = order.tests;
    report.order = o;
  }
  const eq = equipment ?? order.instrument;
  if (eq !== undefined) report.equipment = eq;
  const comments = [...messageComments, ...(order.patient?.comments ?? []), ...order.comments];
  if (comments.length > 0) report.comments = comments;
  const times = order.measurements
    .map((m) => m.observedAt)
    .filter((t): t is string => t !== undefined)
    .sort();
  const latest = times[times.length - 1] ?? (header ? astmDateTime(header.field(14)) : undefined);
  if (latest !== undefined) report.observedAt = latest;
  const key = resendKeyOf(header, order, times.length > 0);
  if (key !== undefined) report.resendKey = key;
  return [report];
}

/**
 * The duplicate key of one order's report, when a resent transmission can be told from a new run:
 * the header names the message (H.3, message control ID, E1394 7.1.3), or the order names its
 * specimen (O.3 / O.4) and its results their times (R.12 / R.13), which a rerun changes. Without
 * either, two identical reports may be two runs: no key, nothing is ever dropped. The key is the
 * sender (H.5), H.3 and a digest of the report's own P, O, R and C records (specimen, tests, values,
 * flags, times); H.14 (the message time) is left out, since an analyzer may stamp a resend anew.
 */
function resendKeyOf(header: AstmRecord | undefined, order: OrderGroup, timed: boolean): string | undefined {
  const controlId = header?.field(3).trim() ?? '';
  if (controlId === '' && !(order.specimenId !== undefined && timed)) return undefined;
  const records = [...(order.patient?.records ?? []), ...order.records].join('\r');
  const digest = createHash('sha256').update(records).digest('base64');
  return JSON.stringify([header?.field(5).trim() ?? '', controlId, digest]);
}
