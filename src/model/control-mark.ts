// How a driver says "this specimen is control material, not a patient's": the analyzer marked it so
// on the wire. The gateway then files the results in the QC log (src/qc/) and never as a patient
// reading. Analyzers that mark QC only by sample ID are recognised by the device's `qc` settings
// instead (src/qc/recognise.ts), so a driver sets this only for what the wire itself says.

/**
 * - `control`: quality-control material (ASTM O-12 action code `Q`; HL7 specimen role, table 0369,
 *   in SPM-11 or OBR-15.7: `Q`, `E`, `B`, `F`, `O`, `R`; OBR-11 `Q`, a vendor convention);
 * - `calibrator`: calibration material (table 0369 `C`, `V`): never a patient's, logged with the QC
 *   runs and never judged by the QC rules.
 */
export type ControlRole = 'control' | 'calibrator';

export interface ControlMark {
  role: ControlRole;
  /** Where on the wire it was marked, for the log and the page: "ASTM O-12 Q", "HL7 SPM-11 Q" (or its other non-patient roles), "HL7 OBR-15.7 Q", "HL7 OBR-11 Q". */
  marker: string;
  /** The control lot when the analyzer names it apart from the specimen ID (HL7 INV, a vendor field); else the specimen ID is the lot. */
  lot?: string;
  /** The control level (1, 2, 3; "low", "high") when the analyzer names it. */
  level?: string;
  /** The control material's name when the analyzer names it ("PreciControl ClinChem Multi 1"). */
  material?: string;
  /** The lot's expiry (YYYY-MM-DD) when the analyzer sends it. */
  expires?: string;
}

/**
 * The lot a driver gives a patient's sample re-run as a control (HL7 table 0369 `R`): never the
 * sample ID, which is a patient's; such results are logged and never judged (no target fits them).
 */
export const PATIENT_REPLICATE_LOT = 'patient-replicate';
