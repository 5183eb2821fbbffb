// Pure decoder: one HL7 v2 result message (ORU^R01, or OUL^R22 as IHE LAW analyzers send it) ->
// one DeviceReport per OBR, or the reason to refuse it (the ACK code and HL7 table 0357 error code
// to answer with). See README.md.
//
// Grammar accepted (v2.3 to 2.5.1, and later 2.x, which keep these fields):
//   ORU^R01: MSH [NTE] { [PID [NTE] ...] { [ORC] OBR [NTE] { OBX [NTE] } [SPM [OBX [NTE]]] } }
//   OUL^R22 (HL7 v2.5.1 ch. 7, specimen first): MSH [NTE] [PID [NTE] ...]
//            { SPM [{OBX}] [{SAC [INV]}] { OBR [ORC] [NTE] [TQ1] { OBX [TCD] [NTE] } } }
// Segments not used here (SFT, PD1, NK1, PV1, PV2, TQ1, TCD, SID, CTD, CTI, FT1, DSC, Z..) are skipped.

import type { ControlMark } from '../../src/model/control-mark.ts';
import type { DeviceReport, Measurement } from '../../src/model/driver.ts';
import type { AbnormalFlag, ObservationCode, PatientRef, ResultStatus } from '../../src/model/reading.ts';
import { Hl7Reader, nonNull, splitHl7, type Segment } from './hl7-text.ts';
import { dtmToDate, dtmToIso } from '../../src/hl7/datetime.ts';
import { controlMarkOf, specimenRoleOf } from './control-specimen.ts';
import { notAResult } from './law-obx.ts';

export interface Rejection {
  code: 'AE' | 'AR';
  /** HL7 table 0357: 100 segment sequence, 101 required field missing, 200-203 unsupported type/event/processing id/version. */
  errorCode: string;
  /** Names what is wrong and where; never carries patient data. */
  reason: string;
  /** The same with the message's text quoted (MSH-9, MSH-11, MSH-12): the ACK and the review journal. */
  detail?: string;
}

export interface DecodedOru {
  /** MSH-10, echoed in MSA-2. */
  controlId: string;
  /** MSH-3 and MSH-4 as sent: whose control ID it is (two analyzers on one port may count alike). */
  sender: { application: string; facility: string };
  reports: DeviceReport[];
  /** Oddities worth a debug line (no patient data). */
  notes: string[];
}

export type OruResult = { ok: true; value: DecodedOru } | { ok: false; rejection: Rejection };

const NUMERIC = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const FLAGS = new Set<string>(['L', 'H', 'LL', 'HH', 'N', 'A', '<', '>']);
const TEXT_TYPES = new Set(['ST', 'TX', 'FT']);
const CODED_TYPES = new Set(['CE', 'CWE', 'CNE', 'CF']);
const PRELIMINARY = new Set(['P', 'R', 'S', 'I']);
const SEXES = new Set(['M', 'F', 'O', 'U']);

const ACCEPTED = 'only ORU^R01 and OUL^R22 are accepted';

const reject = (code: Rejection['code'], errorCode: string, reason: string, detail?: string): OruResult => ({
  ok: false,
  rejection: detail === undefined ? { code, errorCode, reason } : { code, errorCode, reason, detail },
});

interface Order {
  obr: Segment;
  orc: Segment | undefined;
  spm: Segment | undefined;
  /** OUL^R22: the specimen's container (SAC-3 holds the sample ID when SPM-2 is empty) and its INVs (the material). */
  sac?: Segment;
  invs?: Segment[];
  subject: PatientRef | undefined;
  /** Which PATIENT_RESULT (ORU) or patient (OUL) it belongs to: counts the PIDs before it. */
  group: number;
  /** The order's last OBX, reported or not (IHE LAW's companion OBX repeats its code). */
  lastObx?: Segment;
  /** Shared with the patient: NTEs after PID may follow the first OBR in sloppy senders. */
  patientComments: string[];
  comments: string[];
  measurements: Measurement[];
  equipment: string | undefined;
  firstObxTime: string | undefined;
}

export function decodeOru(text: string): OruResult {
  const split = splitHl7(text);
  if (!split.ok) return reject(split.inHeader ? 'AR' : 'AE', '100', split.reason, split.detail);
  const { segments, delimiters } = split.value;
  const r = new Hl7Reader(delimiters);
  const msh = segments[0];

  const type = r.get(msh, 9, 1).toUpperCase();
  const trigger = r.get(msh, 9, 2).toUpperCase();
  if (type === '') return reject('AR', '101', 'MSH-9 (message type) is empty');
  if (type !== 'ORU' && type !== 'OUL')
    return reject(
      'AR',
      '200',
      `unsupported message type in MSH-9 (${ACCEPTED})`,
      `unsupported message type ${type}${trigger ? `^${trigger}` : ''} (${ACCEPTED})`,
    );
  // IHE LAW (LAB-29) results, QC runs among them, come as OUL^R22; R21, R23 and R24 are other structures.
  const expected = type === 'ORU' ? 'R01' : 'R22';
  if (trigger !== expected && !(type === 'ORU' && trigger === ''))
    return reject('AR', '201', `unsupported event in MSH-9 (${ACCEPTED})`, `unsupported event ${type}^${trigger} (${ACCEPTED})`);
  const specimenFirst = type === 'OUL';
  const processing = r.get(msh, 11, 1).toUpperCase();
  if (processing !== '' && processing !== 'P') {
    return reject(
      'AR',
      '202',
      'processing ID (MSH-11) is not production (P): training/debug results are not forwarded to charts',
      `processing ID "${processing}" (MSH-11) is not production (P): training/debug results are not forwarded to charts`,
    );
  }
  const version = r.get(msh, 12, 1);
  const v = /^2\.(\d+)/.exec(version);
  if (version !== '' && (!v || Number(v[1]) < 3))
    return reject(
      'AR',
      '203',
      'unsupported HL7 version (MSH-12; 2.3 and later are accepted)',
      `unsupported HL7 version "${version.slice(0, 10)}" (MSH-12; 2.3 and later are accepted)`,
    );
  const controlId = r.get(msh, 10);
  if (controlId === '') return reject('AE', '101', 'MSH-10 (message control ID) is empty');

  const notes: string[] = [];
  if (version === '') notes.push('MSH-12 (version) is empty; read as 2.5');
  const messageComments: string[] = [];
  const orders: Order[] = [];
  let subject: PatientRef | undefined;
  let patientComments: string[] = [];
  let order: Order | undefined;
  let orc: Segment | undefined;
  /** OUL^R22: the SPM that the next OBRs belong to, its SAC and INV (an INV after an OBR is a reagent's). */
  let specimen: { spm: Segment; sac?: Segment; invs: Segment[] } | undefined;
  /** ORU^R01: an SPM before any OBR of its PATIENT_RESULT (non-conformant senders), for the next OBR. */
  let looseSpm: Segment | undefined;
  let nteTarget: string[] | undefined = messageComments;
  let obxCount = 0;
  let group = 0;

  for (const [i, seg] of segments.entries()) {
    const where = `segment ${i + 1} (${seg.name})`;
    switch (seg.name) {
      case 'PID':
        patientComments = [];
        subject = subjectOf(r, seg, notes, where);
        order = undefined;
        orc = undefined;
        specimen = undefined;
        looseSpm = undefined;
        group++;
        nteTarget = patientComments;
        break;
      case 'ORC':
        // OUL^R22 puts the ORC after its OBR; ORU^R01 before the OBR it belongs to.
        if (specimenFirst && order) order.orc ??= seg;
        else {
          orc = seg;
          nteTarget = undefined;
        }
        break;
      case 'OBR':
        order = {
          obr: seg,
          orc,
          spm: specimen?.spm ?? looseSpm,
          subject,
          group,
          patientComments,
          comments: [],
          measurements: [],
          equipment: undefined,
          firstObxTime: undefined,
        };
        if (specimen?.sac) order.sac = specimen.sac;
        if (specimen && specimen.invs.length > 0) order.invs = specimen.invs;
        orders.push(order);
        orc = undefined;
        looseSpm = undefined;
        nteTarget = order.comments;
        break;
      case 'OBX': {
        if (specimenFirst && specimen && !order) {
          // OUL^R22 `SPM [{OBX}]`: observations about the specimen itself, not results.
          notes.push(`${where}: OBX about the specimen (before its OBR) not reported`);
          nteTarget = undefined;
          break;
        }
        obxCount++;
        if (!order) return reject('AE', '100', `OBX ${obxCount} (${where}) comes before any OBR`);
        const previous = order.lastObx;
        order.lastObx = seg;
        const skipped = notAResult(r, seg, previous, obxCount);
        if (skipped !== undefined) {
          notes.push(skipped);
          nteTarget = undefined;
          break;
        }
        const m = measurementOf(r, seg, obxCount, notes);
        if (!m.ok) return reject('AE', m.errorCode, m.reason);
        order.measurements.push(m.value);
        order.equipment ??= r.get(seg, 18, 1) || undefined;
        const t = dtmToIso(obxTime(r, seg));
        if (t.kind === 'time') order.firstObxTime ??= t.iso;
        nteTarget = m.value.comments ?? [];
        break;
      }
      case 'NTE': {
        const comment = r
          .repetitions(seg, 3)
          .map((rep) => r.text(rep))
          .filter((c) => c !== '')
          .join('\n');
        if (comment === '') break;
        if (nteTarget) nteTarget.push(comment);
        else notes.push(`${where}: NTE after ORC, SPM or a specimen OBX ignored`);
        break;
      }
      case 'SPM':
        if (specimenFirst) {
          specimen = { spm: seg, invs: [] };
          order = undefined;
          orc = undefined;
          nteTarget = undefined;
        } else if (!order) {
          notes.push(`${where}: SPM before its OBR read as the next OBR's specimen`);
          looseSpm = seg;
          nteTarget = undefined;
        } else {
          order.spm ??= seg;
          nteTarget = order.comments;
        }
        break;
      case 'SAC':
        if (specimenFirst && specimen && !order) specimen.sac ??= seg;
        break;
      case 'INV':
        // Only the INV of the specimen's own container (before its first OBR) names the specimen's
        // material; the INVs within an order (after TCD) are the reagents that ran the test.
        if (specimenFirst && specimen && !order) specimen.invs.push(seg);
        break;
      default:
        break;
    }
  }

  if (orders.length === 0) return reject('AE', '100', 'message has no OBR segment (no order to report)');
  if (obxCount === 0) return reject('AE', '100', 'message has no OBX segment (no results)');

  const reports: DeviceReport[] = [];
  for (const [k, o] of orders.entries()) {
    if (o.measurements.length === 0) {
      notes.push(`OBR ${k + 1} carries no OBX: no report for it`);
      continue;
    }
    const shared = specimenFirst ? undefined : sharedMark(r, orders, o.group);
    reports.push(reportOf(r, msh, o, text, messageComments, notes, k + 1, shared));
  }
  for (const rep of reports) for (const m of rep.measurements) if (m.comments?.length === 0) delete m.comments;
  return { ok: true, value: { controlId, sender: { application: r.get(msh, 3), facility: r.get(msh, 4) }, reports, notes } };
}

/**
 * ORU^R01: the first control mark of an SPM in one PATIENT_RESULT, for its orders that name no
 * specimen role (one SPM after the last of several OBRs marks them all). OUL^R22 needs none: every
 * OBR follows its own specimen's SPM.
 */
function sharedMark(r: Hl7Reader, orders: readonly Order[], group: number): ControlMark | undefined {
  for (const o of orders) {
    if (o.group !== group) continue;
    const mark = specimenRoleOf(r, o.spm).mark;
    if (mark !== undefined) return mark;
  }
  return undefined;
}

function subjectOf(r: Hl7Reader, pid: Segment, notes: string[], where: string): PatientRef | undefined {
  const ids = r.repetitions(pid, 3).map((rep) => ({
    id: r.text(r.part(rep, 1)),
    authority: r.text(r.part(rep, 4, 1)) || r.text(r.part(rep, 4, 2)),
    type: r.text(r.part(rep, 5)).toUpperCase(),
  }));
  // An MR-typed identifier is the chart number; otherwise the first one given.
  let chosen = ids.find((x) => x.id !== '' && x.type === 'MR') ?? ids.find((x) => x.id !== '');
  if (!chosen) {
    // v2.3 analyzers sometimes put the only identifier in PID-2 (external ID).
    const external = r.get(pid, 2, 1);
    if (external !== '') chosen = { id: external, authority: r.get(pid, 2, 4, 1), type: '' };
  }
  if (!chosen) {
    notes.push(`${where}: PID without a patient identifier (PID-3/PID-2): results go out for assignment`);
    return undefined;
  }
  const subject: PatientRef = { mrn: chosen.id };
  if (chosen.authority !== '') subject.assigningAuthority = chosen.authority;
  const family = r.get(pid, 5, 1, 1);
  const given = r.get(pid, 5, 2);
  if (family !== '') subject.family = family;
  if (given !== '') subject.given = given;
  const dob = dtmToDate(r.get(pid, 7, 1));
  if (dob !== undefined) subject.dob = dob;
  const sex = r.get(pid, 8, 1).toUpperCase();
  if (SEXES.has(sex)) subject.sex = sex as PatientRef['sex'];
  return subject;
}

type MeasurementResult = { ok: true; value: Measurement } | { ok: false; errorCode: string; reason: string };

function measurementOf(r: Hl7Reader, obx: Segment, n: number, notes: string[]): MeasurementResult {
  const code = observationCode(r, r.repetitions(obx, 3)[0] ?? '');
  if (!code) return { ok: false, errorCode: '101', reason: `OBX ${n}: OBX-3 (observation identifier) is empty` };
  const type = r.get(obx, 2, 1).toUpperCase();
  const valueField = obx.fields[5] ?? '';
  const m: Measurement = { code, value: observedValue(r, type, r.repetitions(obx, 5), n, notes) };
  if (valueField !== '') m.valueText = valueField;
  const unit = r.get(obx, 6, 1);
  if (unit !== '') m.unit = unit;
  const range = r.get(obx, 7);
  if (range !== '') m.referenceRange = range;
  const flags = flagsOf(r, obx, n, notes);
  if (flags.length > 0) m.flags = flags;
  m.status = statusOf(r.get(obx, 11, 1).toUpperCase(), n, notes);
  const at = dtmToIso(obxTime(r, obx));
  if (at.kind === 'time') m.observedAt = at.iso;
  else if (at.kind === 'invalid') m.observedAt = at.text; // the normalizer names it and holds the reading
  const method = r.get(obx, 17, 2) || r.get(obx, 17, 1);
  if (method !== '') m.method = method;
  const instrument = r.get(obx, 18, 1);
  if (instrument !== '') m.instrument = instrument;
  m.comments = []; // filled by the NTEs that follow; removed again when none do
  return { ok: true, value: m };
}

/** OBX-14, else OBX-19 (date/time of the analysis, v2.5 on): IHE LAW analyzers fill only the latter. */
function obxTime(r: Hl7Reader, obx: Segment): string {
  return r.get(obx, 14, 1) || r.get(obx, 19, 1);
}

function observationCode(r: Hl7Reader, rep: string): ObservationCode | undefined {
  const [id, text, system, altId, altText, altSystem] = [1, 2, 3, 4, 5, 6].map((c) => r.text(r.part(rep, c))) as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const isLoinc = (s: string): boolean => /^(LN|LOINC)$/i.test(s);
  const local = (c: string, d: string, s: string): ObservationCode['local'] =>
    d === '' ? { system: s || 'L', code: c } : { system: s || 'L', code: c, display: d };
  if (id !== '' && isLoinc(system)) {
    const code: ObservationCode = { loinc: id };
    if (altId !== '') code.local = local(altId, altText, altSystem);
    if (text !== '' || altText !== '') code.display = text || altText;
    return code;
  }
  if (altId !== '' && isLoinc(altSystem)) {
    // Local code first, LOINC as the alternate: common on analyzers that learned LOINC late.
    const code: ObservationCode = { loinc: altId };
    if (id !== '') code.local = local(id, text, system);
    if (text !== '' || altText !== '') code.display = altText || text;
    return code;
  }
  if (id !== '') return { local: local(id, text, system) };
  if (altId !== '') return { local: local(altId, altText, altSystem) };
  return undefined;
}

function observedValue(r: Hl7Reader, type: string, reps: string[], n: number, notes: string[]): number | string {
  const first = reps[0] ?? '';
  if (type === 'NM' || type === '') {
    const t = r.text(first);
    if (NUMERIC.test(t)) return Number(t);
    if (type === 'NM' && t !== '') notes.push(`OBX ${n}: NM value is not a number; kept as text`);
    return type === '' ? reps.map((x) => r.text(x)).join('\n') : t;
  }
  if (type === 'SN') {
    // Structured numeric: comparator ^ num1 ^ separator/suffix ^ num2 (`<^0.5`, `^1^:^128`).
    const [cmp, n1, sep, n2] = [1, 2, 3, 4].map((c) => r.text(r.part(first, c))) as [string, string, string, string];
    if (cmp === '' && sep === '' && n2 === '' && NUMERIC.test(n1)) return Number(n1);
    return `${cmp}${n1}${sep}${n2}`;
  }
  if (CODED_TYPES.has(type)) return r.text(r.part(first, 2)) || r.text(r.part(first, 1));
  if (TEXT_TYPES.has(type)) return reps.map((x) => r.text(x)).join('\n');
  return r.text(first);
}

function flagsOf(r: Hl7Reader, obx: Segment, n: number, notes: string[]): AbnormalFlag[] {
  const out: AbnormalFlag[] = [];
  for (const rep of r.repetitions(obx, 8)) {
    const f = r.text(r.part(rep, 1)).toUpperCase();
    if (f === '') continue;
    // AA (very abnormal) keeps its meaning as abnormal rather than vanishing.
    const flag = f === 'AA' ? 'A' : f;
    if (FLAGS.has(flag)) {
      if (!out.includes(flag as AbnormalFlag)) out.push(flag as AbnormalFlag);
    } else notes.push(`OBX ${n}: abnormal flag "${f.slice(0, 5)}" not forwarded`);
  }
  return out;
}

function statusOf(s: string, n: number, notes: string[]): ResultStatus {
  if (s === 'F' || s === 'C') return s;
  if (PRELIMINARY.has(s)) return 'P';
  notes.push(`OBX ${n}: result status "${s.slice(0, 5)}" (OBX-11) treated as preliminary (P)`);
  return 'P';
}

function reportOf(
  r: Hl7Reader,
  msh: Segment | undefined,
  o: Order,
  raw: string,
  messageComments: string[],
  notes: string[],
  k: number,
  shared: ControlMark | undefined,
): DeviceReport {
  const { obr, orc, spm } = o;
  const report: DeviceReport = { measurements: o.measurements, raw };
  const obrTime = dtmToIso(r.get(obr, 7, 1));
  const obrIso = obrTime.kind === 'time' ? obrTime.iso : undefined;
  if (obrTime.kind === 'invalid') {
    report.observedAt = obrTime.text; // the normalizer names it and holds the reading
    notes.push(`OBR ${k}: OBR-7 is not an HL7 timestamp`);
  } else if (obrIso !== undefined || o.firstObxTime !== undefined) report.observedAt = obrIso ?? o.firstObxTime;
  if (obrIso !== undefined) for (const m of o.measurements) m.observedAt ??= obrIso;

  if (o.subject) report.subject = { ...o.subject };

  // SAC-3 (container identifier): OUL^R22 senders that leave SPM-2 empty name the sample there.
  const specimenId =
    (spm ? nonNull(r.get(spm, 2, 1, 1)) || nonNull(r.get(spm, 2, 2, 1)) : '') ||
    nonNull(r.get(o.sac, 3, 1)) ||
    nonNull(r.get(obr, 3, 1)) ||
    nonNull(r.get(obr, 2, 1));
  // SPM-4 specimen type (table 0487, v2.5 on), else OBR-15 specimen source (SPS: its first
  // component is the source code of table 0070, a CWE in v2.5, so code then text).
  const specimenType = (spm ? nonNull(r.get(spm, 4, 1)) || nonNull(r.get(spm, 4, 2)) : '') || r.get(obr, 15, 1, 1) || r.get(obr, 15, 1, 2);
  if (specimenId !== '' || specimenType !== '') {
    const spmTime = spm ? dtmToIso(r.get(spm, 17, 1, 1)) : undefined;
    const collectedAt = obrIso ?? (spmTime?.kind === 'time' ? spmTime.iso : undefined);
    report.specimen = { id: specimenId };
    if (collectedAt !== undefined) report.specimen.collectedAt = collectedAt;
    if (specimenType !== '') report.specimen.type = specimenType;
  }

  const placer = nonNull(r.get(obr, 2, 1)) || nonNull(r.get(orc, 2, 1));
  const filler = nonNull(r.get(obr, 3, 1)) || nonNull(r.get(orc, 3, 1));
  const orderCode = universalServiceId(r, obr);
  if (placer !== '' || filler !== '' || orderCode) {
    report.order = {};
    if (placer !== '') report.order.placer = placer;
    if (filler !== '') report.order.filler = filler;
    if (orderCode) report.order.code = orderCode;
  }

  const equipment = o.equipment ?? (r.get(msh, 3, 1) || r.get(msh, 4, 1));
  if (equipment !== '') report.equipment = equipment;
  const comments = [...messageComments, ...o.patientComments, ...o.comments];
  if (comments.length > 0) report.comments = comments;
  const control = controlMarkOf(r, obr, spm, o.invs, shared);
  if (control) report.control = control;
  return report;
}

function universalServiceId(r: Hl7Reader, obr: Segment): { system: string; code: string; display?: string } | undefined {
  for (const first of [1, 4]) {
    const code = r.get(obr, 4, first);
    if (code === '') continue;
    const display = r.get(obr, 4, first + 1);
    const system = r.get(obr, 4, first + 2) || 'L';
    return display === '' ? { system, code } : { system, code, display };
  }
  return undefined;
}
