// Specimen types: what an analyzer says it tested (ASTM O-record specimen descriptor, HL7 OBR-15 or
// SPM-4, or the device's configured specimen) reduced to one code, so a code mapping can name the
// specimen it is for and a serum code is never given to a urine result.
//
// Codes are HL7 table 0487 as printed in v2.5.1 (specimen type, SPM-4) where it has one: SER
// serum, PLAS plasma, PPP platelet-poor plasma, WB whole blood, UR urine, URC urine clean catch,
// URT urine catheter, SAL saliva, STL stool, SPT sputum. That print has no arterial, capillary or
// venous blood and no CSF (later versions added them): those keep their table 0070 codes
// (specimen source, OBR-15 before v2.7): BLDA, BLDC, BLDV, CSF. The 0070 code for whole blood,
// BLD, reads as WB. The words analyzers write in the ASTM specimen descriptor (E1394 8.4.16 leaves
// it to the vendor) are matched case-insensitively.

import type { SpecimenType } from './reading.ts';

export const SPECIMEN_TABLE = 'HL70487';
export const SPECIMEN_SOURCE_TABLE = 'HL70070';

const KNOWN: Record<string, { display: string; system: string }> = {
  SER: { display: 'Serum', system: SPECIMEN_TABLE },
  PLAS: { display: 'Plasma', system: SPECIMEN_TABLE },
  PPP: { display: 'Platelet poor plasma', system: SPECIMEN_TABLE },
  WB: { display: 'Whole blood', system: SPECIMEN_TABLE },
  UR: { display: 'Urine', system: SPECIMEN_TABLE },
  URC: { display: 'Urine clean catch', system: SPECIMEN_TABLE },
  URT: { display: 'Urine catheter', system: SPECIMEN_TABLE },
  SAL: { display: 'Saliva', system: SPECIMEN_TABLE },
  STL: { display: 'Stool = Fecal', system: SPECIMEN_TABLE },
  SPT: { display: 'Sputum', system: SPECIMEN_TABLE },
  BLDA: { display: 'Blood arterial', system: SPECIMEN_SOURCE_TABLE },
  BLDC: { display: 'Blood capillary', system: SPECIMEN_SOURCE_TABLE },
  BLDV: { display: 'Blood venous', system: SPECIMEN_SOURCE_TABLE },
  CSF: { display: 'Cerebral spinal fluid', system: SPECIMEN_SOURCE_TABLE },
};

// Words, abbreviations and other tables' codes seen in analyzer output, folded to lower case.
const SYNONYMS: Record<string, string> = {
  bld: 'WB',
  serum: 'SER',
  s: 'SER',
  plasma: 'PLAS',
  p: 'PLAS',
  'platelet poor plasma': 'PPP',
  'whole blood': 'WB',
  wholeblood: 'WB',
  blood: 'WB',
  'arterial blood': 'BLDA',
  'capillary blood': 'BLDC',
  'venous blood': 'BLDV',
  urine: 'UR',
  u: 'UR',
  uri: 'UR',
  'urine clean catch': 'URC',
  'urine catheter': 'URT',
  'cerebrospinal fluid': 'CSF',
  'cerebral spinal fluid': 'CSF',
  saliva: 'SAL',
  stool: 'STL',
  feces: 'STL',
  sputum: 'SPT',
};

/** The code for what a sender wrote (`serum`, `SER`, `BLD`, `Urine`), or undefined when it is not one we know. */
export function specimenCode(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t === '') return undefined;
  const upper = t.toUpperCase();
  if (Object.hasOwn(KNOWN, upper)) return upper;
  const word = t.toLowerCase().replace(/[\s_-]+/g, ' ');
  return Object.hasOwn(SYNONYMS, word) ? SYNONYMS[word] : undefined;
}

/**
 * The specimen type as the reading keeps it: the code with its display and table (0487, or 0070
 * where 0487 has none) when the text is known; otherwise the text as sent (no system), so a mapping may still name it literally and
 * nothing claims a code the sender did not give.
 */
export function specimenType(text: string | undefined): SpecimenType | undefined {
  const code = specimenCode(text);
  const known = code === undefined ? undefined : KNOWN[code];
  if (code !== undefined && known !== undefined) return { code, display: known.display, system: known.system };
  const t = text?.trim() ?? '';
  return t === '' ? undefined : { code: t };
}

/** True when a mapping's specimen (a 0487 code, a word, or the analyzer's own text) names this specimen type. */
export function sameSpecimen(named: string, type: SpecimenType): boolean {
  const code = specimenCode(named);
  if (code !== undefined && type.system !== undefined) return code === type.code;
  return named.trim().toLowerCase() === type.code.trim().toLowerCase();
}
