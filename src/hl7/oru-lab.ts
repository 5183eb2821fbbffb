// HL7 v2.5.1 ORU^R01 for lab analyzers: the classic unsolicited lab result an EHR's lab interface
// files. One reading is one ORDER_OBSERVATION group per ordered test it lists, and per EHR order
// its results answer (`orderParts`, each under that order's ORC-2/3 and OBR-2/3; ORU_R01 repeats
// the group):
//
//   MSH PID [PV1] {ORC OBR {NTE} {OBX {NTE}} [SPM]}
//
// Structure: v2.5.1 ORDER_OBSERVATION = [ORC] OBR [{NTE}] [{TIMING_QTY}] [CTD] [{OBX [{NTE}]}] [{FT1}]
// [{CTI}] [{SPECIMEN: SPM [{OBX}]}], so SPM comes after the results (generated v2.5 structure
// classes of the HAPI family, and HAPI's v2.5.1 ORU_R01_SPECIMEN group). Field meanings: OBX-14 and
// OBX-19 definitions as quoted in public v2.5 model sources; tables 0123 and 0396 and the SN type
// from the HL7 Terminology and HL7 v2+ pages (hl7.org, build.fhir.org). Every value from a device,
// a patient or configuration is escaped; segments end with CR.
//
// Choices where the standard leaves room:
// - MSH-15/16 empty: original-mode acknowledgement (one AA/AE/AR per message), the usual setup of
//   a lab result interface; the outbox treats AA (and CA, should one come) as delivered.
//   docs/protocols.md#hl7-v2-acknowledgements.
// - ORC-1 `RE` (observations to follow); ORC-2/3 repeat OBR-2/3; ORC-9 left empty: the order's
//   transaction time is not known here, and OBR-22 carries when the result was reported.
// - PID-3 `mrn^^^authority^MR` (`mrn^^^^MR` without an authority); PID-8 a table 0001 code.
// - PV1 (v2.5.1 PATIENT_RESULT/PATIENT/VISIT, after PID) only when the context carries the
//   patient's visit from the directory (segments.ts pv1): PV1-2 class (U when the visit has none),
//   PV1-3 location, PV1-19 visit number, PV1-44/45 admit and discharge times.
// - OBR-2 (= ORC-2): the placer order number exactly as the EHR or the analyzer gave it (escaped,
//   no namespace of ours), empty without one. OBR-3 (= ORC-3, the id EHRs key results on): the
//   filler order number exactly as given, likewise; without one, an id the gateway assigns as the
//   filler, namespaced by MSH-3's application: the specimen id (an analyzer's sample id is the
//   accession number in practice), else the reading id. Same rule as the PCD-01 ORU.
// - OBR-4: the order's test code; without one, the device (`id^label^<local system>`), a stable
//   code an interface analyst can map.
// - OBR-7 and OBX-14: the specimen collection time, which v2.5.1 defines as the observation time
//   of specimen tests; the analyzer's time when collection is unknown. OBX-19 (date/time of the
//   analysis) carries the analyzer's time.
// - OBR-25: P if any result is preliminary (the order is not complete), else C if any is corrected
//   (table 0123: C = corrected, final), else F.
// - SPM is sent only when both the specimen id and `specimenType` are known, SPM-4 being required
//   in v2.5.1; SPM-2 carries the id as the filler-assigned half of the EIP. Receivers that ignore
//   SPM still find the id in OBR-3 when there is no filler order number.
// - OBX-2: NM for numbers (with the device's decimals: 7.50 stays "7.50"); SN for a comparator and
//   a number (`<5` -> `<^5`, `>=10` -> `>=^10`), the type made for it; ST for other text (`NEG`,
//   `1+`, titres). ED for attachments, NA rows for waveform leads.
// - OBX-3: LOINC primary, the analyzer's local code as alternate when both are known; the local
//   code alone otherwise. Local coding system: `localCodeSystem` when configured; else the code's
//   own system when it is a table 0396 local name (`L`, `99zzz`); else `99MDG`, so receivers can
//   tell the gateway's analyzer codes from their own local codes.
// - OBX-4: empty, except to tell apart rows that share an OBX-3 code (1, 2, ...).
// - OBX-6: `unit^unit^UCUM` when the unit is a known UCUM code, else the unit text alone in
//   OBX-6.1, where receivers read it, without claiming a coding system.
// - NTE-2 `L` (comment from the filler side); line breaks become `\.br\`.

import type { DeviceKind, LocalCode, Observation, ObservationCode, Reading } from '../model/reading.ts';
import { canonicalUnit } from '../model/units.ts';
import { nmText } from './nm.ts';
import { SPECIMEN_TABLE } from '../model/specimen.ts';
import { hl7Timestamp, timestampMemo } from './datetime.ts';
import { encapsulatedData } from './encapsulated-data.ts';
import { equipmentIdentifier } from './equipment.ts';
import { escapeFormattedText, escapeHl7 as esc } from './escape.ts';
import { DEFAULT_LOCAL_CODE_SYSTEM, wireLocalCodeSystem } from './local-code-system.ts';
import {
  administrativeSex,
  birthDate,
  components,
  entityIdentifier,
  orderNumber,
  patientIdentifier,
  patientName,
  pv1,
  segment,
  type OruHeaderContext,
} from './segments.ts';

export interface LabOruContext extends OruHeaderContext {
  device: { id: string; label?: string; kind: DeviceKind };
  /**
   * Coding system name for the analyzer's local codes in OBX-3 and OBR-4 (HL7 table 0396: `L` or
   * `99zzz`). Default: the code's own system when it is such a name, else `99MDG`.
   */
  localCodeSystem?: string;
  /** UTC offset (minutes east) MSH-7 and OBR-22 are written in; default the machine's local offset. */
  offsetMinutes?: number;
  /** SPM-4 (HL7 table 0487, e.g. `{ code: 'UR', display: 'Urine' }`); without it no SPM is sent. */
  specimenType?: { code: string; display?: string; system?: string };
}

export { DEFAULT_LOCAL_CODE_SYSTEM };

const LOINC_SYSTEM = /^(LN|LOINC)$/i;

// UCUM codes analyzers commonly report, beyond the vital-sign units model/units.ts knows.
// Case matters in UCUM: `meq/L` is valid, `mEq/L` is not.
const LAB_UCUM = new Set([
  '10*3/uL',
  '10*6/uL',
  '10*9/L',
  '10*12/L',
  '/uL',
  '/[HPF]',
  '/[LPF]',
  'U/L',
  'U/mL',
  'kU/L',
  '[IU]/L',
  '[IU]/mL',
  'm[IU]/L',
  'm[IU]/mL',
  'u[IU]/mL',
  'meq/L',
  'mmol/mol',
  'umol/L',
  'nmol/L',
  'pmol/L',
  'mol/L',
  'g/L',
  'mg/L',
  'ug/L',
  'ng/L',
  'ug/mL',
  'ng/mL',
  'pg/mL',
  'ug/dL',
  'ng/dL',
  'fL',
  'pg',
  'mm/h',
  'mosm/kg',
  'mg/g',
  'mg/mmol',
  'mL/min/{1.73_m2}',
  'mL/min',
  '{ratio}',
  '{INR}',
  '[pH]',
  '{titer}',
]);

// HL7 SN comparators (`>`, `<`, `>=`, `<=`, `=`, `<>`) followed by an NM value.
const COMPARATOR_NUMBER = /^\s*(<>|<=|>=|<|>|=)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*$/;

function localSystem(own: string, ctx: Pick<LabOruContext, 'localCodeSystem'>): string {
  return wireLocalCodeSystem(own, ctx.localCodeSystem);
}

/** OBX-3: LOINC primary with the local code (or MDC) as alternate; the local code alone otherwise. */
export function labObservationIdentifier(code: ObservationCode, ctx: Pick<LabOruContext, 'localCodeSystem'>): string {
  const local = code.local;
  const mdc = code.mdc;
  if (code.loinc) {
    const primary = [esc(code.loinc), esc(code.display ?? local?.display ?? ''), 'LN'];
    if (local) {
      return components([...primary, esc(local.code), esc(local.display ?? code.display ?? ''), esc(localSystem(local.system, ctx))]);
    }
    if (mdc) return components([...primary, mdc.code === undefined ? '' : String(mdc.code), esc(mdc.ref), 'MDC']);
    return components(primary);
  }
  if (local) return components([esc(local.code), esc(local.display ?? code.display ?? ''), esc(localSystem(local.system, ctx))]);
  if (mdc) return components([mdc.code === undefined ? '' : String(mdc.code), esc(mdc.ref), 'MDC']);
  return components(['', esc(code.display ?? '')]);
}

/** True for UCUM codes this encoder can vouch for. */
export function isKnownUcum(unit: string): boolean {
  return canonicalUnit(unit) === unit || LAB_UCUM.has(unit);
}

/** OBX-6: `u^u^UCUM` for a known UCUM code, else the unit text alone. */
export function labUnitsField(unit: string | undefined): string {
  if (unit === undefined || unit === '') return '';
  const u = esc(unit);
  return isKnownUcum(unit) ? `${u}^${u}^UCUM` : u;
}

/** OBX-5 SN for `<5`, `>= 10.0`...; undefined for any other text. */
export function structuredNumeric(text: string): string | undefined {
  const m = COMPARATOR_NUMBER.exec(text);
  return m ? `${m[1]}^${m[2]}` : undefined;
}

interface ValueCell {
  type: string;
  value: string;
}

function valueCells(obs: Observation, what: string): ValueCell[] {
  const v = obs.value;
  if (typeof v === 'number') return [{ type: 'NM', value: nmText(v, obs.precision, what) }];
  if (typeof v === 'string') {
    const sn = structuredNumeric(v);
    return [sn === undefined ? { type: 'ST', value: esc(v) } : { type: 'SN', value: sn }];
  }
  if (v.kind === 'attachment') return [{ type: 'ED', value: encapsulatedData(v.mediaType, v.base64, '2.5.1') }];
  return v.leads.map((lead) => ({ type: 'NA', value: lead.samples.map((s) => nmText(s, undefined, what)).join('^') }));
}

/** OBR-25 from the results' OBX-11. */
export function orderResultStatus(observations: Observation[]): 'F' | 'C' | 'P' {
  if (observations.some((o) => o.status === 'P')) return 'P';
  if (observations.some((o) => o.status === 'C')) return 'C';
  return 'F';
}

/** A segment from field numbers to values (gaps left empty); not for MSH, whose numbering is shifted. */
export function numbered(name: string, byNumber: Record<number, string>): string {
  // As segment() writes it (trailing empty fields dropped), without the array of gaps in between.
  let last = 0;
  for (const key in byNumber) {
    const n = Number(key);
    if (n > last && byNumber[n] !== '') last = n;
  }
  let out = name;
  for (let n = 1; n <= last; n++) out += `|${byNumber[n] ?? ''}`;
  return `${out}\r`;
}

/** NTE segments (NTE-2 `L`: comment from the filler side), one per non-blank text. */
export function notes(texts: string[] | undefined): string {
  let out = '';
  let setId = 0;
  for (const text of texts ?? []) {
    if (text.trim() === '') continue;
    setId++;
    out += numbered('NTE', { 1: String(setId), 2: 'L', 3: escapeFormattedText(text) });
  }
  return out;
}

/** OBR-4 for one ordered test: its LOINC (with the analyzer's code as alternate) when its result is mapped, else the analyzer's code. */
function testServiceId(test: LocalCode, observations: Observation[], ctx: LabOruContext): string {
  const mapped = observations.find((o) => o.code.local?.code === test.code && o.code.loinc !== undefined);
  if (mapped) return labObservationIdentifier(mapped.code, ctx);
  const system = LOINC_SYSTEM.test(test.system) ? 'LN' : localSystem(test.system, ctx);
  return components([esc(test.code), esc(test.display ?? ''), esc(system)]);
}

function deviceServiceId(ctx: LabOruContext): string {
  const d = ctx.device;
  return components([esc(d.id), esc(d.label ?? d.id), esc(localSystem('', ctx))]);
}

interface OrderGroup {
  /** OBR-4, already escaped. */
  service: string;
  observations: Observation[];
}

/**
 * One ORDER_OBSERVATION group per test the analyzer says was ordered, when it lists several (an
 * ASTM O record ordering a whole urine strip): each result sits under the OBR that names its own
 * test, as an HL7 analyzer reports one OBR per order. Results for no listed test (a calculated
 * value the analyzer adds) follow under an OBR naming the device. One test or a panel: one group.
 */
export function orderGroups(reading: Reading, ctx: LabOruContext): OrderGroup[] {
  const tests = reading.order?.tests;
  if (!tests || tests.length < 2) {
    const code = reading.order?.code;
    return [{ service: code ? testServiceId(code, reading.observations, ctx) : deviceServiceId(ctx), observations: reading.observations }];
  }
  const groups: OrderGroup[] = [];
  const placed = new Set<Observation>();
  for (const test of tests) {
    const observations = reading.observations.filter((o) => !placed.has(o) && o.code.local?.code === test.code);
    if (observations.length === 0) continue;
    for (const o of observations) placed.add(o);
    groups.push({ service: testServiceId(test, observations, ctx), observations });
  }
  const rest = reading.observations.filter((o) => !placed.has(o));
  if (rest.length > 0) groups.push({ service: deviceServiceId(ctx), observations: rest });
  return groups;
}

/**
 * The reading split by the EHR orders its results answer (`orderParts`), each part carrying its own
 * order's numbers; a reading without parts (one order, or stored before parts existed) is one part.
 * An observation no part lists goes with the reading's own order numbers.
 */
export function orderParts(reading: Reading): Reading[] {
  const { orderParts: parts, ...whole } = reading;
  if (!parts || parts.length === 0) return [reading];
  const out: Reading[] = [];
  const add = (numbers: { placer?: string; filler?: string }, observations: Observation[]): void => {
    if (observations.length === 0) return;
    const { placer: _placer, filler: _filler, ...order } = reading.order ?? {};
    if (numbers.placer !== undefined) Object.assign(order, { placer: numbers.placer });
    if (numbers.filler !== undefined) Object.assign(order, { filler: numbers.filler });
    out.push({ ...whole, order, observations });
  };
  const placed = new Set<number>();
  for (const part of parts) {
    const indexes = part.observations.filter((i) => !placed.has(i) && reading.observations[i] !== undefined);
    for (const i of indexes) placed.add(i);
    add(
      part,
      indexes.map((i) => reading.observations[i] as Observation),
    );
  }
  add(
    reading.order ?? {},
    reading.observations.filter((_, i) => !placed.has(i)),
  );
  return out.length > 0 ? out : [reading];
}

/** SPM-4: the specimen type the reading names when it is a table 0487 code, else the device's configured one. */
function specimenTypeField(reading: Reading, ctx: LabOruContext): string | undefined {
  // The reading's own type (what the analyzer sent, else the device's configured one, set by the
  // normalizer); the context's only for readings stored before readings carried it. SPM-4 is bound
  // to table 0487: a type known only by its table 0070 code (capillary blood) or by the analyzer's
  // own word is not sent there, and never replaced by another specimen's code.
  const own = reading.specimen?.type;
  const type = own ?? (ctx.specimenType && { ...ctx.specimenType, system: ctx.specimenType.system ?? SPECIMEN_TABLE });
  if (type === undefined || type.system !== SPECIMEN_TABLE) return undefined;
  return components([esc(type.code), esc(type.display ?? ''), esc(type.system ?? 'HL70487')]);
}

interface Row {
  obs: Observation;
  id: string;
  cell: ValueCell;
}

/** The MSH of a v2.5.1 ORU^R01 (the patient result and the QC result alike); `now` is MSH-7, already formatted. */
export function labMsh(ctx: Omit<OruHeaderContext, 'patient' | 'visit'>, now: string): string {
  return segment([
    'MSH',
    '^~\\&',
    esc(ctx.sendingApplication.name),
    esc(ctx.sendingFacility ?? ''),
    esc(ctx.receivingApplication ?? ''),
    esc(ctx.receivingFacility ?? ''),
    now,
    '',
    'ORU^R01^ORU_R01',
    esc(ctx.controlId),
    ctx.processingId ?? 'P',
    '2.5.1',
    '',
    '',
    '',
    '',
    '',
    'UNICODE UTF-8',
  ]);
}

/**
 * The ORU^R01 v2.5.1 text, segments ending in CR. Throws RangeError only for what normalize() never
 * lets through: a non-ISO timestamp or a non-finite number.
 */
export function encodeOruLab(reading: Reading, ctx: LabOruContext): string {
  // The application by name only: EUI-64 is not a universal ID type of v2.5.1 (table 0301); the
  // PCD-01 profile alone (v2.6, IHE PCD TF-2) brings it.
  const app = { name: ctx.sendingApplication.name };
  const now = hl7Timestamp(ctx.now, ctx.offsetMinutes);
  const dtm = timestampMemo();
  let out = labMsh(ctx, now);

  const p = ctx.patient;
  out += numbered('PID', { 1: '1', 3: patientIdentifier(p), 5: patientName(p), 7: birthDate(p.dob), 8: administrativeSex(p.sex) });
  if (ctx.visit) out += pv1(ctx.visit);

  const ownFiller = entityIdentifier(reading.specimen?.id || reading.id, app);
  const collectedAt = reading.specimen?.collectedAt;
  const specimen = reading.specimen;
  const spm4 = specimenTypeField(reading, ctx);

  const groups = orderParts(reading).flatMap((part) => {
    const placer = orderNumber(part.order?.placer) ?? '';
    const filler = orderNumber(part.order?.filler) ?? ownFiller;
    return orderGroups(part, ctx).map((group) => ({ ...group, placer, filler }));
  });
  for (const [g, { placer, filler, ...group }] of groups.entries()) {
    out += numbered('ORC', { 1: 'RE', 2: placer, 3: filler });
    out += numbered('OBR', {
      1: String(g + 1),
      2: placer,
      3: filler,
      4: group.service,
      7: dtm(collectedAt ?? reading.observedAt),
      22: now,
      25: orderResultStatus(group.observations),
    });
    // Comments on the order as a whole go with its first OBR.
    if (g === 0) out += notes(reading.comments);
    out += observationRows(group.observations, reading, ctx, dtm);
    if (specimen && specimen.id !== '' && spm4 !== undefined) {
      out += numbered('SPM', {
        1: '1',
        2: `^${entityIdentifier(specimen.id, app, '&')}`,
        4: spm4,
        17: collectedAt === undefined ? '' : dtm(collectedAt),
      });
    }
  }
  return out;
}

/** The OBX rows (and their NTEs) of one order group; set IDs count from 1 within the group. */
function observationRows(observations: Observation[], reading: Reading, ctx: LabOruContext, dtm: (iso: string) => string): string {
  const rows: Row[] = [];
  const uses = new Map<string, number>();
  for (const obs of observations) {
    const id = labObservationIdentifier(obs.code, ctx);
    const what = `observation ${obs.code.loinc ?? obs.code.local?.code ?? obs.code.mdc?.ref ?? ''}`;
    for (const cell of valueCells(obs, what)) {
      rows.push({ obs, id, cell });
      uses.set(id, (uses.get(id) ?? 0) + 1);
    }
  }
  const collectedAt = reading.specimen?.collectedAt;
  let out = '';
  const seen = new Map<string, number>();
  for (const [i, { obs, id, cell }] of rows.entries()) {
    const occurrence = (seen.get(id) ?? 0) + 1;
    seen.set(id, occurrence);
    const analysedAt = obs.observedAt ?? reading.observedAt;
    out += numbered('OBX', {
      1: String(i + 1),
      2: cell.type,
      3: id,
      4: (uses.get(id) ?? 0) > 1 ? String(occurrence) : '',
      5: cell.value,
      6: labUnitsField(obs.unit),
      7: esc(obs.referenceRange ?? ''),
      8: (obs.flags ?? []).map((flag) => esc(flag)).join('~'),
      11: obs.status,
      14: dtm(collectedAt ?? analysedAt),
      17: obs.method === undefined ? '' : components(['', esc(obs.method)]),
      18: equipmentIdentifier({ reported: obs.equipment ?? reading.equipment, deviceId: ctx.device.id, assigner: ctx.sendingApplication.name }),
      19: dtm(analysedAt),
    });
    // An observation's comments follow its last row.
    if (rows[i + 1]?.obs !== obs) out += notes(obs.comments);
  }
  return out;
}
