// Builds the uplink's FHIR R4 form of a reading: a `transaction` Bundle that a FHIR server can take as
// it is (POST [base]) and take again without harm. Why and how, with sources, in ./README.md:
// - every entry is a conditional create (request.ifNoneExist) keyed on an identifier, so a
//   redelivered message (same bytes, same messageId) creates nothing new;
// - the patient is a conditional create keyed on the MRN in the assigning authority's system, and
//   the Observations point at it through its fullUrl; no server id is invented;
// - a systolic + diastolic pair becomes one 85354-9 panel with components (FHIR R4 bp profile);
// - an attachment (an EKG PDF) becomes a DocumentReference: R4 Observation.value[x] has no Attachment;
// - a waveform's components are coded with each lead's 11073 code (the R4 "ekg" example's shape);
// - category per observation: body composition is `exam`, not `vital-signs` (see README.md).

import { createHash } from 'node:crypto';
import type { Attachment, MdcCode, Observation, ObservationCode, PatientRef, ResultStatus, Waveform } from '../model/reading.ts';
import { ecgLeadCode } from '../model/ecg-leads.ts';
import { measurementGroup } from '../model/specialization-profile.ts';
import { formatDecimal } from '../model/units.ts';
import { mdcNumericCode } from '../model/vocabulary.ts';
import { wireLocalCodeSystem } from '../hl7/local-code-system.ts';
import { DecimalText, stringifyWithDecimals } from './decimal-json.ts';
import { observationLabel, UplinkBuildError, type UplinkContext, type UplinkSource } from './reading-json.ts';

export const LOINC = 'http://loinc.org';
export const MDC = 'urn:iso:std:iso:11073:10101';
export const UCUM = 'http://unitsofmeasure.org';
export const OBSERVATION_CATEGORY = 'http://terminology.hl7.org/CodeSystem/observation-category';
export const INTERPRETATION = 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation';
/** Identifier system of Bundle.identifier (messageId) and of each resource (messageId-n). */
export const MESSAGE_SYSTEM = 'urn:medgate:message';
export const DEVICE_SYSTEM = 'urn:medgate:device';
/** Bundle.meta.tag systems that say where the reading came from (the MQTT topic is built from them). */
export const DEVICE_TAG = 'urn:medgate:device';
export const DEVICE_KIND_TAG = 'urn:medgate:device-kind';

interface Coding {
  system?: string;
  code: string;
  display?: string;
}
interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}
interface Identifier {
  system?: string;
  value: string;
}
interface Quantity {
  value: DecimalText;
  unit?: string;
  system?: string;
  code?: string;
}
interface Reference {
  reference?: string;
  identifier?: Identifier;
  display?: string;
}
interface ReferenceRange {
  low?: Quantity;
  high?: Quantity;
  text: string;
}
interface SampledData {
  origin: Omit<Quantity, 'value'> & { value: number };
  period: number;
  dimensions: number;
  data: string;
}
interface ValueParts {
  valueQuantity?: Quantity;
  valueString?: string;
  interpretation?: CodeableConcept[];
  referenceRange?: ReferenceRange[];
}
interface Component extends ValueParts {
  code: CodeableConcept;
  valueSampledData?: SampledData;
}
interface Resource {
  resourceType: string;
  [key: string]: unknown;
}
interface Entry {
  fullUrl: string;
  resource: Resource;
  request: { method: 'POST'; url: string; ifNoneExist: string };
}
export interface FhirBundle {
  resourceType: 'Bundle';
  meta: { tag: Coding[] };
  identifier: Identifier;
  type: 'transaction';
  timestamp: string;
  entry: Entry[];
}

const STATUS: Record<ResultStatus, 'final' | 'preliminary' | 'corrected'> = { F: 'final', P: 'preliminary', C: 'corrected' };
const DOC_STATUS: Record<ResultStatus, 'final' | 'preliminary' | 'amended'> = { F: 'final', P: 'preliminary', C: 'amended' };
const GENDER: Record<NonNullable<PatientRef['sex']>, string> = { M: 'male', F: 'female', O: 'other', U: 'unknown' };
const INTERPRETATION_DISPLAY: Record<string, string> = {
  L: 'Low',
  H: 'High',
  LL: 'Critical low',
  HH: 'Critical high',
  A: 'Abnormal',
  N: 'Normal',
  '<': 'Off scale low',
  '>': 'Off scale high',
};
const UNIT_DISPLAY: Record<string, string> = { 'mm[Hg]': 'mmHg', Cel: '°C', '[degF]': '°F', '[lb_av]': 'lb', '/min': '/min' };

const BP_PANEL_CODE: CodeableConcept = {
  coding: [
    { system: LOINC, code: '85354-9' },
    { system: MDC, code: '150020', display: 'MDC_PRESS_BLD_NONINV' },
  ],
  text: 'Blood pressure panel',
};

/**
 * Identifier.system for an HL7 v2 assigning authority: an OID becomes urn:oid:, a URI stays as it is,
 * any other name becomes urn:medgate:assigning-authority:<name> (configure an OID or a URI to avoid it).
 */
export function identifierSystem(authority: string): string {
  if (/^[0-2](\.(0|[1-9]\d*))+$/.test(authority)) return `urn:oid:${authority}`;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(authority)) return authority;
  return `urn:medgate:assigning-authority:${encodeURIComponent(authority)}`;
}

/** A token search value `system|value`, with FHIR search escapes, URL-encoded. No system: `|value` (matches identifiers without one). */
function tokenParam(id: Identifier): string {
  const esc = (s: string) => encodeURIComponent(s.replace(/[\\|,$]/g, (c) => `\\${c}`));
  return `identifier=${id.system ? esc(id.system) : ''}|${esc(id.value)}`;
}

/** A name-based (version 5 layout) UUID: the same messageId always gives the same fullUrls. */
export function stableUuid(name: string): string {
  const h = createHash('sha1').update(`medgate:${name}`).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function mdcCoding(mdc: MdcCode | undefined): Coding[] {
  // The MDC system in FHIR is coded by the numeric code; a REFID alone is not a code there.
  const numeric = mdc && mdcNumericCode(mdc);
  return mdc && numeric !== undefined ? [{ system: MDC, code: String(numeric), display: mdc.ref }] : [];
}

function codeableConcept(code: ObservationCode, localCodeSystem: string | undefined): CodeableConcept {
  const coding: Coding[] = [];
  if (code.loinc) coding.push({ system: LOINC, code: code.loinc });
  coding.push(...mdcCoding(code.mdc));
  if (code.local) {
    const system = wireLocalCodeSystem(code.local.system, localCodeSystem);
    coding.push({
      system: `urn:medgate:code:${encodeURIComponent(system)}`,
      code: code.local.code,
      ...(code.local.display && { display: code.local.display }),
    });
  }
  const text = code.display ?? code.local?.display ?? code.mdc?.ref;
  return { ...(coding.length > 0 && { coding }), ...(text && { text }) };
}

function quantity(text: string, unit: string | undefined): Quantity {
  const q: Quantity = { value: new DecimalText(text) };
  if (unit) Object.assign(q, { unit: UNIT_DISPLAY[unit] ?? unit, system: UCUM, code: unit });
  return q;
}

const SIMPLE_RANGE = /^\s*(-?\d+(?:\.\d+)?)\s*-\s*(-?\d+(?:\.\d+)?)\s*$/;

function referenceRange(text: string, unit: string | undefined): ReferenceRange[] {
  const m = SIMPLE_RANGE.exec(text);
  const low = m?.[1]?.replace(/^(-?)0+(?=\d)/, '$1');
  const high = m?.[2]?.replace(/^(-?)0+(?=\d)/, '$1');
  if (low === undefined || high === undefined) return [{ text }];
  return [{ low: quantity(low, unit), high: quantity(high, unit), text }];
}

/** value[x], interpretation and reference range: what an Observation and a component share. */
function valueParts(obs: Observation, where: string): ValueParts {
  const parts: ValueParts = {};
  const v = obs.value;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new UplinkBuildError(`${where}: value is not a finite number`);
    parts.valueQuantity = quantity(formatDecimal(v, obs.precision), obs.unit);
  } else if (typeof v === 'string') {
    parts.valueString = v;
  }
  if (obs.flags && obs.flags.length > 0) {
    parts.interpretation = obs.flags.map((f) => ({ coding: [{ system: INTERPRETATION, code: f, display: INTERPRETATION_DISPLAY[f] ?? f }] }));
  }
  if (obs.referenceRange) parts.referenceRange = referenceRange(obs.referenceRange, typeof v === 'number' ? obs.unit : undefined);
  return parts;
}

function waveformComponents(w: Waveform, where: string): Component[] {
  if (!(w.sampleRateHz > 0)) throw new UplinkBuildError(`${where}: waveform sample rate must be above 0`);
  return w.leads.map((lead) => {
    if (!lead.samples.every(Number.isFinite)) throw new UplinkBuildError(`${where}: lead ${lead.name} has a sample that is not a finite number`);
    // Leads have no LOINC observation code (LOINC has lead parts, LP7386-8 "Lead I", not codes).
    const coding = mdcCoding(ecgLeadCode(lead.name));
    return {
      code: { ...(coding.length > 0 && { coding }), text: lead.name },
      valueSampledData: {
        origin: { value: 0, unit: UNIT_DISPLAY[w.unit] ?? w.unit, system: UCUM, code: w.unit },
        period: 1000 / w.sampleRateHz, // milliseconds between samples
        dimensions: 1,
        data: lead.samples.join(' '),
      },
    };
  });
}

const CATEGORY = {
  laboratory: 'Laboratory',
  procedure: 'Procedure',
  exam: 'Exam',
  'vital-signs': 'Vital Signs',
} as const;

/**
 * Observation category (R4 observation-category). Analyzer results are laboratory; EKG results are
 * electrodiagnostic procedure results. Body fat, water, muscle, bone and impedance are `exam`: "use
 * of simple instruments ... performed directly on the patient's body"; `vital-signs` is defined as
 * blood pressure, heart and respiratory rate, height, weight, BMI, head circumference, pulse
 * oximetry, temperature and body surface area, and none of them is among those. The rest are vital signs.
 */
function category(kind: string, obs?: Observation): CodeableConcept[] {
  const code: keyof typeof CATEGORY =
    kind === 'lab' ? 'laboratory' : obs && measurementGroup(obs) === 'body-composition' ? 'exam' : kind === 'ekg' ? 'procedure' : 'vital-signs';
  return [{ coding: [{ system: OBSERVATION_CATEGORY, code, display: CATEGORY[code] }] }];
}

function isCode(obs: Observation, loinc: string, mdcRef: string): boolean {
  return typeof obs.value === 'number' && (obs.code.loinc === loinc || obs.code.mdc?.ref === mdcRef);
}

type Item = { type: 'single'; obs: Observation; index: number } | { type: 'bp'; parts: Array<{ obs: Observation; index: number }> };

/** The reading's observations in order, a systolic + diastolic pair (and a mean with them) folded into one panel. */
function items(observations: Observation[]): Item[] {
  const find = (loinc: string, ref: string) => observations.findIndex((o) => isCode(o, loinc, ref));
  const sys = find('8480-6', 'MDC_PRESS_BLD_NONINV_SYS');
  const dia = find('8462-4', 'MDC_PRESS_BLD_NONINV_DIA');
  const mean = find('8478-0', 'MDC_PRESS_BLD_NONINV_MEAN');
  const panel = sys >= 0 && dia >= 0 ? [sys, dia, ...(mean >= 0 ? [mean] : [])] : [];
  const out: Item[] = [];
  observations.forEach((obs, index) => {
    if (!panel.includes(index)) out.push({ type: 'single', obs, index });
    else if (index === Math.min(...panel)) out.push({ type: 'bp', parts: panel.map((i) => ({ obs: observations[i]!, index: i })) });
  });
  return out;
}

function combinedStatus(list: Observation[]): ResultStatus {
  if (list.some((o) => o.status === 'C')) return 'C';
  if (list.some((o) => o.status === 'P')) return 'P';
  return 'F';
}

interface Shared {
  source: UplinkSource;
  ctx: UplinkContext;
  subject: Reference;
}

function deviceRef(shared: Shared, obs: Observation): Reference {
  const r = shared.source.reading;
  return { identifier: { system: DEVICE_SYSTEM, value: r.deviceId }, display: obs.equipment ?? r.equipment ?? r.deviceId };
}

function notes(list: Observation[]): Array<{ text: string }> | undefined {
  const all = list.flatMap((o) => o.comments ?? []);
  return all.length > 0 ? all.map((text) => ({ text })) : undefined;
}

function observationResource(shared: Shared, item: Item, identifier: Identifier): Resource {
  const r = shared.source.reading;
  const list = item.type === 'bp' ? item.parts.map((p) => p.obs) : [item.obs];
  const first = list[0]!;
  const res: Resource = {
    resourceType: 'Observation',
    identifier: [identifier],
    status: STATUS[combinedStatus(list)],
    category: category(r.kind, item.type === 'bp' ? undefined : first),
    code: item.type === 'bp' ? BP_PANEL_CODE : codeableConcept(first.code, shared.ctx.localCodeSystem),
    subject: shared.subject,
    effectiveDateTime: list.find((o) => o.observedAt)?.observedAt ?? r.observedAt,
    issued: shared.ctx.now.toISOString(),
  };
  if (item.type === 'bp') {
    res.component = item.parts.map(({ obs, index }) => ({
      code: codeableConcept(obs.code, shared.ctx.localCodeSystem),
      ...valueParts(obs, observationLabel(obs, index)),
    }));
  } else {
    const where = observationLabel(first, item.index);
    Object.assign(res, valueParts(first, where));
    const v = first.value;
    if (typeof v === 'object' && v.kind === 'waveform') res.component = waveformComponents(v, where);
  }
  if (first.method) res.method = { text: first.method };
  res.device = deviceRef(shared, first);
  const note = notes(list);
  if (note) res.note = note;
  return res;
}

function documentResource(shared: Shared, obs: Observation, a: Attachment, identifier: Identifier): Resource {
  const bytes = Buffer.from(a.base64, 'base64');
  const max = shared.ctx.maxInlineBytes;
  const attachment: Record<string, unknown> = {
    contentType: a.mediaType,
    size: bytes.length,
    hash: createHash('sha1').update(bytes).digest('base64'), // R4 Attachment.hash is the SHA-1, base64
  };
  if (max === undefined || bytes.length <= max) attachment.data = bytes.toString('base64');
  const r = shared.source.reading;
  return {
    resourceType: 'DocumentReference',
    identifier: [identifier],
    status: 'current',
    docStatus: DOC_STATUS[obs.status],
    type: codeableConcept(obs.code, shared.ctx.localCodeSystem),
    category: category(r.kind),
    subject: shared.subject,
    date: obs.observedAt ?? r.observedAt,
    content: [{ attachment }],
  };
}

function patientEntry(p: PatientRef, fullUrl: string): { entry: Entry; identifier: Identifier } {
  const identifier: Identifier = p.assigningAuthority ? { system: identifierSystem(p.assigningAuthority), value: p.mrn } : { value: p.mrn };
  const resource: Resource = { resourceType: 'Patient', identifier: [identifier] };
  if (p.family || p.given) resource.name = [{ ...(p.family && { family: p.family }), ...(p.given && { given: [p.given] }) }];
  if (p.sex) resource.gender = GENDER[p.sex];
  if (p.dob) resource.birthDate = p.dob;
  return { entry: { fullUrl, resource, request: { method: 'POST', url: 'Patient', ifNoneExist: tokenParam(identifier) } }, identifier };
}

/** The Bundle as an object; decimals are DecimalText (fhirBundle writes them out as numbers). */
export function buildFhirBundle(source: UplinkSource, ctx: UplinkContext): FhirBundle {
  const r = source.reading;
  if (Number.isNaN(ctx.now.getTime())) throw new UplinkBuildError('the build time is not a valid date');
  const patientUrl = `urn:uuid:${stableUuid(`${ctx.messageId}/patient`)}`;
  const patient = patientEntry(source.patient, patientUrl);
  const shared: Shared = { source, ctx, subject: { reference: patientUrl, identifier: patient.identifier } };
  const entries: Entry[] = [patient.entry];
  items(r.observations).forEach((item, i) => {
    const n = i + 1;
    const identifier: Identifier = { system: MESSAGE_SYSTEM, value: `${ctx.messageId}-${n}` };
    const v = item.type === 'single' ? item.obs.value : undefined;
    const resource =
      item.type === 'single' && typeof v === 'object' && v.kind === 'attachment'
        ? documentResource(shared, item.obs, v, identifier)
        : observationResource(shared, item, identifier);
    entries.push({
      fullUrl: `urn:uuid:${stableUuid(`${ctx.messageId}/${n}`)}`,
      resource,
      request: { method: 'POST', url: resource.resourceType, ifNoneExist: tokenParam(identifier) },
    });
  });
  return {
    resourceType: 'Bundle',
    meta: {
      tag: [
        { system: DEVICE_TAG, code: r.deviceId },
        { system: DEVICE_KIND_TAG, code: r.kind },
      ],
    },
    identifier: { system: MESSAGE_SYSTEM, value: ctx.messageId },
    type: 'transaction',
    timestamp: ctx.now.toISOString(),
    entry: entries,
  };
}

/** The FHIR JSON text that goes into the outbox and, byte for byte, onto the broker. */
export function fhirBundle(source: UplinkSource, ctx: UplinkContext): string {
  return stringifyWithDecimals(buildFhirBundle(source, ctx));
}
