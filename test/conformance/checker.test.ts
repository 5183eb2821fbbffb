// The conformance checker itself: a known good v2.5.1 lab ORU and v2.6 PCD-01 ORU pass, and each
// kind of rule catches a message broken in exactly that way (so the catalogue's green means something).

import { describe, expect, it } from 'vitest';
import { checkMessage, formatViolations, type Rule } from '../support/hl7-conformance/check.ts';
import { ORU_R01, placeSegments } from '../support/hl7-conformance/structure.ts';
import { codeTable } from '../support/hl7-conformance/tables.ts';

const LAB = [
  'MSH|^~\\&|MEDGATE|DEMO_CLINIC|EHR|HOSP|20250114093016+0100||ORU^R01^ORU_R01|MSG0001|P|2.5.1||||||UNICODE UTF-8',
  'PID|1||MRN4711^^^DEMO^MR||Doe^Jane^^^^^L||19700101|F',
  'PV1|1|O|WARD1^12^A',
  'ORC|RE|ORD1234|SP12345^MEDGATE',
  'OBR|1|ORD1234|SP12345^MEDGATE|GLU^Glucose^99MDG|||20250114083000+0100|||||||||||||||20250114093016+0100|||F',
  'NTE|1|L|Fasting specimen',
  'OBX|1|NM|2345-7^Glucose^LN^GLU^Glucose^99MDG||98|mg/dL^mg/dL^UCUM|70-99|N|||F|||20250114083000+0100||||CHEM-300 SN1187^MEDGATE|20250114092000+0100',
  'OBX|2|SN|2160-0^Creatinine^LN||<^0.5|mg/dL^mg/dL^UCUM|0.6-1.3|L|||F',
  'OBX|3|ST|COL^Colour^99MDG||yellow \\T\\ clear||||||F',
  'NTE|1|L|Line one\\.br\\line two',
  'SPM|1|^SP12345&MEDGATE||SER^Serum^HL70487|||||||||||||20250114083000+0100',
];

const PCD = [
  'MSH|^~\\&|MEDGATE^0A1B2CFFFE3D4E5F^EUI-64|DEMO_CLINIC|||20250114093016+0100||ORU^R01^ORU_R01|MSG0002|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
  'PID|||MRN4711^^^DEMO^MR||Doe^Jane^^^^^L||19700101|F',
  'PV1|1|I|ICU^3^1',
  'OBR|1|R1^MEDGATE^0A1B2CFFFE3D4E5F^EUI-64|R1^MEDGATE^0A1B2CFFFE3D4E5F^EUI-64|34534-8^12 lead EKG panel^LN|||20250114093000+0100',
  'OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||0A1B2CFFFE3D4E5F^^0A1B2CFFFE3D4E5F^EUI-64',
  'OBX|2||69798^MDC_DEV_ECG_VMD^MDC|1.1.0.0|||||||X',
  'OBX|3|NM|147842^MDC_ECG_HEART_RATE^MDC^8867-4^Heart rate^LN|1.1.0.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC^/min^/min^UCUM|||||R|||20250114093000+0100|||AMEAS^auto-measurement^MDC|0A1B2CFFFE3D4E5F^^0A1B2CFFFE3D4E5F^EUI-64',
  'OBX|4|FT|8601-7^EKG impression^LN|1.1.0.2|Sinus rhythm\\.br\\Normal ECG||||||R',
  'OBX|5|NA|131329^MDC_ECG_ELEC_POTL_I^MDC|1.1.0.3|12^-3^0.5||||||R',
  'OBX|6|NA|131330^MDC_ECG_ELEC_POTL_II^MDC|1.1.0.4|7^8^9||||||R',
  'OBX|7|ED|11524-6^EKG study^LN|1.1.0.5|^text^xml^Base64^PD94bWwgdmVyc2lvbj0iMS4wIj8+||||||R',
];

const message = (segments: string[]): string => `${segments.join('\r')}\r`;

/** `segments` with segment `index` (0-based) replaced by `text`, or removed when text is null. */
function edit(segments: string[], index: number, text: string | null): string[] {
  return segments.flatMap((s, i) => (i !== index ? [s] : text === null ? [] : [text]));
}

/** Segment `index` with field `n` set to `value` (MSH fields count from MSH-1 as usual). */
function setField(segments: string[], index: number, n: number, value: string): string[] {
  const seg = segments[index] ?? '';
  const parts = seg.split('|');
  const at = seg.startsWith('MSH') ? n - 1 : n;
  while (parts.length <= at) parts.push('');
  parts[at] = value;
  return edit(segments, index, parts.join('|'));
}

function expectViolation(text: string, rule: Rule, where: string): void {
  const found = checkMessage(text);
  const hit = found.some((v) => v.rule === rule && v.where.includes(where));
  expect(hit, `expected ${rule} at ${where}; got:\n${formatViolations(found) || '(none)'}`).toBe(true);
}

describe('known good messages', () => {
  it('a v2.5.1 lab ORU (ORC, NTE, NM/SN/ST, SPM) has no violation', () => {
    expect(formatViolations(checkMessage(message(LAB)))).toBe('');
  });

  it('a v2.6 IHE PCD-01 ORU (MDS/VMD rows, FT, NA leads, ED text/xml, EUI-64) has no violation', () => {
    expect(formatViolations(checkMessage(message(PCD)))).toBe('');
  });
});

describe('segment terminators, characters and header', () => {
  it.each([
    ['LF instead of CR (no terminator)', message(LAB).replace(/\r/g, '\n'), 'terminator', 'end of message'],
    ['LF instead of CR (a control character inside the one segment left)', message(LAB).replace(/\r/g, '\n'), 'control-char', 'segment 1'],
    ['no CR after the last segment', message(LAB).slice(0, -1), 'terminator', 'end of message'],
    ['an empty segment', message(edit(LAB, 2, '')), 'terminator', 'segment 3'],
    ['a raw TAB inside a field', message(setField(LAB, 5, 3, 'a\tb')), 'control-char', 'segment 6'],
    ['a lower-case segment name', message(edit(LAB, 5, 'nte|1|L|x')), 'segment-name', 'segment 6'],
    ['repeated encoding characters', message(edit(LAB, 0, (LAB[0] ?? '').replace('^~\\&', '^^\\&'))), 'header', 'MSH-1/MSH-2'],
    ['another message type', message(setField(LAB, 0, 9, 'ADT^A01^ADT_A01')), 'header', 'MSH-9'],
  ] as const)('%s', (_, text, rule, where) => expectViolation(text, rule, where));

  it('a version the checker does not describe is refused, not passed', () => {
    expectViolation(message(setField(LAB, 0, 12, '2.4')), 'header', 'MSH-12');
  });
});

describe('message structure (ORU^R01 groups)', () => {
  it('names the segment out of place and what could stand there', () => {
    const found = checkMessage(message([LAB[0]!, LAB[1]!, LAB[6]!, LAB[4]!]));
    const v = found.find((x) => x.rule === 'structure');
    expect(v?.where).toBe('segment 3 (OBX)');
    expect(v?.message).toContain('OBR');
    expect(v?.message).toContain('ORC');
  });

  it.each([
    ['PV1 before PID', [LAB[0]!, LAB[2]!, LAB[1]!, ...LAB.slice(3)], 'segment 2 (PV1)'],
    // The ORC opens a second order, so its missing OBR is what is reported.
    ['ORC after OBR', [LAB[0]!, LAB[1]!, LAB[4]!, LAB[3]!, ...LAB.slice(5)], 'segment 5 (NTE)'],
    ['NTE after a specimen OBX (SPECIMEN has no NTE)', [...LAB, 'OBX|4|NM|X^x^99MDG||1||||||F', 'NTE|1|L|x'], 'segment 13 (NTE)'],
    ['no OBR at all', [LAB[0]!, LAB[1]!], 'segment 3 ((end of message))'],
  ])('%s', (_, segments, where) => expectViolation(message(segments), 'structure', where));

  it('places SPM after the observations, and a second order after the first', () => {
    const names = ['MSH', 'PID', 'PV1', 'ORC', 'OBR', 'NTE', 'OBX', 'NTE', 'OBX', 'SPM', 'OBX', 'OBR', 'OBX'];
    const p = placeSegments(ORU_R01['2.5.1'], names);
    expect(p.outOfPlace).toBeUndefined();
    expect(p.paths[9]).toBe('PATIENT_RESULT/ORDER_OBSERVATION/SPECIMEN/SPM');
    expect(p.paths[10]).toBe('PATIENT_RESULT/ORDER_OBSERVATION/SPECIMEN/OBX');
    expect(p.paths[2]).toBe('PATIENT_RESULT/PATIENT/VISIT/PV1');
  });

  it('knows the v2.6 additions: ROL after the OBR notes is v2.6 only', () => {
    const names = ['MSH', 'PID', 'OBR', 'ROL', 'OBX'];
    expect(placeSegments(ORU_R01['2.6'], names).outOfPlace).toBeUndefined();
    expect(placeSegments(ORU_R01['2.5.1'], names).outOfPlace?.index).toBe(3);
  });
});

describe('fields and components', () => {
  it.each([
    ['a required field left empty (OBX-11)', setField(LAB, 6, 11, ''), 'required', 'OBX[1] OBX-11'],
    ['a required field left empty (PID-5)', setField(LAB, 1, 5, ''), 'required', 'PID[1] PID-5'],
    ['a required field left empty (SPM-4)', setField(LAB, 10, 4, ''), 'required', 'SPM[1] SPM-4'],
    ['a required component left empty (CX.1)', setField(LAB, 1, 3, '^^^DEMO^MR'), 'required', 'PID[1] PID-3.1'],
    ['a required ED component left empty (ED.4)', setField(PCD, 10, 5, '^text^xml^^PD94'), 'required', 'OBX[7] OBX-5.4'],
    ['a field v2.5.1 does not support (OBX-20)', setField(LAB, 6, 20, 'X'), 'usage', 'OBX[1] OBX-20'],
    ['more fields than the segment has', setField(LAB, 5, 5, 'x'), 'field-count', 'NTE[1] NTE-5'],
    ['a repetition in a field that does not repeat', setField(LAB, 6, 11, 'F~F'), 'repetition', 'OBX[1] OBX-11'],
    ['a raw ^ in an ST field', setField(LAB, 6, 7, '70^99'), 'delimiter', 'OBX[1] OBX-7'],
    ['a raw & in an EI component', setField(LAB, 6, 18, 'CHEM&300^MEDGATE'), 'delimiter', 'OBX[1] OBX-18.1'],
    ['more components than EI has', setField(LAB, 6, 18, 'a^b^c^ISO^e'), 'delimiter', 'OBX[1] OBX-18'],
    ['more subcomponents than HD has', setField(LAB, 1, 3, 'M1^^^A&B&ISO&X^MR'), 'delimiter', 'PID[1] PID-3.4'],
    ['a lone escape character', setField(LAB, 5, 3, 'path C:\\temp'), 'escape', 'NTE[1] NTE-3'],
    ['a formatting command outside FT', setField(LAB, 8, 5, 'a\\.br\\b'), 'escape', 'OBX[3] OBX-5'],
  ])('%s', (_, segments, rule, where) => expectViolation(message(segments), rule as Rule, where));
});

describe('lengths of length-capped types', () => {
  it.each([
    ['EI.2 namespace ID (IS) over 20', setField(LAB, 6, 18, 'CHEM-300^Lab analyzer (ASTM over TCP)'), 'OBX[1] OBX-18.2'],
    ['CWE.1 identifier (ST) over 20', setField(PCD, 6, 3, 'A23456789012345678901^x^99MDG'), 'OBX[3] OBX-3.1'],
    ['CX.1 ID number (ST) over 15', setField(LAB, 1, 3, '1234567890123456^^^DEMO^MR'), 'PID[1] PID-3.1'],
    ['OBX-4 sub-ID (ST) over 20', setField(PCD, 6, 4, '1.1.0.1.2.3.4.5.6.7.8.9'), 'OBX[3] OBX-4'],
    ['MSH-10 (ST) over 20 in v2.5.1', setField(LAB, 0, 10, 'A'.repeat(21)), 'MSH[1] MSH-10'],
  ])('%s', (_, segments, where) => expectViolation(message(segments), 'length', where));

  it('counts an escape sequence as the one character it stands for', () => {
    expect(checkMessage(message(setField(LAB, 6, 18, `CHEM-300^${'A'.repeat(17)}\\T\\B`))).filter((v) => v.rule === 'length')).toEqual([]);
  });

  it('MSH-10 of 199 is fine in v2.6', () => {
    expect(checkMessage(message(setField(PCD, 0, 10, 'A'.repeat(199)))).filter((v) => v.rule === 'length')).toEqual([]);
  });
});

describe('HL7 tables', () => {
  it.each([
    ['0085 observation result status', setField(LAB, 6, 11, 'Z'), 'OBX[1] OBX-11'],
    ['0125 value type', setField(LAB, 6, 2, 'XX'), 'OBX[1] OBX-2'],
    ['0078 abnormal flags', setField(LAB, 6, 8, 'HIGH'), 'OBX[1] OBX-8'],
    ['0396 coding system (a private name)', setField(PCD, 6, 3, '147842^MDC_ECG_HEART_RATE^MDC^HR^Heart rate^MEDGATE'), 'OBX[3] OBX-3.6'],
    ['0396 coding system ("99" alone is not 99zzz)', setField(LAB, 4, 4, 'GLU^Glucose^99'), 'OBR[1] OBR-4.3'],
    ['0191 type of data in v2.5.1 (a MIME type)', setField(setField(LAB, 8, 2, 'ED'), 8, 5, '^text^XML^Base64^PD94'), 'OBX[3] OBX-5.2'],
    ['0291 data subtype in v2.5.1 (PDF is not listed)', setField(setField(LAB, 8, 2, 'ED'), 8, 5, '^AP^PDF^Base64^JVBE'), 'OBX[3] OBX-5.3'],
    ['0834 MIME type in v2.6 (a table 0191 code)', setField(PCD, 10, 5, '^TEXT^xml^Base64^PD94'), 'OBX[7] OBX-5.2'],
    ['0299 encoding', setField(PCD, 10, 5, '^text^xml^base-64^PD94'), 'OBX[7] OBX-5.4'],
    ['0301 universal ID type (EUI-64 outside IHE PCD)', setField(LAB, 0, 3, 'MEDGATE^0A1B2CFFFE3D4E5F^EUI-64'), 'MSH[1] MSH-3.3'],
    ['0301 universal ID type in PCD-01 (EUI64 spelling)', setField(PCD, 3, 2, 'R1^MEDGATE^0A1B2CFFFE3D4E5F^EUI64'), 'OBR[1] OBR-2.4'],
    ['0003 event type', setField(LAB, 0, 9, 'ORU^R99^ORU_R01'), 'MSH[1] MSH-9.2'],
    ['0103 processing id', setField(LAB, 0, 11, 'X'), 'MSH[1] MSH-11.1'],
    ['0155 acknowledgement type', setField(PCD, 0, 15, 'YES'), 'MSH[1] MSH-15'],
    ['0123 result status', setField(LAB, 4, 25, 'Q'), 'OBR[1] OBR-25'],
    ['0001 administrative sex', setField(LAB, 1, 8, 'X'), 'PID[1] PID-8'],
    ['0004 patient class', setField(LAB, 2, 2, 'Z'), 'PV1[1] PV1-2'],
    ['0119 order control', setField(LAB, 3, 1, 'ZZ'), 'ORC[1] ORC-1'],
    ['0487 specimen type', setField(LAB, 10, 4, 'BLD^Blood^HL70487'), 'SPM[1] SPM-4.1'],
    ['0105 source of comment', setField(LAB, 5, 2, 'Q'), 'NTE[1] NTE-2'],
  ])('%s', (_, segments, where) => expectViolation(message(segments), 'table', where));

  it('accepts the coding system families of table 0396 and the registrations after v2.5.1', () => {
    const t = codeTable('2.5.1', '0396');
    for (const ok of ['LN', 'SCT', 'MDC', 'UCUM', 'L', '99MDG', '99zz9', 'HL70487', 'ISO3166', 'I10']) expect(t?.has(ok), ok).toBe(true);
    for (const bad of ['MEDGATE', 'LOINC', '99', 'HL7487', 'ln', 'urn:oid:2.16.840.1.113883.6.1']) expect(t?.has(bad), bad).toBe(false);
  });

  it('EUI-64 is an IHE PCD-01 addition to table 0301 only', () => {
    expect(codeTable('2.6', '0301', 'IHE-PCD-01')?.has('EUI-64')).toBe(true);
    expect(codeTable('2.6', '0301')?.has('EUI-64')).toBe(false);
    expect(codeTable('2.5.1', '0301')?.has('L')).toBe(true);
  });

  it('a CWE with another coding system than the bound table is not held to the table', () => {
    expect(checkMessage(message(setField(LAB, 10, 4, '119297000^Blood specimen^SCT'))).filter((v) => v.rule === 'table')).toEqual([]);
  });
});

describe('OBX-5 by OBX-2 and primitive syntax', () => {
  it.each([
    ['NM with an exponent', setField(LAB, 6, 5, '1e3'), 'OBX[1] OBX-5'],
    ['NM with a decimal comma', setField(LAB, 6, 5, '7,5'), 'OBX[1] OBX-5'],
    ['NM that is text', setField(LAB, 6, 5, 'NEG'), 'OBX[1] OBX-5'],
    ['SN with an unknown comparator', setField(LAB, 7, 5, '<<^0.5'), 'OBX[2] OBX-5'],
    ['SN with a non-numeric num1', setField(LAB, 7, 5, '<^low'), 'OBX[2] OBX-5'],
    ['NA with a non-numeric sample', setField(PCD, 8, 5, '12^x^3'), 'OBX[5] OBX-5.2'],
    ['NA with no value at all', setField(PCD, 8, 5, '^^'), 'OBX[5] OBX-5'],
    ['ED data that is not base64', setField(PCD, 10, 5, '^text^xml^Base64^<xml/>'), 'OBX[7] OBX-5.5'],
    ['DTM with dashes', setField(LAB, 6, 14, '2025-01-14'), 'OBX[1] OBX-14.1'],
    ['DTM month 13', setField(PCD, 6, 14, '20251314093000'), 'OBX[3] OBX-14'],
    ['DTM offset without minutes', setField(PCD, 3, 7, '20250114093000+01'), 'OBR[1] OBR-7'],
    ['SI that is not a number', setField(LAB, 6, 1, 'one'), 'OBX[1] OBX-1'],
  ])('%s', (_, segments, where) => expectViolation(message(segments), 'syntax', where));

  it('a valued OBX-5 needs OBX-2', () => expectViolation(message(setField(LAB, 6, 2, '')), 'value-type', 'OBX[1] OBX-2'));
});

describe('IHE PCD-01 waveform rows', () => {
  it('flags NA rows under the lead-less MDC_ECG_ELEC_POTL', () => {
    const segments = setField(setField(PCD, 8, 3, '^MDC_ECG_ELEC_POTL^MDC'), 9, 3, '^MDC_ECG_ELEC_POTL^MDC');
    expectViolation(message(segments), 'waveform-lead', 'OBX[5] OBX-3');
    expectViolation(message(segments), 'waveform-lead', 'OBX[6] OBX-3');
  });

  it('flags two NA rows of one order with the same OBX-3', () => {
    expectViolation(message(setField(PCD, 9, 3, '131329^MDC_ECG_ELEC_POTL_I^MDC')), 'waveform-lead', 'OBX[6] OBX-3');
  });
});
