// Whether an order's specimen is control or calibrator material, from what the message itself says
// (never from the specimen ID: the device's `qc` settings do that in the core). See
// docs/protocols.md#quality-control-results-on-the-wire.

import type { ControlMark, ControlRole } from '../../src/model/control-mark.ts';
import { dtmToDate } from '../../src/hl7/datetime.ts';
import type { Hl7Reader, Segment } from './hl7-text.ts';

/**
 * HL7 v2.5.1 table 0369 (specimen role, SPM-11) codes that are never a patient's specimen. P
 * (patient, also the meaning of an empty SPM-11), G (group) and L (pool) are patient material and H
 * (historical) a patient's earlier specimen: those stay patient results.
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

/** HL7 v2.5.1 table 0384 (substance type, INV-3) code of control material. */
const CONTROL_SUBSTANCE = 'CO';

/**
 * The control mark of one order: SPM-11 (every repetition; the first role of table 0369 above), else
 * OBR-11 `Q`. Table 0065 (specimen action code, OBR-11) has no `Q` in v2.1 to 2.8; analyzers that
 * learned their codes from ASTM E1394 O-12 ("Q: treat specimen as a Q/C test specimen") send it
 * there, so it is read as that. `invs`: the INVs of the specimen's container (OUL^R22 `SAC [INV]`);
 * the first of substance type control (table 0384 `CO`, or no type) names the material: INV-1
 * substance identifier (text, else code), INV-12 expiry, INV-16 manufacturer lot number.
 */
export function controlMarkOf(r: Hl7Reader, obr: Segment, spm: Segment | undefined, invs: readonly Segment[] = []): ControlMark | undefined {
  const mark = roleMark(r, spm) ?? actionCodeMark(r, obr);
  if (mark === undefined) return undefined;
  const material = materialOf(
    r,
    invs.find((inv) => [CONTROL_SUBSTANCE, ''].includes(r.get(inv, 3, 1).toUpperCase())),
  );
  const expires = material.expires ?? dtmToDate(r.get(spm, 19, 1));
  if (material.name !== undefined) mark.material = material.name;
  if (material.lot !== undefined) mark.lot = material.lot;
  if (expires !== undefined) mark.expires = expires;
  return mark;
}

function roleMark(r: Hl7Reader, spm: Segment | undefined): ControlMark | undefined {
  for (const rep of r.repetitions(spm, 11)) {
    const code = r.text(r.part(rep, 1)).toUpperCase();
    const role = SPECIMEN_ROLES[code];
    if (role !== undefined) return { role, marker: `HL7 SPM-11 ${code}` };
  }
  return undefined;
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

/** `""` is HL7's explicit null (v2.5.1 section 2.5.3): no value. */
export function nonNull(value: string): string {
  return value === '""' ? '' : value;
}
