// HL7 v2.5.1 ORU^R01 carrying quality-control results to a LIS that asked for them
// (`destinations[].receives` with 'qc'). Never a patient's message: there is no PATIENT group at
// all, and the control specimen is marked where a receiver looks for it.
//
//   MSH {OBR {NTE} OBX {NTE} SPM}
//
// Structure: v2.5.1 ORU_R01 = MSH [{SFT}] {PATIENT_RESULT} [DSC], PATIENT_RESULT = [PATIENT]
// {ORDER_OBSERVATION}: the PATIENT group (PID) is optional (HAPI's v2.5.1 ORU_R01 and
// ORU_R01_PATIENT_RESULT group classes), so a control result is sent without one rather than under
// an invented patient. ORDER_OBSERVATION = [ORC] OBR [{NTE}] ... [{OBX [{NTE}]}] ... [{SPECIMEN}],
// SPECIMEN = SPM [{OBX}].
//
// Choices where the standard leaves room:
// - One ORDER_OBSERVATION per QC entry (one test of one control run): OBR-3 the entry's id as
//   filler number, namespaced by MSH-3's application (a LIS dedupes redeliveries on it); OBR-4 and
//   OBX-3 the test as in patient results (LOINC with the analyzer's code as alternate when mapped),
//   the analyzer's code under the configured local system (99MDG unset: the log keeps no system);
//   OBR-7, OBX-14 and OBX-19 the time the analyzer measured it; OBR-25 and OBX-11 `F`. No ORC: QC
//   answers no order.
// - SPM-2 the control's sample ID as the analyzer sent it (the lot when it sent none); SPM-4
//   `QC3^Quality Control^HL70487` (table 0487, HL7 Terminology v2-0487 "Quality Control": the
//   specimen is control material, whatever matrix it imitates); SPM-11 table 0369 `Q` (control specimen) or `C` (calibrator).
// - The lot, level, material and expiry: v2.5.1 carries a control lot in INV (substance, with
//   INV-16 manufacturer lot), but INV belongs to OUL/ORL/ORM specimen-container groups and is not
//   part of ORU_R01, so they go in an NTE on the OBR ("control lot ... level ...") for people and a
//   LIS that reads comments.
// - OBX-8 `A` (table 0078: abnormal) when a Westgard rejection rule is violated; the rules, z and
//   target in an NTE after the OBX ("QC rejected: 1-3s; z 3.40; target 5.5 SD 0.15 mmol/L,
//   configured"). A warning (1-2s) and not-judged results carry no flag, only the NTE.
// - OBR-11 (specimen action code, table 0065) is not set: v2.5.1 table 0065 has no control code
//   (A, G, L, O, P, R, S); SPM-11 is where the role belongs.

import { hl7Timestamp, timestampMemo } from './datetime.ts';
import { equipmentIdentifier } from './equipment.ts';
import { escapeHl7 as esc } from './escape.ts';
import { nmText } from './nm.ts';
import { labMsh, labObservationIdentifier, labUnitsField, notes, numbered, structuredNumeric } from './oru-lab.ts';
import { components, entityIdentifier, type OruHeaderContext } from './segments.ts';

/** A QC log entry as this encoder needs it (src/qc/qc-view.ts QcEntryView has these fields). */
export interface QcResult {
  id: string;
  device: string;
  test: string;
  testName?: string;
  loinc?: string;
  lot: string;
  level?: string;
  material?: string;
  specimen?: string;
  value: number | string;
  unit?: string;
  time: string;
  role: 'control' | 'calibrator';
  z?: number;
  status: string;
  notJudged?: string;
  rules: ReadonlyArray<{ rule: string }>;
  target?: { mean: number; sd: number; unit?: string; source: string };
}

export interface QcOruContext extends Omit<OruHeaderContext, 'patient' | 'visit'> {
  /** Table 0396 local coding system for the analyzer's codes (as in patient results). */
  localCodeSystem?: string;
  /** UTC offset (minutes east) MSH-7 and OBR-22 are written in; default the machine's local offset. */
  offsetMinutes?: number;
}

/** SPM-4: table 0487 QC3, "Quality Control". */
const QC_SPECIMEN_TYPE = 'QC3^Quality Control^HL70487';
/** SPM-11, table 0369. */
const SPECIMEN_ROLE = { control: 'Q', calibrator: 'C' } as const;

/** The control as people name it: "control lot 4711, level 2, PreciControl ClinChem Multi 2, expires 2027-03-31". */
export function controlNote(e: Pick<QcResult, 'role' | 'lot' | 'level' | 'material'> & { expires?: string }): string {
  const parts = [`${e.role} lot ${e.lot}`];
  if (e.level !== undefined) parts.push(`level ${e.level}`);
  if (e.material !== undefined) parts.push(e.material);
  if (e.expires !== undefined) parts.push(`expires ${e.expires}`);
  return parts.join(', ');
}

/** "QC rejected: 1-3s, 2-2s; z 3.40; target 5.5 SD 0.15 mmol/L, configured", or why it was not judged. */
export function judgementNote(e: QcResult): string {
  const rules = e.rules.map((r) => r.rule).join(', ');
  let text = `QC ${e.status}`;
  if (rules !== '') text += `: ${rules}`;
  if (e.notJudged !== undefined) text += `: ${e.notJudged}`;
  if (e.z !== undefined) text += `; z ${e.z.toFixed(2)}`;
  const t = e.target;
  if (t !== undefined) text += `; target ${t.mean} SD ${t.sd}${t.unit ? ` ${t.unit}` : ''}, ${t.source}`;
  return text;
}

function valueCell(value: number | string, what: string): { type: string; value: string } {
  if (typeof value === 'number') return { type: 'NM', value: nmText(value, undefined, what) };
  const sn = structuredNumeric(value);
  return sn === undefined ? { type: 'ST', value: esc(value) } : { type: 'SN', value: sn };
}

/**
 * The ORU^R01 text for QC entries (one ORDER_OBSERVATION each), segments ending in CR. Throws
 * RangeError for a non-ISO time or a non-finite value (the QC service never stores either).
 */
export function encodeOruQc(entries: readonly QcResult[], ctx: QcOruContext): string {
  if (entries.length === 0) throw new RangeError('a QC message needs at least one QC entry');
  const app = { name: ctx.sendingApplication.name };
  const now = hl7Timestamp(ctx.now, ctx.offsetMinutes);
  const dtm = timestampMemo();
  let out = labMsh(ctx, now);
  for (const [g, e] of entries.entries()) {
    const code = { loinc: e.loinc, display: e.testName, local: { system: '', code: e.test, display: e.testName } };
    const service = labObservationIdentifier(code, ctx);
    const measured = dtm(e.time);
    out += numbered('OBR', { 1: String(g + 1), 3: entityIdentifier(e.id, app), 4: service, 7: measured, 22: now, 25: 'F' });
    out += notes([controlNote(e)]);
    const cell = valueCell(e.value, `QC result ${e.test}`);
    out += numbered('OBX', {
      1: '1',
      2: cell.type,
      3: service,
      5: cell.value,
      6: labUnitsField(e.unit),
      8: e.status === 'rejected' ? 'A' : '',
      11: 'F',
      14: measured,
      18: equipmentIdentifier({ deviceId: e.device, assigner: app.name }),
      19: measured,
    });
    out += notes([judgementNote(e)]);
    out += numbered('SPM', {
      1: '1',
      2: `^${entityIdentifier(e.specimen ?? e.lot, app, '&')}`,
      4: QC_SPECIMEN_TYPE,
      11: components([SPECIMEN_ROLE[e.role]]),
    });
  }
  return out;
}
