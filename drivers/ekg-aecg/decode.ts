// Pure decoder: one HL7 aECG document (docs/protocols.md#hl7-aecg-ekg-documents) -> one DeviceReport, or the reason it is
// refused. See README.md for what is read from where.

import type { DeviceReport, Measurement, Refusal } from '../../src/model/driver.ts';
import type { PatientRef, Waveform } from '../../src/model/reading.ts';
import {
  ECG_INTERPRETATION_CODE,
  ECG_RHYTHM_CODE,
  ECG_STUDY_CODE,
  INTERPRETATION,
  INTERPRETATION_STATEMENT,
  ecgTypeOfAnnotation,
  leadNameOf,
} from '../_shared/ecg-codes.ts';
import { deviceTimestampToIso } from '../../src/hl7/datetime.ts';
import { refused } from '../_shared/refusal.ts';
import { attr, child, children, findFirst, parseXml, text, type XmlValue } from './xml-tree.ts';

export const HL7_V3_NAMESPACE = 'urn:hl7-org:v3';

export interface DecodeOptions {
  maxBytes: number;
  /** Whether the document itself goes with the report as an attachment (default true). */
  attachDocument?: boolean;
}

/** The document's own id (AnnotatedECG/id, an HL7 v3 II: `root` OID or UUID, optional `extension`). */
export interface DocumentId {
  root: string;
  extension?: string;
}

export type AecgResult = { ok: true; report: DeviceReport; notes: string[]; documentId?: DocumentId } | ({ ok: false } & Refusal);

const fail = (reason: string, detail?: string): AecgResult => refused(reason, detail);

/** Document bytes -> text: UTF-8 (BOM stripped); a document declaring ISO-8859-1 is read as such. */
export function documentText(payload: Uint8Array): string {
  const head = Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.byteLength, 200)).toString('latin1');
  const declared = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(head)?.[1]?.toLowerCase();
  const buf = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (declared === 'iso-8859-1' || declared === 'latin1' || declared === 'windows-1252') return buf.toString('latin1');
  return buf.toString('utf8').replace(/^\uFEFF/, '');
}

export function decodeAecg(payload: Uint8Array, options: DecodeOptions): AecgResult {
  if (payload.byteLength === 0) return fail('empty document');
  if (payload.byteLength > options.maxBytes) {
    return fail(`aECG document of ${payload.byteLength} bytes is over the limit of ${options.maxBytes} bytes (setting maxDocumentBytes)`);
  }
  const xml = documentText(payload);
  // Entity declarations buy nothing in aECG and open the door to expansion bombs.
  if (/<!ENTITY/i.test(xml)) return fail('DTD entity declarations are not accepted in an aECG document');
  const parsed = parseXml(xml);
  if (!parsed.ok) return fail(parsed.reason, parsed.detail);
  const { name, node: root } = parsed.root;
  if (name !== 'AnnotatedECG')
    return fail(
      'not an HL7 aECG document: the root element is not <AnnotatedECG>',
      `not an HL7 aECG document: the root element is <${name.slice(0, 40)}>, expected <AnnotatedECG>`,
    );
  if (!rootNamespaceOk(xml)) return fail(`not an HL7 aECG document: <AnnotatedECG> is not in the ${HL7_V3_NAMESPACE} namespace`);

  const notes: string[] = [];
  const series = children(root, 'component')
    .map((c) => child(c, 'series'))
    .find((s) => s !== undefined);

  const measurements: Measurement[] = [];
  const seen = new Set<string>();
  const statements: string[] = [];
  const sets = series === undefined ? [] : annotationSets(series);
  for (const set of sets) {
    for (const comp of children(set, 'component')) {
      for (const a of children(comp, 'annotation')) collectAnnotation(a, measurements, seen, statements, notes);
    }
  }
  if (statements.length > 0) {
    measurements.push({ code: { ...ECG_INTERPRETATION_CODE }, value: statements.join('\n') });
  }

  if (series !== undefined) {
    const wave = rhythmWaveform(series);
    if (!wave.ok) return fail(wave.reason, wave.detail);
    if (wave.value) measurements.push({ code: { ...ECG_RHYTHM_CODE }, value: wave.value, unit: 'uV' });
  }
  if (measurements.length === 0) return fail('aECG document carries no global measurements, interpretation or rhythm waveform');
  if (options.attachDocument !== false) {
    measurements.push({
      code: { ...ECG_STUDY_CODE },
      value: { kind: 'attachment', mediaType: 'text/xml', base64: Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64') },
    });
  }

  const report: DeviceReport = { measurements, raw: xml };
  const time = effectiveTime(root) ?? (series === undefined ? undefined : effectiveTime(series));
  if (time !== undefined) report.observedAt = time;
  else notes.push('no effectiveTime: receipt time is used');
  const subject = subjectOf(root, notes);
  if (subject) report.subject = subject;
  const equipment = series === undefined ? undefined : equipmentOf(series);
  if (equipment) report.equipment = equipment;
  const documentId = documentIdOf(root);
  return documentId ? { ok: true, report, notes, documentId } : { ok: true, report, notes };
}

function documentIdOf(root: XmlValue): DocumentId | undefined {
  const id = child(root, 'id');
  const idRoot = (attr(id, 'root') ?? '').trim();
  if (idRoot === '') return undefined;
  const extension = (attr(id, 'extension') ?? '').trim();
  return extension === '' ? { root: idRoot } : { root: idRoot, extension };
}

function rootNamespaceOk(xml: string): boolean {
  const m = /<(?:([A-Za-z_][\w.-]*):)?AnnotatedECG\b([^>]*)>/.exec(xml);
  if (!m) return false;
  const prefix = m[1];
  const attrs = m[2] ?? '';
  const decl = prefix === undefined ? /\bxmlns\s*=\s*["']([^"']*)["']/ : new RegExp(`\\bxmlns:${prefix}\\s*=\\s*["']([^"']*)["']`);
  return decl.exec(attrs)?.[1] === HL7_V3_NAMESPACE;
}

function effectiveTime(node: XmlValue): string | undefined {
  const et = child(node, 'effectiveTime');
  if (et === undefined) return undefined;
  const value = attr(child(et, 'low'), 'value') ?? attr(child(et, 'center'), 'value') ?? attr(et, 'value');
  const t = deviceTimestampToIso(value, 'v3');
  if (t.kind === 'time') return t.iso;
  // Not a time: passed on as sent so the normalizer names it and holds the reading.
  if (t.kind === 'invalid') return t.text;
  return undefined;
}

/** The rhythm series' annotation sets first, then those of derived (median beat) series. */
function annotationSets(series: XmlValue): XmlValue[] {
  const own = children(series, 'subjectOf').flatMap((s) => children(s, 'annotationSet'));
  const derived = children(series, 'derivation')
    .flatMap((d) => children(d, 'derivedSeries'))
    .flatMap((ds) => children(ds, 'subjectOf'))
    .flatMap((s) => children(s, 'annotationSet'));
  return [...own, ...derived];
}

function collectAnnotation(a: XmlValue, out: Measurement[], seen: Set<string>, statements: string[], notes: string[], depth = 0): void {
  if (depth > 20) return;
  const code = (attr(child(a, 'code'), 'code') ?? '').trim();
  const upper = code.toUpperCase();
  // Lead-specific values (under a lead annotation, or tied to a region of interest) are not global.
  if (upper.startsWith('MDC_ECG_LEAD_') || child(a, 'support') !== undefined) return;
  const value = child(a, 'value');
  if (upper === INTERPRETATION_STATEMENT) {
    const t = text(value).trim();
    if (t !== '') statements.push(t);
  } else if (upper === INTERPRETATION) {
    const t = text(value).trim();
    // A bare interpretation value without statements below it is one statement.
    if (t !== '' && !hasStatement(a)) statements.push(t);
  } else {
    const type = ecgTypeOfAnnotation(code);
    if (type !== undefined && value !== undefined) {
      if (seen.has(type)) notes.push(`${code}: a second global value ignored`);
      else {
        seen.add(type);
        const raw = (attr(value, 'value') ?? text(value)).trim();
        const unit = attr(value, 'unit');
        const n = Number(raw);
        const m: Measurement = { type, value: raw !== '' && Number.isFinite(n) ? n : raw, valueText: raw };
        if (unit !== undefined && unit !== '' && unit !== '1') m.unit = unit;
        out.push(m);
      }
    }
  }
  for (const comp of children(a, 'component')) {
    for (const inner of children(comp, 'annotation')) collectAnnotation(inner, out, seen, statements, notes, depth + 1);
  }
}

function hasStatement(a: XmlValue): boolean {
  return children(a, 'component')
    .flatMap((c) => children(c, 'annotation'))
    .some((inner) => (attr(child(inner, 'code'), 'code') ?? '').toUpperCase() === INTERPRETATION_STATEMENT);
}

const MICROVOLTS: Record<string, number> = { uv: 1, µv: 1, μv: 1, mv: 1000, v: 1_000_000, nv: 0.001 };
const SECONDS: Record<string, number> = { s: 1, ms: 0.001, us: 0.000001 };

type WaveResult = { ok: true; value?: Waveform } | ({ ok: false } & Refusal);

/** The first sequenceSet of the rhythm series: time increment -> sample rate; SLIST_PQ leads -> µV. */
function rhythmWaveform(series: XmlValue): WaveResult {
  const set = children(series, 'component')
    .map((c) => child(c, 'sequenceSet'))
    .find((s) => s !== undefined);
  if (set === undefined) return { ok: true };
  let sampleRateHz: number | undefined;
  const leads: Waveform['leads'] = [];
  for (const [i, comp] of children(set, 'component').entries()) {
    const seq = child(comp, 'sequence');
    const code = (attr(child(seq, 'code'), 'code') ?? '').trim();
    const value = child(seq, 'value');
    // The code is the document's text: the reason names the sequence by position, the detail by code too.
    const at = { safe: `sequence ${i + 1}`, full: `sequence ${i + 1} (${code || 'no code'})` };
    if (code === 'TIME_ABSOLUTE' || code === 'TIME_RELATIVE') {
      const inc = child(value, 'increment');
      const step = Number(attr(inc, 'value'));
      const scale = SECONDS[(attr(inc, 'unit') ?? 's').toLowerCase()];
      if (!Number.isFinite(step) || step <= 0 || scale === undefined) {
        return refused(
          `${at.safe}: time increment is not a positive time`,
          `${at.full}: time increment "${attr(inc, 'value') ?? ''} ${attr(inc, 'unit') ?? ''}" is not a positive time`,
        );
      }
      const rate = 1 / (step * scale);
      if (rate < 1 || rate > 100_000)
        return refused(`${at.safe}: sample rate is not plausible (1 to 100000 Hz)`, `${at.full}: sample rate ${rate} Hz is not plausible`);
      sampleRateHz = Math.round(rate * 1000) / 1000;
      continue;
    }
    if (!code.toUpperCase().startsWith('MDC_ECG_LEAD_')) continue;
    const lead = leadSamples(value, at);
    if (!lead.ok) return lead;
    leads.push({ name: leadNameOf(code), samples: lead.samples, resolution: lead.resolution });
  }
  if (leads.length === 0) return { ok: true };
  if (sampleRateHz === undefined) return refused('rhythm sequenceSet has leads but no TIME_ABSOLUTE/TIME_RELATIVE sequence (sample rate unknown)');
  return { ok: true, value: { kind: 'waveform', sampleRateHz, unit: 'uV', leads } };
}

/** A lead's samples in µV, and its resolution: the scale, the µV of one digit. */
function leadSamples(
  value: XmlValue | undefined,
  at: { safe: string; full: string },
): { ok: true; samples: number[]; resolution: number } | ({ ok: false } & Refusal) {
  const where = at.safe;
  const type = attr(value, 'type');
  if (type !== undefined && type !== 'SLIST_PQ')
    return refused(`${where}: value type is not supported (SLIST_PQ expected)`, `${at.full}: value type ${type} is not supported (SLIST_PQ expected)`);
  const origin = child(value, 'origin');
  const scale = child(value, 'scale');
  const o = Number(attr(origin, 'value') ?? '0');
  const s = Number(attr(scale, 'value'));
  const oUnit = MICROVOLTS[(attr(origin, 'unit') ?? 'uV').toLowerCase()];
  const sUnit = MICROVOLTS[(attr(scale, 'unit') ?? 'uV').toLowerCase()];
  if (!Number.isFinite(o) || oUnit === undefined) return refused(`${where}: origin is not a voltage`);
  if (!Number.isFinite(s) || s === 0 || sUnit === undefined) return refused(`${where}: scale is not a non-zero voltage`);
  const digits = text(child(value, 'digits')).trim();
  if (digits === '') return refused(`${where}: no digits`);
  const parts = digits.split(/\s+/);
  const samples = new Array<number>(parts.length);
  for (let k = 0; k < parts.length; k++) {
    const d = Number(parts[k]);
    if (!Number.isFinite(d) || !/^[+-]?\d+(?:\.\d+)?$/.test(parts[k] ?? '')) {
      return refused(`${where}: digit ${k + 1} is not a number`, `${at.full}: digit ${k + 1} "${(parts[k] ?? '').slice(0, 20)}" is not a number`);
    }
    samples[k] = Math.round((o * oUnit + s * sUnit * d) * 1000) / 1000;
  }
  return { ok: true, samples, resolution: Math.abs(Math.round(s * sUnit * 1e6) / 1e6) };
}

function subjectOf(root: XmlValue, notes: string[]): PatientRef | undefined {
  const subject = findFirst(child(root, 'componentOf'), 'trialSubject');
  if (subject === undefined) return undefined;
  const idNode = child(subject, 'id');
  const mrn = (attr(idNode, 'extension') ?? '').trim();
  if (mrn === '') {
    notes.push('subject without an id extension: no patient taken from the document');
    return undefined;
  }
  const ref: PatientRef = { mrn };
  const person = child(subject, 'subjectDemographicPerson');
  const name = child(person, 'name');
  if (name !== undefined) {
    const family = text(child(name, 'family')).trim();
    const given = text(child(name, 'given')).trim();
    if (family !== '' || given !== '') {
      if (family !== '') ref.family = family;
      if (given !== '') ref.given = given;
    } else {
      // Unstructured PN: "Family, Given" as carts print it.
      const whole = text(name).trim();
      const [f = '', g = ''] = whole.split(',').map((x) => x.trim());
      if (f !== '') ref.family = f;
      if (g !== '') ref.given = g;
    }
  }
  const birth = deviceTimestampToIso(attr(child(person, 'birthTime'), 'value'), 'v3');
  if (birth.kind === 'date') ref.dob = birth.date;
  else if (birth.kind === 'time') ref.dob = birth.iso.slice(0, 10);
  else if (birth.kind === 'invalid') notes.push('subject birthTime is not a date: left out');
  const sex = (attr(child(person, 'administrativeGenderCode'), 'code') ?? '').toUpperCase();
  if (sex === 'M' || sex === 'F') ref.sex = sex;
  else if (sex === 'UN' || sex === 'U') ref.sex = 'U';
  return ref;
}

function equipmentOf(series: XmlValue): string | undefined {
  const device = child(series, 'author', 'seriesAuthor', 'manufacturedSeriesDevice');
  if (device === undefined) return undefined;
  const model = text(child(device, 'manufacturerModelName')).trim();
  const serial = (attr(child(device, 'id'), 'extension') ?? '').trim();
  const parts = [model, serial].filter((p) => p !== '');
  return parts.length > 0 ? parts.join(' ') : undefined;
}
