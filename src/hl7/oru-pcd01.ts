// IHE PCD-01 (DEC) ORU^R01, HL7 v2.6, written directly as text: MSH, PID, [PV1], one OBR, then the flat
// personal-health containment tree (docs/protocols.md#ihe-pcd-01-device-results): an MDS row for the device, then one
// OBX per observation at 1.0.0.n. Every value from a device, a patient or configuration passes
// through escapeHl7; segments end with CR (the MLLP frame goes around the whole message).
//
// Choices where sources leave room (docs/protocols.md#pcd-01-obx-fields, docs/protocols.md#open-items):
// - OBX-3: MDC primary, LOINC alternate (`150021^MDC_PRESS_BLD_NONINV_SYS^MDC^8480-6^Systolic..^LN`).
//   Without a numeric MDC code (conflicting sources) LOINC is primary and the REFID rides as the
//   alternate text with an empty alternate identifier (`2339-0^Glucose^LN^^MDC_CONC_..^MDC`), so a
//   receiver never sees a made-up MDC number. Local codes: `code^display^system`, the system being
//   the configured local coding system (local-code-system.ts: table 0396 `L`/`99zzz`, never the
//   model's internal marker).
// - OBX-6: MDC unit primary, UCUM alternate (`266016^MDC_DIM_MMHG^MDC^mm[Hg]^mm[Hg]^UCUM`) where the
//   MDC unit is known, else UCUM only.
// - OBX-11: a final device result goes out as `R` (not verified by a person), as in the NIST PCD
//   reference messages and GE; `deviceResultStatus: 'F'` for EHRs that file only final results.
//   P and C pass through.
// - OBX-18: see equipment.ts: `EUI^^EUI^EUI-64` when configured, else the equipment the device
//   reported alone, else the configured device id with the sending application as namespace.
// - MDS row (1.0.0.0): the 11073 specialization the measurements fit (specialization-profile.ts).
// - PID-3 `mrn^^^authority^MR` (`mrn^^^^MR` without an authority); PID-8 a table 0001 code.
// - PV1 only when the context carries the patient's visit from the directory (segments.ts pv1):
//   PV1-2 class (U when the visit has none), PV1-3 location, PV1-19 visit number, PV1-44/45 times.
// - OBR-2/OBR-3: when the reading is bound to an EHR order, the order's placer and filler numbers
//   exactly as the EHR sent them (escaped, no namespace of ours), so the EHR files the result
//   against its order. A half the order lacks (or a reading with no order) gets the reading id
//   with the sending application as namespace (and EUI-64 when known), the NIST shape; the reading
//   id is fixed at creation, so a rebuilt message carries the same ids. Same rule as the lab ORU.
// - Text: one line as ST; several lines (an ECG interpretation) as FT with `\.br\` line breaks.
//
// EKG (kind 'ekg'): OBR-4 is the LOINC panel `34534-8^12 lead EKG panel^LN` (US Core clinical test
// codes), as NIST uses a LOINC panel for pulse oximetry. When the reading carries ECG global
// measurements (heart rate, intervals, axes), an ECG VMD row `69798^MDC_DEV_ECG_VMD^MDC` at 1.1.0.0
// follows the MDS row and every observation sits under it at 1.1.0.n. A tracing can arrive twice,
// as samples (Waveform) and as the aECG document (an XML Attachment, ED `^text^xml^Base64^...`: in
// v2.6 ED.2 is table 0834, MIME types; encapsulated-data.ts): the document carries the samples losslessly, so the NA rows are left out
// when the reading has an XML attachment. Without one (ekg-aecg `attachDocument: false`), each lead
// goes out as the IHE PCD Waveform Content Module shapes a channel: an NA row coded with the lead's
// own 11073 code (ecg-leads.ts, `131329^MDC_ECG_ELEC_POTL_I^MDC`), followed by its facets one level
// down: `NM|0^MDC_ATTR_SAMP_RATE^MDC|<lead>.1|500|264640^MDC_DIM_HZ^MDC^Hz^Hz^UCUM` and, when the
// driver knows the amplitude step, `NM|0^MDC_ATTR_NU_MSMT_RES^MDC|<lead>.2|2.5|uV^uV^UCUM`. Code 0
// with the REFID is how the WCM messages of public implementations carry these attributes, and how
// IHE PCD TF-2 writes a term without an assigned code (`0^MDCX_...`); those feeds disagree on a
// number for MSMT_RES (2327, 67917), so none is claimed.

import { ecgLeadCode } from '../model/ecg-leads.ts';
import type { DeviceKind, Observation, ObservationCode, Reading, Waveform } from '../model/reading.ts';
import { specializationProfile } from '../model/specialization-profile.ts';
import { mdcUnit } from '../model/units.ts';
import { nmText } from './nm.ts';
import { isEcgMeasurementCode, mdcNumericCode } from '../model/vocabulary.ts';
import { hl7Timestamp, timestampMemo } from './datetime.ts';
import { encapsulatedData } from './encapsulated-data.ts';
import { equipmentIdentifier } from './equipment.ts';
import { escapeFormattedText, escapeHl7 as esc } from './escape.ts';
import { wireLocalCodeSystem } from './local-code-system.ts';
import {
  administrativeSex,
  birthDate,
  entityIdentifier,
  orderNumber,
  patientIdentifier,
  patientName,
  pv1,
  segment,
  type OruHeaderContext,
} from './segments.ts';

export interface OruContext extends OruHeaderContext {
  device: { id: string; label?: string; eui64?: string; kind: DeviceKind };
  /** UTC offset (minutes east) MSH-7 is written in; default the machine's local offset. */
  offsetMinutes?: number;
  /** OBX-11 for a final (F) device result; default 'R' (see above). */
  deviceResultStatus?: 'R' | 'F';
  /** Coding system of local codes (HL7 table 0396 `L` or `99zzz`); default: local-code-system.ts. */
  localCodeSystem?: string;
}

const PROFILE = 'IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO';
const OBR_4 = '182777000^monitoring of patient^SCT';
const OBR_4_EKG = '34534-8^12 lead EKG panel^LN';
const ECG_VMD = '69798^MDC_DEV_ECG_VMD^MDC';
const AMEAS = 'AMEAS^auto-measurement^MDC';
const MMEAS = 'MMEAS^manual-measurement^MDC';

const SAMPLE_RATE = '0^MDC_ATTR_SAMP_RATE^MDC';
const RESOLUTION = '0^MDC_ATTR_NU_MSMT_RES^MDC';

function ei(id: string, ctx: OruContext): string {
  return entityIdentifier(id, ctx.sendingApplication);
}

export function observationIdentifier(code: ObservationCode, localCodeSystem?: string): string {
  const display = esc(code.display ?? code.local?.display ?? '');
  const mdc = code.mdc;
  const numeric = mdc && mdcNumericCode(mdc);
  const local = code.local;
  if (mdc && numeric !== undefined) {
    const primary = `${numeric}^${esc(mdc.ref)}^MDC`;
    if (code.loinc) return `${primary}^${esc(code.loinc)}^${display}^LN`;
    if (local) {
      const system = wireLocalCodeSystem(local.system, localCodeSystem);
      return `${primary}^${esc(local.code)}^${esc(local.display ?? code.display ?? '')}^${esc(system)}`;
    }
    return primary;
  }
  if (code.loinc) return `${esc(code.loinc)}^${display}^LN${mdc ? `^^${esc(mdc.ref)}^MDC` : ''}`;
  if (local) return `${esc(local.code)}^${display}^${esc(wireLocalCodeSystem(local.system, localCodeSystem))}`;
  if (mdc) return `^${esc(mdc.ref)}^MDC`;
  return `^${display}`;
}

export function unitsField(ucum: string | undefined, metricRef?: string): string {
  if (ucum === undefined || ucum === '') return '';
  const u = esc(ucum);
  const mdc = mdcUnit(ucum, metricRef);
  return mdc ? `${mdc.code}^${mdc.ref}^MDC^${u}^${u}^UCUM` : `${u}^${u}^UCUM`;
}

function method(text: string | undefined): string {
  if (text === undefined || text === 'AMEAS') return AMEAS;
  if (text === 'MMEAS') return MMEAS;
  return `^${esc(text)}`;
}

function equipment(ctx: OruContext, reported: string | undefined): string {
  const d = ctx.device;
  return equipmentIdentifier({ eui64: d.eui64, reported, deviceId: d.id, assigner: ctx.sendingApplication.name });
}

function status(obs: Observation, ctx: OruContext): string {
  return obs.status === 'F' ? (ctx.deviceResultStatus ?? 'R') : obs.status;
}

function isXmlAttachment(v: Observation['value']): boolean {
  if (typeof v !== 'object' || v.kind !== 'attachment') return false;
  const type = v.mediaType.toLowerCase().split(';')[0]?.trim() ?? '';
  return type === 'text/xml' || type === 'application/xml' || type.endsWith('+xml');
}

/** One OBX: its type and value, and for a waveform lead its own code, units and facet rows. */
interface ValueCell {
  type: string;
  value: string;
  id?: string;
  units?: string;
  facets?: ValueCell[];
}

function leadCells(w: Waveform): ValueCell[] {
  return w.leads.map((lead) => {
    const facets: ValueCell[] = [{ type: 'NM', id: SAMPLE_RATE, value: nmText(w.sampleRateHz, undefined, 'sample rate'), units: unitsField('Hz') }];
    if (lead.resolution !== undefined)
      facets.push({ type: 'NM', id: RESOLUTION, value: nmText(lead.resolution, undefined, 'resolution'), units: unitsField(w.unit) });
    return {
      type: 'NA',
      id: observationIdentifier({ mdc: ecgLeadCode(lead.name) }),
      value: lead.samples.map((s) => nmText(s, undefined, `lead ${lead.name}`)).join('^'),
      units: unitsField(w.unit),
      facets,
    };
  });
}

function valueCells(obs: Observation): ValueCell[] {
  const v = obs.value;
  if (typeof v === 'number') {
    return [{ type: 'NM', value: nmText(v, obs.precision, `observation ${obs.code.mdc?.ref ?? obs.code.loinc ?? ''}`) }];
  }
  if (typeof v === 'string') {
    return /[\r\n]/.test(v) ? [{ type: 'FT', value: escapeFormattedText(v.replace(/^[\r\n]+|[\r\n]+$/g, '')) }] : [{ type: 'ST', value: esc(v) }];
  }
  if (v.kind === 'attachment') return [{ type: 'ED', value: encapsulatedData(v.mediaType, v.base64, '2.6') }];
  return leadCells(v);
}

/**
 * The ORU^R01 text, segments ending in CR. Throws RangeError only for what normalize() and
 * checkPlausibility() never let through: a non-ISO timestamp or a non-finite number.
 */
export function encodeOruPcd01(reading: Reading, ctx: OruContext): string {
  const app = ctx.sendingApplication;
  const msh3 = app.eui64 === undefined ? esc(app.name) : `${esc(app.name)}^${esc(app.eui64)}^EUI-64`;
  let out =
    `MSH|^~\\&|${msh3}|${esc(ctx.sendingFacility ?? '')}|${esc(ctx.receivingApplication ?? '')}|` +
    `${esc(ctx.receivingFacility ?? '')}|${hl7Timestamp(ctx.now, ctx.offsetMinutes)}||ORU^R01^ORU_R01|` +
    `${esc(ctx.controlId)}|${ctx.processingId ?? 'P'}|2.6|||AL|NE||UNICODE UTF-8|||${PROFILE}\r`;

  const p = ctx.patient;
  out += segment(['PID', '', '', patientIdentifier(p), '', patientName(p), '', birthDate(p.dob), administrativeSex(p.sex)]);
  if (ctx.visit) out += pv1(ctx.visit);

  const dtm = timestampMemo();
  const observedAt = dtm(reading.observedAt);
  const ownId = ei(reading.id, ctx);
  const placer = orderNumber(reading.order?.placer) ?? ownId;
  const filler = orderNumber(reading.order?.filler) ?? ownId;
  const ekg = ctx.device.kind === 'ekg';
  out += segment(['OBR', '1', placer, filler, ekg ? OBR_4_EKG : OBR_4, '', '', observedAt]);

  const first = reading.observations[0];
  const mds = specializationProfile(ctx.device.kind, reading.observations);
  out += segment([
    'OBX',
    '1',
    '',
    `${mds.code}^${mds.ref}^MDC`,
    '1.0.0.0',
    '',
    '',
    '',
    '',
    '',
    '',
    'X',
    '',
    '',
    '',
    '',
    '',
    '',
    equipment(ctx, first?.equipment),
  ]);

  let setId = 1;
  let metric = 0;
  let parent = '1.0.0';
  if (ekg && reading.observations.some((o) => isEcgMeasurementCode(o.code))) {
    setId++;
    parent = '1.1.0';
    out += segment(['OBX', String(setId), '', ECG_VMD, '1.1.0.0', '', '', '', '', '', '', 'X']);
  }
  const hasDocument = reading.observations.some((o) => isXmlAttachment(o.value));
  for (const obs of reading.observations) {
    if (hasDocument && typeof obs.value === 'object' && obs.value.kind === 'waveform') continue;
    const id = observationIdentifier(obs.code, ctx.localCodeSystem);
    const units = unitsField(obs.unit, obs.code.mdc?.ref);
    const range = esc(obs.referenceRange ?? '');
    const flags = obs.flags ? obs.flags.map((flag) => esc(flag)).join('~') : '';
    const st = status(obs, ctx);
    const at = obs.observedAt === undefined ? observedAt : dtm(obs.observedAt);
    const shared: ObxShared = { id, units, status: st, at, method: method(obs.method), equipment: equipment(ctx, obs.equipment) };
    for (const cell of valueCells(obs)) {
      const subId = `${parent}.${++metric}`;
      out += obxRow(++setId, cell, subId, range, flags, shared);
      const facets = cell.facets ?? [];
      for (let i = 0; i < facets.length; i++) out += obxRow(++setId, facets[i]!, `${subId}.${i + 1}`, '', '', shared);
    }
  }
  return out;
}

/** What every OBX row of one observation repeats. */
interface ObxShared {
  id: string;
  units: string;
  status: string;
  at: string;
  method: string;
  equipment: string;
}

function obxRow(setId: number, cell: ValueCell, subId: string, range: string, flags: string, obs: ObxShared): string {
  return segment([
    'OBX',
    String(setId),
    cell.type,
    cell.id ?? obs.id,
    subId,
    cell.value,
    cell.units ?? obs.units,
    range,
    flags,
    '',
    '',
    obs.status,
    '',
    '',
    obs.at,
    '',
    '',
    obs.method,
    obs.equipment,
  ]);
}
