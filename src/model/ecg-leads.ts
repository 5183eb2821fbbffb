// IEEE 11073-10101 codes of the ECG lead voltages: MDC_ECG_ELEC_POTL (2::256) plus the lead's term
// code in the ECG lead table (MDC_ECG_LEAD_I 2::1, II 2::2, V1..V6 2::3..8, III 2::61, aVR 2::62,
// aVL 2::63, aVF 2::64). The lead codes are DICOM PS3.16 CID 3001 "ECG Lead" (reprinted from
// 11073-10101 by IEEE permission); 131328 MDC_ECG_ELEC_POTL, 131329 _I, 131330 _II and 131389 _III
// are the codes of the FHIR R4 Observation example "ekg". Numeric code = partition * 65536 + term.

import type { MdcCode } from './reading.ts';

const SCADA = 2 * 65536;

/** The electrical potential of the heart, any lead: a rhythm waveform as a whole. */
export const ECG_ELEC_POTL: Required<MdcCode> = { ref: 'MDC_ECG_ELEC_POTL', code: SCADA + 256 };

/** The 12 standard leads in display order, with their term codes in the MDC_ECG_LEAD table. */
const LEAD_TERMS = [
  ['I', 1],
  ['II', 2],
  ['III', 61],
  ['aVR', 62],
  ['aVL', 63],
  ['aVF', 64],
  ['V1', 3],
  ['V2', 4],
  ['V3', 5],
  ['V4', 6],
  ['V5', 7],
  ['V6', 8],
] as const;

export type StandardLead = (typeof LEAD_TERMS)[number][0];

export const STANDARD_LEADS: readonly StandardLead[] = LEAD_TERMS.map(([name]) => name);

const BY_NAME = new Map<string, Required<MdcCode>>(
  LEAD_TERMS.map(([name, term]) => [name.toUpperCase(), { ref: `${ECG_ELEC_POTL.ref}_${name.toUpperCase()}`, code: ECG_ELEC_POTL.code + term }]),
);

/**
 * The lead voltage code for a lead name (`I`, `aVR`, `V1`; case-insensitive). A lead outside the 12
 * (V3R, V7) gets its REFID without a numeric code: it is not in the table above, and a receiver
 * must never see a made-up number.
 */
export function ecgLeadCode(name: string): MdcCode {
  const key = name.trim().toUpperCase();
  return BY_NAME.get(key) ?? { ref: `${ECG_ELEC_POTL.ref}_${key.replace(/[^A-Z0-9]/g, '_')}` };
}
