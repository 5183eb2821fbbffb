// What an EHR sends on the inbound feed before a specimen reaches an analyzer: the patient's
// registration (ADT^A04) and the lab order (ORM^O01 or OML^O21, HL7 v2.5.1), built field by field
// for the orders integration tests. Segments end with CR.

export interface FeedPatient {
  mrn: string;
  family: string;
  given: string;
  /** YYYY-MM-DD. */
  dob: string;
  sex: 'M' | 'F';
}

export interface FeedTest {
  code: string;
  display?: string;
  /** HL7 table 0396 coding system: LN for LOINC (the default). */
  system?: string;
}

export interface FeedOrder {
  controlId: string;
  patient: FeedPatient;
  placer: string;
  filler?: string;
  specimen: string;
  tests: FeedTest[];
  /** ORC-1 (HL7 table 0119): NW new (default), XO change, CA cancel. */
  control?: 'NW' | 'XO' | 'CA';
  /** HL7 table 0487 (SER, UR, WB ...): SPM-4 in OML, OBR-15 in ORM. */
  specimenType?: string;
  /** OML^O21 (specimen in SPM-2, the default) or ORM^O01 (specimen in OBR-20, as sites agree it). */
  message?: 'OML' | 'ORM';
  visit?: string;
}

function seg(name: string, fields: Record<number, string>): string {
  const last = Math.max(0, ...Object.keys(fields).map(Number));
  const out = [name];
  for (let n = 1; n <= last; n++) out.push(fields[n] ?? '');
  return out.join('|');
}

const NOW = '20261206080000';

function msh(type: string, controlId: string): string {
  return `MSH|^~\\&|EPIC|CLINIC_A|MEDGATE|CLINIC_A|${NOW}||${type}|${controlId}|P|2.5.1|||AL|NE`;
}

function pid(p: FeedPatient): string {
  return seg('PID', { 1: '1', 3: `${p.mrn}^^^CLINIC_A^MR`, 5: `${p.family}^${p.given}`, 7: p.dob.replaceAll('-', ''), 8: p.sex });
}

/** Outpatient registration: the patient directory learns the patient before the order. */
export function registration(controlId: string, p: FeedPatient, visit = `V${p.mrn}`): string {
  return [msh('ADT^A04^ADT_A01', controlId), `EVN|A04|${NOW}`, pid(p), seg('PV1', { 1: '1', 2: 'O', 3: 'CLINIC^EXAM1', 19: visit })].join('\r') + '\r';
}

/** One order (one ORC) with one OBR per test. */
export function labOrder(o: FeedOrder): string {
  const control = o.control ?? 'NW';
  const kind = o.message ?? 'OML';
  const placer = `${o.placer}^EPIC`;
  const filler = o.filler ? `${o.filler}^LAB` : '';
  const segments = [
    msh(kind === 'OML' ? 'OML^O21^OML_O21' : 'ORM^O01^ORM_O01', o.controlId),
    pid(o.patient),
    seg('PV1', { 1: '1', 2: 'O', 3: 'CLINIC^EXAM1', 19: o.visit ?? `V${o.patient.mrn}` }),
    seg('ORC', { 1: control, 2: placer, 3: filler, 9: NOW }),
  ];
  o.tests.forEach((t, i) => {
    const obr: Record<number, string> = { 1: String(i + 1), 2: placer, 3: filler, 4: `${t.code}^${t.display ?? ''}^${t.system ?? 'LN'}`, 6: NOW };
    if (kind === 'ORM') {
      obr[20] = o.specimen;
      if (o.specimenType) obr[15] = o.specimenType;
    }
    segments.push(seg('OBR', obr));
  });
  if (kind === 'OML') segments.push(seg('SPM', { 1: '1', 2: `${o.specimen}&EPIC`, 4: o.specimenType ? `${o.specimenType}^^HL70487` : '' }));
  return segments.join('\r') + '\r';
}

export const GLUCOSE: FeedTest = { code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' };
export const CREATININE: FeedTest = { code: '2160-0', display: 'Creatinine [Mass/volume] in Serum or Plasma' };
export const POTASSIUM: FeedTest = { code: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma' };
/** Done by none of the chemistry analyzers the tests configure. */
export const HBA1C: FeedTest = { code: '4548-4', display: 'Hemoglobin A1c/Hemoglobin.total in Blood' };
