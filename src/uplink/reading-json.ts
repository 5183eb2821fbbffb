// Builds the uplink's JSON document ("medgate.reading/1", shape and rules in ./schema.ts and
// ./README.md) for one reading and its patient. Built once when the reading is queued; the outbox
// resends the same bytes, so messageId is what a consumer dedupes redeliveries on.
//
// Waveforms and attachments go in whole: the uplink is often the only copy the upstream side gets.
// An attachment (an EKG PDF can be megabytes) can be capped with maxInlineBytes: above it only its
// media type, size and SHA-256 go out, with the reason in `omitted`.

import { createHash } from 'node:crypto';
import type { Attachment, Observation, ObservationCode, PatientRef, Reading, ResultStatus, Waveform } from '../model/reading.ts';
import { formatDecimal } from '../model/units.ts';
import { wireLocalCodeSystem } from '../hl7/local-code-system.ts';
import { READING_SCHEMA_ID, type ObservationDoc, type ReadingMessage } from './schema.ts';

export interface UplinkContext {
  /** The outbox control ID of this message. */
  messageId: string;
  gateway: { application: string; facility?: string };
  /** When the message is built. */
  now: Date;
  /** Attachments whose decoded size is above this go out as a summary only. Default: no limit. */
  maxInlineBytes?: number;
  /** Coding system of local codes (HL7 table 0396 `L`/`99zzz`), as in the HL7 messages; default 99MDG. */
  localCodeSystem?: string;
}

export interface UplinkSource {
  reading: Reading;
  patient: PatientRef;
}

/** Bad content a device should never produce (a non-finite number): the reading cannot go out as is. */
export class UplinkBuildError extends Error {
  override name = 'UplinkBuildError';
}

export const STATUS_WORD: Record<ResultStatus, 'final' | 'preliminary' | 'corrected'> = { F: 'final', P: 'preliminary', C: 'corrected' };

/** "observation 2 (MDC_PULS_OXIM_SAT_O2)": where a problem is, without the value (it may be patient data). */
export function observationLabel(obs: Observation, index: number): string {
  const c = obs.code;
  const name = c.loinc ?? c.mdc?.ref ?? (c.local ? `${c.local.system}:${c.local.code}` : undefined) ?? c.display;
  return `observation ${index + 1}${name ? ` (${name})` : ''}`;
}

function attachmentDoc(a: Attachment, maxInlineBytes: number | undefined): Extract<ObservationDoc, { valueType: 'attachment' }>['attachment'] {
  const bytes = Buffer.from(a.base64, 'base64');
  const doc: Extract<ObservationDoc, { valueType: 'attachment' }>['attachment'] = {
    mediaType: a.mediaType,
    byteLength: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
  if (maxInlineBytes !== undefined && bytes.length > maxInlineBytes) doc.omitted = `larger than the uplink limit (${bytes.length} > ${maxInlineBytes} bytes)`;
  // Re-encoded so the text is canonical base64 whatever whitespace the device put in it.
  else doc.base64 = bytes.toString('base64');
  return doc;
}

function waveformDoc(w: Waveform, where: string): Extract<ObservationDoc, { valueType: 'waveform' }>['waveform'] {
  let sampleCount = 0;
  for (const lead of w.leads) {
    if (!lead.samples.every(Number.isFinite)) throw new UplinkBuildError(`${where}: lead ${lead.name} has a sample that is not a finite number`);
    sampleCount = Math.max(sampleCount, lead.samples.length);
  }
  if (!(w.sampleRateHz > 0)) throw new UplinkBuildError(`${where}: waveform sample rate must be above 0`);
  return { sampleRateHz: w.sampleRateHz, unit: w.unit, sampleCount, leads: w.leads.map((l) => ({ name: l.name, samples: [...l.samples] })) };
}

/** The observation's code as it goes out: a local code in the configured local coding system. */
export function wireCode(code: ObservationCode, localCodeSystem: string | undefined): ObservationCode {
  const out = structuredClone(code);
  if (out.local) out.local.system = wireLocalCodeSystem(out.local.system, localCodeSystem);
  return out;
}

function observationDoc(obs: Observation, index: number, ctx: UplinkContext): ObservationDoc {
  const where = observationLabel(obs, index);
  const common = {
    code: wireCode(obs.code, ctx.localCodeSystem),
    status: STATUS_WORD[obs.status],
    ...(obs.observedAt !== undefined && { observedAt: obs.observedAt }),
    ...(obs.referenceRange !== undefined && { referenceRange: obs.referenceRange }),
    ...(obs.flags !== undefined && obs.flags.length > 0 && { flags: [...obs.flags] }),
    ...(obs.method !== undefined && { method: obs.method }),
    ...(obs.equipment !== undefined && { equipment: obs.equipment }),
    ...(obs.original !== undefined && { original: { ...obs.original } }),
    ...(obs.comments !== undefined && obs.comments.length > 0 && { comments: [...obs.comments] }),
  };
  const v = obs.value;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new UplinkBuildError(`${where}: value is not a finite number`);
    return {
      ...common,
      valueType: 'quantity',
      value: v,
      valueText: formatDecimal(v, obs.precision),
      ...(obs.unit !== undefined && { unit: obs.unit }),
      ...(obs.precision !== undefined && { precision: obs.precision }),
    };
  }
  if (typeof v === 'string') return { ...common, valueType: 'text', value: v, ...(obs.unit !== undefined && { unit: obs.unit }) };
  if (v.kind === 'waveform') return { ...common, valueType: 'waveform', waveform: waveformDoc(v, where) };
  return { ...common, valueType: 'attachment', attachment: attachmentDoc(v, ctx.maxInlineBytes) };
}

function patientDoc(p: PatientRef): ReadingMessage['patient'] {
  return {
    mrn: p.mrn,
    ...(p.assigningAuthority && { assigningAuthority: p.assigningAuthority }),
    ...(p.family && { family: p.family }),
    ...(p.given && { given: p.given }),
    ...(p.dob && { dob: p.dob }),
    ...(p.sex && { sex: p.sex }),
  };
}

/** The document as an object (what readingMessage serializes). */
export function buildReadingMessage(source: UplinkSource, ctx: UplinkContext): ReadingMessage {
  const r = source.reading;
  if (Number.isNaN(ctx.now.getTime())) throw new UplinkBuildError('the build time is not a valid date');
  const doc: ReadingMessage = {
    schema: READING_SCHEMA_ID,
    messageId: ctx.messageId,
    readingId: r.id,
    createdAt: ctx.now.toISOString(),
    gateway: { application: ctx.gateway.application, ...(ctx.gateway.facility && { facility: ctx.gateway.facility }) },
    device: { id: r.deviceId, kind: r.kind, ...(r.equipment && { equipment: r.equipment }) },
    patient: patientDoc(source.patient),
    observedAt: r.observedAt,
    receivedAt: r.receivedAt,
    observations: r.observations.map((o, i) => observationDoc(o, i, ctx)),
  };
  if (r.specimen) doc.specimen = { ...r.specimen };
  if (r.order) doc.order = structuredClone(r.order);
  if (r.comments && r.comments.length > 0) doc.comments = [...r.comments];
  return doc;
}

/** The JSON text that goes into the outbox and, byte for byte, onto the broker. */
export function readingMessage(source: UplinkSource, ctx: UplinkContext): string {
  return JSON.stringify(buildReadingMessage(source, ctx));
}
