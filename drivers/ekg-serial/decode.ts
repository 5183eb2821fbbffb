// Pure decoding of the EKG cart's serial summary (a constructed format, see README.md): lines ->
// blocks `ECG REPORT` ... `END` -> one DeviceReport per block. The assembler is a small state
// machine fed one line at a time; what it cannot use comes out as errors naming the problem.

import type { DeviceReport, Measurement, Refusal } from '../../src/model/driver.ts';
import type { PatientRef } from '../../src/model/reading.ts';
import type { VitalType } from '../../src/model/vocabulary.ts';
import { ECG_INTERPRETATION_CODE } from '../_shared/ecg-codes.ts';

export const HEADER = 'ECG REPORT';
export const TRAILER = 'END';
/** A block longer than this without END is a runaway (a lost END and a stream of other text). */
export const MAX_BLOCK_LINES = 100;

export type BlockEvent = { kind: 'report'; report: DeviceReport } | ({ kind: 'error'; bytes: string } & Refusal) | { kind: 'note'; text: string };

const NUMBER_UNIT = /^([+-]?\d+(?:\.\d+)?)\s*(bpm|\/min|ms|deg|\u00b0)?$/i;
const NOT_MEASURED = /^-+$|^n\/?a$|^\?+$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

interface Draft {
  lines: string[];
  subject: Partial<PatientRef>;
  observedAt?: string;
  equipment?: string;
  measurements: Measurement[];
  statements: string[];
  seen: Set<string>;
}

const newDraft = (header: string): Draft => ({ lines: [header], subject: {}, measurements: [], statements: [], seen: new Set() });

const FREE_TEXT_LINE = /^\s*(INTERP|NAME)\s*:/i;
const KNOWN_FIELDS: ReadonlySet<string> = new Set([
  'ID',
  'NAME',
  'DOB',
  'SEX',
  'DATE',
  'DEVICE',
  'HR',
  'PR',
  'QRS',
  'QT',
  'QTC',
  'QT/QTC',
  'AXES P/QRS/T',
  'INTERP',
]);

export class EkgBlockAssembler {
  private draft: Draft | null = null;

  /** Whether a block is open (for link-down handling). */
  get open(): boolean {
    return this.draft !== null;
  }

  /** Drops an open block; returns it as an error event when there was one. */
  discard(reason: string): BlockEvent[] {
    const d = this.draft;
    this.draft = null;
    return d ? [{ kind: 'error', reason, bytes: redacted(d.lines) }] : [];
  }

  push(rawLine: string): BlockEvent[] {
    const line = rawLine.replace(/\s+$/, '');
    const events: BlockEvent[] = [];
    const h = line.toUpperCase().lastIndexOf(HEADER);
    // Free text ("INTERP: Unconfirmed ECG report") may end in the header's words; a cut numeric line
    // followed by a new header ("QRS: 9ECG REPORT") must still start the new block.
    const freeText = h > 0 && FREE_TEXT_LINE.test(line.slice(0, h));
    if (h >= 0 && !freeText && line.slice(h + HEADER.length).trim() === '') {
      if (h > 0 && line.slice(0, h).trim() !== '')
        events.push({ kind: 'error', reason: 'garbage before the report header discarded', bytes: line.slice(0, h) });
      events.push(...this.discard('report block cut off (no END before the next ECG REPORT): discarded'));
      this.draft = newDraft(line.slice(h));
      return events;
    }
    const d = this.draft;
    if (d === null) {
      if (line.trim() !== '') events.push({ kind: 'error', reason: 'text outside an ECG REPORT block ignored', bytes: line });
      return events;
    }
    d.lines.push(line);
    if (line.trim().toUpperCase() === TRAILER) {
      this.draft = null;
      events.push(...finish(d));
      return events;
    }
    if (d.lines.length > MAX_BLOCK_LINES) {
      events.push(...this.discard(`report block longer than ${MAX_BLOCK_LINES} lines without END: discarded`));
      return events;
    }
    events.push(...field(d, line));
    return events;
  }
}

/** Refused blocks are logged by the device runner: who the patient is stays out of them. */
const PATIENT_KEYS = /^\s*(ID|NAME|DOB)\s*:/i;
function redacted(lines: string[]): string {
  return lines.map((l) => (PATIENT_KEYS.test(l) ? `${l.slice(0, l.indexOf(':') + 1)} ***` : l)).join('\r\n');
}

function finish(d: Draft): BlockEvent[] {
  const block = d.lines.join('\r\n');
  const measurements = [...d.measurements];
  if (d.statements.length > 0) measurements.push({ code: { ...ECG_INTERPRETATION_CODE }, value: d.statements.join('\n') });
  if (measurements.length === 0)
    return [{ kind: 'error', reason: 'report block without measurements or interpretation: nothing to report', bytes: redacted(d.lines) }];
  const report: DeviceReport = { measurements, raw: block };
  if (d.observedAt !== undefined) report.observedAt = d.observedAt;
  if (d.equipment !== undefined) report.equipment = d.equipment;
  const s = d.subject;
  if (s.mrn !== undefined) report.subject = { ...s, mrn: s.mrn };
  const events: BlockEvent[] = [{ kind: 'report', report }];
  if (s.mrn === undefined && (s.family !== undefined || s.given !== undefined)) {
    events.unshift({ kind: 'note', text: 'report with a name but no ID: no patient taken from the cart' });
  }
  return events;
}

function field(d: Draft, line: string): BlockEvent[] {
  const colon = line.indexOf(':');
  if (colon <= 0) return [{ kind: 'error', reason: `line ${d.lines.length} of the report is not "KEY: value": ignored`, bytes: line }];
  const key = line.slice(0, colon).trim().toUpperCase().replace(/\s+/g, ' ');
  const value = line.slice(colon + 1).trim();
  if (key !== 'INTERP') {
    if (d.seen.has(key)) {
      // Any text before a colon gets here; only a field of the format is named at warn.
      const name = KNOWN_FIELDS.has(key) ? key : `a field of ${key.length} chars`;
      return [
        {
          kind: 'error',
          reason: `${name} given twice in one report: the second ignored`,
          detail: `${key} given twice in one report: the second ignored`,
          bytes: line,
        },
      ];
    }
    d.seen.add(key);
  }
  // Called for the format's own fields only: the key is safe to log, the value is the patient's.
  const bad = (what: string): BlockEvent[] => [
    { kind: 'error', reason: `${key}: value ${what}`, detail: `${key}: "${value.slice(0, 40)}" ${what}`, bytes: line },
  ];
  switch (key) {
    case 'ID':
      if (value !== '') d.subject.mrn = value;
      return [];
    case 'NAME': {
      const [family = '', given = ''] = value.split(',').map((p) => p.trim());
      if (family !== '') d.subject.family = family;
      if (given !== '') d.subject.given = given;
      return [];
    }
    case 'DOB': {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
      if (!m) return value === '' ? [] : [{ kind: 'error', reason: 'DOB is not a date (YYYY-MM-DD): left out', bytes: 'DOB: ***' }];
      d.subject.dob = value;
      return [];
    }
    case 'SEX': {
      const s = value.toUpperCase();
      if (s === 'M' || s === 'F' || s === 'O' || s === 'U') d.subject.sex = s;
      else if (value !== '') return bad('is not M, F, O or U: left out');
      return [];
    }
    case 'DATE': {
      const m = DATE.exec(value);
      // Passed on as sent when it is not a date: the normalizer names it and holds the reading.
      d.observedAt = m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}` : value;
      return [];
    }
    case 'DEVICE':
      if (value !== '') d.equipment = value;
      return [];
    case 'HR':
      return numbers(d, value, ['ecg.heart_rate'], bad);
    case 'PR':
      return numbers(d, value, ['ecg.pr'], bad);
    case 'QRS':
      return numbers(d, value, ['ecg.qrs'], bad);
    case 'QT':
      return numbers(d, value, ['ecg.qt'], bad);
    case 'QTC':
      return numbers(d, value, ['ecg.qtc'], bad);
    case 'QT/QTC':
      return numbers(d, value, ['ecg.qt', 'ecg.qtc'], bad);
    case 'AXES P/QRS/T':
      return numbers(d, value, ['ecg.p_axis', 'ecg.qrs_axis', 'ecg.t_axis'], bad);
    case 'INTERP':
      if (value !== '') d.statements.push(value);
      return [];
    default:
      return [{ kind: 'note', text: `unknown field ${key.slice(0, 30)} ignored` }];
  }
}

/** `72 bpm`, `380/402 ms`, `45/30/40`: as many numbers as types, a unit after the last applies to all. */
function numbers(d: Draft, value: string, types: VitalType[], bad: (what: string) => BlockEvent[]): BlockEvent[] {
  const unitMatch = /\s*(bpm|\/min|ms|deg|\u00b0)$/i.exec(value);
  const unit = unitMatch?.[1];
  const body = unitMatch ? value.slice(0, unitMatch.index) : value;
  const parts = body.split('/').map((p) => p.trim());
  if (parts.length !== types.length) return bad(`does not have ${types.length} value${types.length > 1 ? 's' : ''}`);
  const parsed: Array<{ type: VitalType; text: string }> = [];
  for (const [i, p] of parts.entries()) {
    const type = types[i];
    if (type === undefined || NOT_MEASURED.test(p)) continue;
    if (!NUMBER_UNIT.test(p) || /[a-z\u00b0/]/i.test(p)) return bad('is not a number');
    parsed.push({ type, text: p });
  }
  for (const { type, text } of parsed) {
    const m: Measurement = { type, value: Number(text), valueText: text };
    if (unit !== undefined) m.unit = unit === '°' ? 'deg' : unit;
    d.measurements.push(m);
  }
  return [];
}
