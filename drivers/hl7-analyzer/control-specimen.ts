// Whether an order's specimen is control or calibrator material, from what the message itself says
// (never from the specimen ID: the device's `qc` settings do that in the core). See
// docs/protocols.md#quality-control-results-on-the-wire.

import { PATIENT_REPLICATE_LOT, type ControlMark, type ControlRole } from '../../src/model/control-mark.ts';
import { dtmToDate } from '../../src/hl7/datetime.ts';
import { nonNull, type Hl7Reader, type Segment } from './hl7-text.ts';

/**
 * HL7 v2.5.1 table 0369 (specimen role: SPM-11, and OBR-15 SPS component 7) codes that are never a
 * patient's specimen. P (patient, also the meaning of an empty role), G (group) and L (pool) are
 * patient material and H (historical) a patient's earlier specimen: those stay patient results.
 */
const SPECIMEN_ROLES: Readonly<Record<string, ControlRole>> = {
  Q: 'control', // control specimen
  E: 'control', // electronic QC: a manufactured reference that simulates QC results
  B: 'control', // blind sample: QC material the lab cannot tell from a patient's
  F: 'control', // proficiency testing of the organisation (filler)
  O: 'control', // proficiency testing of an operator
  R: 'control', // replicate of a patient sample used as a control: never a second patient result
  C: 'calibrator', // calibrator, initial setting of calibration
  V: 'calibrator', // verifying calibrator, periodic calibration checks
};

/** HL7 v2.5.1 table 0384 (substance type, INV-3): CO control reagent, RC reagent calibrator, or none given. */
const MATERIAL_SUBSTANCES = ['CO', 'RC', ''];

/** What one place on the wire says about the specimen's role: `mark` for a control or calibrator; `named` when it names any role. */
export interface RoleRead {
  mark?: ControlMark;
  named: boolean;
}

/**
 * SPM-11 (every repetition; the first role of table 0369 above). A control code wins over a patient
 * one in the same field, to keep a contradictory specimen out of the chart.
 */
export function specimenRoleOf(r: Hl7Reader, spm: Segment | undefined): RoleRead {
  const codes = r.repetitions(spm, 11).map((rep) => r.text(r.part(rep, 1)).toUpperCase());
  return roleOf(codes, 'HL7 SPM-11');
}

/**
 * The control mark of one order, from the first of: SPM-11; OBR-15 component 7 (SPS specimen role,
 * table 0369, where v2.3 to 2.5 senders without SPM put it); OBR-11 `Q`. Table 0065 (specimen action
 * code, OBR-11) has no `Q` in v2.1 to 2.8; analyzers that learned their codes from ASTM E1394 O-12
 * ("Q: treat specimen as a Q/C test specimen") send it there, so it is read as that. `shared`: the
 * mark of another specimen of the same PATIENT_RESULT, taken when this order names no role at all.
 * `invs`: the INVs of the specimen's container (OUL^R22 `SAC [INV]`); the first of a material
 * substance type names the material: INV-1 substance identifier (text, else code), INV-12 expiry,
 * INV-16 manufacturer lot number (the cobas pure sends none: the material's name only).
 */
export function controlMarkOf(
  r: Hl7Reader,
  obr: Segment,
  spm: Segment | undefined,
  invs: readonly Segment[] = [],
  shared?: ControlMark,
): ControlMark | undefined {
  const fromSpm = specimenRoleOf(r, spm);
  const fromObr = roleOf([r.get(obr, 15, 7, 1).toUpperCase()], 'HL7 OBR-15.7');
  const named = fromSpm.mark !== undefined || fromSpm.named || fromObr.mark !== undefined || fromObr.named;
  const found = fromSpm.mark ?? fromObr.mark ?? actionCodeMark(r, obr) ?? (named || spm !== undefined || shared === undefined ? undefined : { ...shared });
  if (found === undefined) return undefined;
  const mark: ControlMark = { role: found.role, marker: found.marker };
  const material = materialOf(
    r,
    invs.find((inv) => MATERIAL_SUBSTANCES.includes(r.get(inv, 3, 1).toUpperCase())),
  );
  const expires = material.expires ?? dtmToDate(r.get(spm, 19, 1));
  if (material.name !== undefined) mark.material = material.name;
  if (material.lot !== undefined) mark.lot = material.lot;
  // The marker ends in the table 0369 code it was read from.
  if (mark.marker.endsWith(' R')) mark.lot = PATIENT_REPLICATE_LOT;
  if (expires !== undefined) mark.expires = expires;
  return mark;
}

function roleOf(codes: readonly string[], where: string): RoleRead {
  for (const code of codes) {
    const role = SPECIMEN_ROLES[code];
    if (role !== undefined) return { mark: { role, marker: `${where} ${code}` }, named: true };
  }
  return { named: codes.some((c) => nonNull(c) !== '') };
}

function actionCodeMark(r: Hl7Reader, obr: Segment): ControlMark | undefined {
  return r.get(obr, 11, 1).toUpperCase() === 'Q' ? { role: 'control', marker: 'HL7 OBR-11 Q' } : undefined;
}

function materialOf(r: Hl7Reader, inv: Segment | undefined): { name?: string; lot?: string; expires?: string } {
  if (inv === undefined) return {};
  const out: { name?: string; lot?: string; expires?: string } = {};
  const name = nonNull(r.get(inv, 1, 2)) || nonNull(r.get(inv, 1, 1));
  if (name !== '') out.name = name;
  const lot = nonNull(r.get(inv, 16, 1));
  if (lot !== '') out.lot = lot;
  const expires = dtmToDate(r.get(inv, 12, 1));
  if (expires !== undefined) out.expires = expires;
  return out;
}
