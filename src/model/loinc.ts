// What the gateway knows about a LOINC code: its scale (quantitative, ordinal, ...) and the specimen
// types its System axis admits. It decides whether a result may go out under that code: a
// quantitative code (a [Mass/volume] or [Moles/volume] ... term) never carries an ordinal or text
// value, and a code for serum never carries a urine result.
//
// Known codes come first: the codes this project ships (demo code maps, the vocabulary), each
// checked against the LOINC database's long common name, scale and system (LOINC 2.7x, loinc.org
// "Details" page of each code; the urine test-strip codes also as bound in HL7 Switzerland's
// CH EPREG FHIR guide, urine finding components). Any other code is judged by its long common name
// when the mapping gives one: LOINC writes the property in brackets (`[Mass/volume]`) and the
// system after "in" / "of" (LOINC Users' Guide, "Long Common Name"); a name that says neither
// leaves the code unjudged, and a code map entry may state the scale itself.

import type { SpecimenType } from './reading.ts';

/** LOINC Scale_Typ: Qn quantitative, Ord ordinal, OrdQn either, Nom nominal, Nar narrative. */
export type LoincScale = 'Qn' | 'Ord' | 'OrdQn' | 'Nom' | 'Nar';

export interface KnownLoinc {
  name: string;
  scale: LoincScale;
  /** Specimen codes (model/specimen.ts) the System axis admits; absent for codes without a specimen (vital signs). */
  specimens?: readonly string[];
}

const SER_PLAS = ['SER', 'PLAS'] as const;
const BLD = ['WB', 'BLDA', 'BLDC', 'BLDV'] as const;
const PLATELET_POOR = ['PLAS', 'PPP'] as const;
const URINE = ['UR', 'URC', 'URT'] as const;

const KNOWN: Record<string, KnownLoinc> = {
  // Chemistry, System Ser/Plas.
  '2345-7': { name: 'Glucose [Mass/volume] in Serum or Plasma', scale: 'Qn', specimens: SER_PLAS },
  '3094-0': { name: 'Urea nitrogen [Mass/volume] in Serum or Plasma', scale: 'Qn', specimens: SER_PLAS },
  '2160-0': { name: 'Creatinine [Mass/volume] in Serum or Plasma', scale: 'Qn', specimens: SER_PLAS },
  '2951-2': { name: 'Sodium [Moles/volume] in Serum or Plasma', scale: 'Qn', specimens: SER_PLAS },
  '2823-3': { name: 'Potassium [Moles/volume] in Serum or Plasma', scale: 'Qn', specimens: SER_PLAS },
  '2075-0': { name: 'Chloride [Moles/volume] in Serum or Plasma', scale: 'Qn', specimens: SER_PLAS },
  '2028-9': { name: 'Carbon dioxide, total [Moles/volume] in Serum or Plasma', scale: 'Qn', specimens: SER_PLAS },
  '17861-6': { name: 'Calcium [Mass/volume] in Serum or Plasma', scale: 'Qn', specimens: SER_PLAS },
  // Hematology, System Bld (787-2's System is RBC: the red cells of a blood specimen).
  '6690-2': { name: 'Leukocytes [#/volume] in Blood by Automated count', scale: 'Qn', specimens: BLD },
  '789-8': { name: 'Erythrocytes [#/volume] in Blood by Automated count', scale: 'Qn', specimens: BLD },
  '718-7': { name: 'Hemoglobin [Mass/volume] in Blood', scale: 'Qn', specimens: BLD },
  '4544-3': { name: 'Hematocrit [Volume Fraction] of Blood by Automated count', scale: 'Qn', specimens: BLD },
  '787-2': { name: 'MCV [Entitic volume] by Automated count', scale: 'Qn', specimens: BLD },
  '777-3': { name: 'Platelets [#/volume] in Blood by Automated count', scale: 'Qn', specimens: BLD },
  '4548-4': { name: 'Hemoglobin A1c/Hemoglobin.total in Blood', scale: 'Qn', specimens: BLD },
  '27353-2': { name: 'Glucose mean value [Mass/volume] in Blood Estimated from glycated hemoglobin', scale: 'Qn', specimens: BLD },
  // Coagulation, System PPP (platelet-poor plasma).
  '5902-2': { name: 'Prothrombin time (PT)', scale: 'Qn', specimens: PLATELET_POOR },
  '6301-6': { name: 'INR in Platelet poor plasma by Coagulation assay', scale: 'Qn', specimens: PLATELET_POOR },
  // Urine test strip (dipstick), System Urine: ordinal where the pad reads NEG / TRACE / 1+ ...
  '25428-4': { name: 'Glucose [Presence] in Urine by Test strip', scale: 'Ord', specimens: URINE },
  '20454-5': { name: 'Protein [Presence] in Urine by Test strip', scale: 'Ord', specimens: URINE },
  '2514-8': { name: 'Ketones [Presence] in Urine by Test strip', scale: 'Ord', specimens: URINE },
  '5794-3': { name: 'Hemoglobin [Presence] in Urine by Test strip', scale: 'Ord', specimens: URINE },
  '5799-2': { name: 'Leukocyte esterase [Presence] in Urine by Test strip', scale: 'Ord', specimens: URINE },
  '5802-4': { name: 'Nitrite [Presence] in Urine by Test strip', scale: 'Ord', specimens: URINE },
  '5803-2': { name: 'pH of Urine by Test strip', scale: 'Qn', specimens: URINE },
  '5811-5': { name: 'Specific gravity of Urine by Test strip', scale: 'Qn', specimens: URINE },
  // Their quantitative siblings: known so that an ordinal pad reading is never sent under them.
  '5792-7': { name: 'Glucose [Mass/volume] in Urine by Test strip', scale: 'Qn', specimens: URINE },
  '5804-0': { name: 'Protein [Mass/volume] in Urine by Test strip', scale: 'Qn', specimens: URINE },
  '5797-6': { name: 'Ketones [Mass/volume] in Urine by Test strip', scale: 'Qn', specimens: URINE },
  // The serum glucose code's urine counterpart, for analyzers that report urine glucose in mg/dL.
  '2350-7': { name: 'Glucose [Mass/volume] in Urine', scale: 'Qn', specimens: URINE },
};

/** The codes this project knows, for the README table and the tests. */
export function knownLoincCodes(): ReadonlyArray<[string, KnownLoinc]> {
  return Object.entries(KNOWN);
}

export function knownLoinc(code: string): KnownLoinc | undefined {
  return Object.hasOwn(KNOWN, code) ? KNOWN[code] : undefined;
}

// LOINC properties (the bracketed part of a long common name) and the scale they imply.
const QUANTITATIVE_PROPERTY =
  /\[(Mass|Moles|Substance|Catalytic|Enzymatic activity|Units|Arbitrary units|#|Volume|Entitic (?:volume|mass|length)|Mass fraction|Volume Fraction|Moles fraction|Mass ratio|Moles ratio|Ratio|Time|Length|Pressure|Velocity|Rate|Osmolality|Osmolarity|Temperature|Mass\/(?:volume|mass|time|area)|Moles\/(?:volume|mass|time|area)|#\/(?:volume|area|mass|time)|Units\/(?:volume|mass|time)|Volume\/(?:time|mass|area))[^\]]*\]/i;
const ORDINAL_PROPERTY = /\[(Presence|Presence or Threshold|Threshold|Interpretation)\]/i;
const NOMINAL_PROPERTY = /\[(Identifier|Type|Finding|Prid)\]/i;

/** The scale of a LOINC code: the known table, else what its long common name says; undefined when neither tells. */
export function loincScale(code: string, name?: string): LoincScale | undefined {
  const known = knownLoinc(code);
  if (known) return known.scale;
  if (name === undefined) return undefined;
  if (ORDINAL_PROPERTY.test(name)) return 'Ord';
  if (NOMINAL_PROPERTY.test(name)) return 'Nom';
  if (QUANTITATIVE_PROPERTY.test(name)) return 'Qn';
  return undefined;
}

// System phrases of long common names, most specific first.
const SYSTEM_PHRASES: Array<[RegExp, readonly string[]]> = [
  [/\b(?:in|of) Serum or Plasma\b/i, SER_PLAS],
  [/\b(?:in|of) Platelet poor plasma\b/i, PLATELET_POOR],
  [/\b(?:in|of) Serum\b/i, ['SER']],
  [/\b(?:in|of) Plasma\b/i, ['PLAS']],
  [/\b(?:in|of) Capillary blood\b/i, ['BLDC']],
  [/\b(?:in|of) Venous blood\b/i, ['BLDV']],
  [/\b(?:in|of) Arterial blood\b/i, ['BLDA']],
  [/\b(?:in|of) Blood\b/i, BLD],
  [/\b(?:in|of) Urine\b/i, URINE],
  [/\b(?:in|of) Cerebral spinal fluid\b/i, ['CSF']],
];

/** Specimen codes a LOINC code admits: the known table, else its long common name; undefined when neither tells. */
export function loincSpecimens(code: string, name?: string): readonly string[] | undefined {
  const known = knownLoinc(code);
  if (known) return known.specimens;
  if (name === undefined) return undefined;
  return SYSTEM_PHRASES.find(([phrase]) => phrase.test(name))?.[1];
}

/**
 * Whether a result of this specimen type may go out under the code: true when either side is
 * unknown (a text the table does not know, a code whose system is not known), since only a
 * certain disagreement holds a reading.
 */
export function loincAdmitsSpecimen(code: string, name: string | undefined, type: SpecimenType | undefined): boolean {
  if (type === undefined || type.system === undefined) return true;
  const admitted = loincSpecimens(code, name);
  return admitted === undefined || admitted.includes(type.code);
}
