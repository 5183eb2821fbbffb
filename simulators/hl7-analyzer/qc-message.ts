// One control specimen as the HL7 analyzer sends it: ORU^R01 (HL7 v2.5.1; the PATIENT group of
// ORU_R01 is optional, so no PID: a control belongs to no patient), one OBR for the QC run, an OBX
// per test, and SPM with the control's sample ID in SPM-2 and, marked on the wire, specimen role
// `Q` in SPM-11 (HL7 table 0369: Q control specimen, C calibrator, P patient, the default when
// empty). Marked only by sample ID, SPM-11 stays empty. Pure.

import { hl7Timestamp } from '../../src/hl7/datetime.ts';
import { escapeHl7 } from '../../src/hl7/escape.ts';
import type { QcMark } from '../qc-material.ts';
import type { QcSpecimen } from '../qc-runs.ts';

export function qcMessage(specimen: QcSpecimen, mark: QcMark, controlId: string, now: Date, names: ReadonlyMap<string, string>): string {
  const e = escapeHl7;
  const at = hl7Timestamp(now, 0);
  const sampleId = e(specimen.sampleId ?? specimen.lot);
  const segs = [
    `MSH|^~\\&|SIMLAB|SIMLAB-LAB|MEDGATE|CLINIC|${at}||ORU^R01^ORU_R01|${controlId}|P|2.5.1|||NE|AL||UNICODE UTF-8`,
    `OBR|1||${sampleId}|QC^Quality control^99SIM|||${at}|||||||||||||||${at}||LAB|F`,
  ];
  specimen.results.forEach((r, i) => {
    const id = `${e(r.test)}^${e(names.get(r.test) ?? r.test)}^99SIM`;
    // OBX-11 F (final), OBX-14 when measured, OBX-18 the instrument.
    segs.push(`OBX|${i + 1}|NM|${id}||${e(r.value)}|${e(r.unit ?? '')}|||||F|||${at}||||SIMLAB-SN0001`);
  });
  const spm = Array<string>(18).fill('');
  spm[0] = 'SPM';
  spm[1] = '1';
  spm[2] = sampleId;
  // Control material is serum-based (SPM-4, HL7 table 0487).
  spm[4] = 'SER^Serum^HL70487';
  spm[11] = mark === 'wire' ? 'Q' : '';
  spm[17] = at;
  segs.push(spm.join('|'));
  return `${segs.join('\r')}\r`;
}
