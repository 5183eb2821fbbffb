// The LOINC codes this project ships (src/model/vocabulary.ts, the ECG codes of the EKG drivers,
// the demo code maps in config/demo.json, the analyzer simulators), with the two LOINC axes the
// catalogue checks: Scale (Qn quantitative, Ord ordinal, Nom nominal, Nar narrative, Doc document,
// '-' panel) and System (the specimen). From each code's LOINC long common name and part list
// (loinc.org); a name with [Mass/volume], [Moles/volume], [#/volume], [Volume Fraction],
// [Entitic volume] ... names a quantitative property (LOINC Users' Guide, "Kind of property").
// Kept apart from src/model/loinc.ts on purpose: the test must not take the code under test's word.

export type Scale = 'Qn' | 'Ord' | 'Nom' | 'Nar' | 'Doc' | '-';

export interface LoincFacts {
  name: string;
  scale: Scale;
  /** LOINC System axis; undefined for observations of the patient (vital signs, ECG). */
  system?: 'Ser/Plas' | 'Bld' | 'BldA' | 'BldC' | 'RBC' | 'PPP' | 'Urine';
}

const l = (name: string, scale: Scale, system?: LoincFacts['system']): LoincFacts => (system ? { name, scale, system } : { name, scale });

export const LOINC: Readonly<Record<string, LoincFacts>> = {
  // Vital signs and body measurements (src/model/vocabulary.ts).
  '8480-6': l('Systolic blood pressure', 'Qn'),
  '8462-4': l('Diastolic blood pressure', 'Qn'),
  '8478-0': l('Mean blood pressure', 'Qn'),
  '85354-9': l('Blood pressure panel with all children optional', '-'),
  '8867-4': l('Heart rate', 'Qn'),
  '8889-8': l('Heart rate by Pulse oximetry', 'Qn'),
  '59408-5': l('Oxygen saturation in Arterial blood by Pulse oximetry', 'Qn', 'BldA'),
  '8310-5': l('Body temperature', 'Qn'),
  '29463-7': l('Body weight', 'Qn'),
  '8302-2': l('Body height', 'Qn'),
  '39156-5': l('Body mass index (BMI) [Ratio]', 'Qn'),
  '9279-1': l('Respiratory rate', 'Qn'),
  '41653-7': l('Glucose [Mass/volume] in Capillary blood by Glucometer', 'Qn', 'BldC'),
  '41982-0': l('Percentage of body fat Measured', 'Qn'),
  // Resting ECG (vocabulary ecg.*, drivers/_shared/ecg-codes.ts, OBR-4 of the EKG ORU).
  '8625-6': l('P-R Interval', 'Qn'),
  '8633-0': l('QRS duration', 'Qn'),
  '8634-8': l('Q-T interval', 'Qn'),
  '8636-3': l('Q-T interval corrected', 'Qn'),
  '8626-4': l('P wave axis', 'Qn'),
  '8632-2': l('QRS axis', 'Qn'),
  '8638-9': l('T wave axis', 'Qn'),
  '8601-7': l('EKG impression', 'Nar'),
  '11524-6': l('EKG study', 'Doc'),
  '34534-8': l('12 lead EKG panel', '-'),
  // Chemistry (demo code maps).
  '2345-7': l('Glucose [Mass/volume] in Serum or Plasma', 'Qn', 'Ser/Plas'),
  '3094-0': l('Urea nitrogen [Mass/volume] in Serum or Plasma', 'Qn', 'Ser/Plas'),
  '2160-0': l('Creatinine [Mass/volume] in Serum or Plasma', 'Qn', 'Ser/Plas'),
  '2951-2': l('Sodium [Moles/volume] in Serum or Plasma', 'Qn', 'Ser/Plas'),
  '2823-3': l('Potassium [Moles/volume] in Serum or Plasma', 'Qn', 'Ser/Plas'),
  '2075-0': l('Chloride [Moles/volume] in Serum or Plasma', 'Qn', 'Ser/Plas'),
  '2028-9': l('Carbon dioxide, total [Moles/volume] in Serum or Plasma', 'Qn', 'Ser/Plas'),
  '17861-6': l('Calcium [Mass/volume] in Serum or Plasma', 'Qn', 'Ser/Plas'),
  // Hematology and HbA1c.
  '6690-2': l('Leukocytes [#/volume] in Blood by Automated count', 'Qn', 'Bld'),
  '789-8': l('Erythrocytes [#/volume] in Blood by Automated count', 'Qn', 'Bld'),
  '718-7': l('Hemoglobin [Mass/volume] in Blood', 'Qn', 'Bld'),
  '4544-3': l('Hematocrit [Volume Fraction] of Blood by Automated count', 'Qn', 'Bld'),
  '787-2': l('MCV [Entitic volume] by Automated count', 'Qn', 'RBC'),
  '777-3': l('Platelets [#/volume] in Blood by Automated count', 'Qn', 'Bld'),
  '4548-4': l('Hemoglobin A1c/Hemoglobin.total in Blood', 'Qn', 'Bld'),
  '27353-2': l('Glucose mean value [Mass/volume] in Blood Estimated from glycated hemoglobin', 'Qn', 'Bld'),
  // Coagulation.
  '5902-2': l('Prothrombin time (PT)', 'Qn', 'PPP'),
  '6301-6': l('INR in Platelet poor plasma by Coagulation assay', 'Qn', 'PPP'),
  // Urinalysis by test strip.
  '25428-4': l('Glucose [Presence] in Urine by Test strip', 'Ord', 'Urine'),
  '5792-7': l('Glucose [Mass/volume] in Urine by Test strip', 'Qn', 'Urine'),
  '2350-7': l('Glucose [Mass/volume] in Urine', 'Qn', 'Urine'),
  '20454-5': l('Protein [Presence] in Urine by Test strip', 'Ord', 'Urine'),
  '5804-0': l('Protein [Mass/volume] in Urine by Test strip', 'Qn', 'Urine'),
  '5803-2': l('pH of Urine by Test strip', 'Qn', 'Urine'),
  '5811-5': l('Specific gravity of Urine by Test strip', 'Qn', 'Urine'),
  '2514-8': l('Ketones [Presence] in Urine by Test strip', 'Ord', 'Urine'),
  '5797-6': l('Ketones [Mass/volume] in Urine by Test strip', 'Qn', 'Urine'),
  '5794-3': l('Hemoglobin [Presence] in Urine by Test strip', 'Ord', 'Urine'),
  '5799-2': l('Leukocyte esterase [Presence] in Urine by Test strip', 'Ord', 'Urine'),
  '5802-4': l('Nitrite [Presence] in Urine by Test strip', 'Ord', 'Urine'),
};

/**
 * Which HL7 table 0487 specimen types (SPM-4) a LOINC System admits: serum or plasma for Ser/Plas,
 * blood for Bld (and its arterial, capillary, red-cell parts), platelet-poor plasma for PPP, urine
 * for Urine (HL7 v2.5.1 table 0487: SER, PLAS, BLD/WB, PPP, UR ...).
 */
export const SPECIMENS_OF_SYSTEM: Readonly<Record<NonNullable<LoincFacts['system']>, readonly string[]>> = {
  'Ser/Plas': ['SER', 'PLAS'],
  Bld: ['BLD', 'WB', 'BLDA', 'BLDC', 'BLDV'],
  BldA: ['BLD', 'WB', 'BLDA'],
  BldC: ['BLD', 'WB', 'BLDC'],
  RBC: ['BLD', 'WB'],
  PPP: ['PPP', 'PLAS'],
  Urine: ['UR', 'URC', 'URT', 'RANDU', 'URINB', 'URINC', 'URINM', 'URINN', 'URINP'],
};
