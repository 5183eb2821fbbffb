// Hand-built inbound HL7 as an EHR sends it (segments end with CR). Shared by the unit and integration tests.

export function hl7(...segments: string[]): string {
  return segments.join('\r') + '\r';
}

/** A segment from its numbered fields, so a fixture cannot be off by one pipe. */
export function seg(name: string, fields: Record<number, string>): string {
  const last = Math.max(0, ...Object.keys(fields).map(Number));
  const out = [name];
  for (let n = 1; n <= last; n++) out.push(fields[n] ?? '');
  return out.join('|');
}

function msh(type: string, controlId: string, version = '2.5.1'): string {
  return `MSH|^~\\&|EPIC|CLINIC_A|MEDGATE|CLINIC_A|20250114093016-0500||${type}|${controlId}|P|${version}|||AL|NE`;
}

/** Inpatient admit: two identifiers (the MR one second), a location with bed, an admit time. */
export function a01(controlId = 'ADT0001', mrn = 'MRN1001', visit = 'V5001'): string {
  return hl7(
    msh('ADT^A01^ADT_A01', controlId),
    'EVN|A01|20250114093000-0500',
    `PID|1||55501^^^HOSP^PI~${mrn}^^^CLINIC_A^MR||DOE^JANE^Q^^^^L||19800102|F|||1 MAIN ST^^SPRINGFIELD^IL^62701`,
    seg('PV1', {
      1: '1',
      2: 'I',
      3: '3W^301^B^CLINIC_A',
      7: '1234^SMITH^ANNA^^^DR',
      10: 'MED',
      14: '1',
      17: '1234^SMITH^ANNA^^^DR',
      18: 'IN',
      19: visit,
      44: '20250114090000-0500',
    }),
  );
}

/** Outpatient registration, HL7 2.3, no time zone, no PV1-44. */
export function a04(controlId = 'ADT0002', mrn = 'MRN2002', visit = 'V6002'): string {
  return hl7(
    msh('ADT^A04', controlId, '2.3'),
    'EVN|A04|20250114100000',
    `PID|1||${mrn}^^^CLINIC_A^MR||Müller^José||19751231|M`,
    seg('PV1', { 1: '1', 2: 'O', 3: 'CLINIC^EXAM2', 19: visit }),
  );
}

/** Name change (marriage) for MRN1001; PV1 without a visit number. */
export function a08(controlId = 'ADT0003', mrn = 'MRN1001'): string {
  return hl7(
    msh('ADT^A08^ADT_A01', controlId),
    'EVN|A08|20250114110000-0500',
    `PID|1||${mrn}^^^CLINIC_A^MR||SMITH-DOE^JANE^Q^^^^L~DOE^JANE^^^^^M||19800102|F`,
    'PV1|1|I|3W^302^A^CLINIC_A',
  );
}

export function a03(controlId = 'ADT0004', mrn = 'MRN1001', visit = 'V5001'): string {
  return hl7(
    msh('ADT^A03^ADT_A03', controlId),
    'EVN|A03|20250115120000-0500',
    `PID|1||${mrn}^^^CLINIC_A^MR||SMITH-DOE^JANE||19800102|F`,
    seg('PV1', { 1: '1', 2: 'I', 3: '3W^302^A^CLINIC_A', 19: visit, 44: '20250114090000-0500', 45: '20250115115500-0500' }),
  );
}

export function a11(controlId = 'ADT0005', mrn = 'MRN2002', visit = 'V6002'): string {
  return hl7(
    msh('ADT^A11^ADT_A09', controlId),
    'EVN|A11|20250114101500',
    `PID|1||${mrn}^^^CLINIC_A^MR||Müller^José||19751231|M`,
    seg('PV1', { 1: '1', 2: 'O', 3: 'CLINIC^EXAM2', 19: visit }),
  );
}

/** MRN3003 (a duplicate chart) merged into the survivor MRN1001. */
export function a40(controlId = 'ADT0006', survivor = 'MRN1001', prior = 'MRN3003'): string {
  return hl7(
    msh('ADT^A40^ADT_A39', controlId),
    'EVN|A40|20250114120000-0500',
    `PID|1||${survivor}^^^CLINIC_A^MR||SMITH-DOE^JANE||19800102|F`,
    `MRG|${prior}^^^CLINIC_A^MR~99999^^^HOSP^PI`,
  );
}

/** A new lab order, v2.3: two OBRs, the specimen ID in OBR-20. */
export function ormNew(controlId = 'ORM0001', mrn = 'MRN1001', placer = 'PL7001', filler = 'FL7001', specimen = 'SP7001'): string {
  return hl7(
    msh('ORM^O01', controlId, '2.3'),
    `PID|1||${mrn}^^^CLINIC_A^MR||DOE^JANE||19800102|F`,
    seg('PV1', { 1: '1', 2: 'I', 3: '3W^301^B', 19: 'V5001' }),
    seg('ORC', { 1: 'NW', 2: `${placer}^EPIC`, 3: `${filler}^LAB`, 9: '20250114094500-0500' }),
    seg('OBR', { 1: '1', 2: `${placer}^EPIC`, 3: `${filler}^LAB`, 4: 'CBC^Complete blood count^L', 6: '20250114094500-0500', 20: specimen }),
    seg('OBR', { 1: '2', 2: `${placer}^EPIC`, 3: `${filler}^LAB`, 4: 'BMP^Basic metabolic panel^L', 6: '20250114094500-0500', 20: specimen }),
  );
}

export function ormCancel(controlId = 'ORM0002', mrn = 'MRN1001', placer = 'PL7001'): string {
  return hl7(
    msh('ORM^O01', controlId, '2.3'),
    `PID|1||${mrn}^^^CLINIC_A^MR||DOE^JANE`,
    `ORC|CA|${placer}^EPIC`,
    `OBR|1|${placer}^EPIC||CBC^Complete blood count^L`,
  );
}

/** OML^O21, v2.5.1: LOINC-coded test, specimen in SPM-2 (placer-assigned EI with a namespace). */
export function oml(controlId = 'OML0001', mrn = 'MRN2002', placer = 'PL8001', specimen = 'SP8001'): string {
  return hl7(
    msh('OML^O21^OML_O21', controlId),
    `PID|1||${mrn}^^^CLINIC_A^MR||Müller^José||19751231|M`,
    seg('PV1', { 1: '1', 2: 'O', 3: 'CLINIC^EXAM2', 19: 'V6002' }),
    seg('ORC', { 1: 'NW', 2: `${placer}^EPIC`, 9: '20250114101000' }),
    `OBR|1|${placer}^EPIC||2345-7^Glucose [Mass/volume] in Serum or Plasma^LN`,
    `SPM|1|${specimen}&EPIC^||SER^Serum^HL70487`,
  );
}

export function a31(controlId = 'ADT0099'): string {
  return hl7(msh('ADT^A31^ADT_A05', controlId), 'EVN|A31|20250114093000', 'PID|1||MRN1001^^^CLINIC_A^MR||DOE^JANE');
}

export function siu(controlId = 'SIU0001'): string {
  return hl7(msh('SIU^S12^SIU_S12', controlId), 'SCH|1|1', 'PID|1||MRN1001^^^CLINIC_A^MR||DOE^JANE');
}

export function a01WithoutPid3(controlId = 'ADT0098'): string {
  return hl7(msh('ADT^A01^ADT_A01', controlId), 'EVN|A01|20250114093000', 'PID|1||||DOE^JANE||19800102|F', 'PV1|1|I');
}
