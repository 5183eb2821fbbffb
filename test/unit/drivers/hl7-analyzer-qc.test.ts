// hl7-analyzer, control specimens on the wire: SPM-11 specimen role (HL7 v2.5.1 table 0369), OBR-11
// `Q`, IHE LAW's OUL^R22 with the control material in INV; decoded and acknowledged like any result.
// The messages are constructed in the shape published analyzer messages use (an IHE LAW LAB-29
// OUL^R22 control run of a Roche cobas pure, a Roche cobas 6800/8800 run, an Abbott Alinity m
// patient run); none is copied.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { driver } from '../../../drivers/hl7-analyzer/index.ts';
import { decodeOru } from '../../../drivers/hl7-analyzer/decode.ts';
import type { ControlMark } from '../../../src/model/control-mark.ts';
import type { DeviceReport } from '../../../src/model/driver.ts';
import { parseAck } from '../../../src/hl7/ack.ts';
import { bytes, chunksAt, logsAboveDebug, oneByteAtATime, open } from './harness.ts';

const msg = (...segments: string[]): string => segments.join('\r') + '\r';
const frame = (text: string): string => `\x0b${text}\x1c\r`;

/**
 * IHE LAW LAB-29 as the cobas pure sends it: no PID; SPM-11 Q; the container's INV names the
 * material (INV-1 `20391^PCCC1`, type CO) but no lot; expiry in SPM-19. Per order: the result (NM),
 * its empty qualitative companion (CE, same code), TCD, the reagents' INVs, then supplemental OBXs
 * (`S_OTHER^Other Supplemental^IHELAW`: pipetting time, calibration ID, the analyzer's QC target and SD).
 */
const lawOrder = (k: number, code: string, value: string, unit: string, at: string): string[] => [
  `OBR|${k}|""||${code}^^99ROC|||||||`,
  'ORC|SC||||CM',
  'TQ1|||||||||R^^HL70485',
  `OBX|1|NM|${code}^${code}^99ROC^^^IHELAW|1|${value}|${unit}^^99ROC||N^^HL70078|||F|||||HELV~BATCH||c303^ROCHE~24V5-03^ROCHE~1^ROCHE|${at}||8||||||||RSLT`,
  `OBX|2|CE|${code}^${code}^99ROC^^^IHELAW|1|^^99ROC|||N^^HL70078|||F|||||HELV~BATCH||c303^ROCHE~24V5-03^ROCHE~1^ROCHE|${at}||8||||||||RSLT`,
  `TCD|${code}^^99ROC|^1^:^1`,
  `INV|${code}01|OK^^HL70383~CURRENT^^99ROC|R1|51193|1|12||||||20260531||||861168`,
  `INV|${code}01|OK^^HL70383~CURRENT^^99ROC|R3|51193|1|12||||||20260531||||861168`,
  `OBX|3|DTM|PT^Pipetting_Time^99ROC^S_OTHER^Other Supplemental^IHELAW|1|20250114091426|||N^^HL70078|||F|||||HELV~BATCH||c303^ROCHE|${at}||8||||||||RSLT`,
  `OBX|4|EI|CalibrationID^CalibrationID^99ROC^S_OTHER^Other Supplemental^IHELAW|1|54|||N^^HL70078|||F|||||HELV~BATCH||c303^ROCHE|${at}||8||||||||RSLT`,
  `OBX|5|NM|QC_TARGET^QC_TARGET^99ROC^S_OTHER^Other Supplemental^IHELAW|1|5.5|${unit}^^99ROC||N^^HL70078|||F|||||HELV~BATCH||c303^ROCHE|${at}||8||||||||RSLT`,
  `OBX|6|NM|QC_SD_RANGE^QC_SD_RANGE^99ROC^S_OTHER^Other Supplemental^IHELAW|1|0.2|${unit}^^99ROC||N^^HL70078|||F|||||HELV~BATCH||c303^ROCHE|${at}||8||||||||RSLT`,
];

const lawControlRun = msg(
  'MSH|^~\\&|cobas pure||Host||20250114093000+0100||OUL^R22^OUL_R22|QC0159|P|2.5.1|||NE|AL||UNICODE UTF-8|||LAB-29^IHE',
  'SPM|1|20391&CONTROL||""|||||||Q^^HL70369|||~~~~|||||20260430|||||PSCO^^99ROC|||SC^^99ROC',
  'SAC|||20391^CONTROL|||||||704966|',
  'INV|20391^PCCC1^99ROC|OK^^HL703843|CO^^HL70384|^^99ROC',
  ...lawOrder(1, 'GLUC', '5.42', 'mmol/L', '20250114092446+0100'),
  ...lawOrder(2, 'CREA', '106', 'umol/L', '20250114092454+0100'),
);

/** The same run as a patient's specimen (SPM-11 P, a PID): the same OBXs are no results either. */
const lawPatientRun = lawControlRun.replace('Q^^HL70369', 'P^^HL70369').replace('\rSPM|', '\rPID|1||123456^^^CLINIC^MR||Doe^Jane||19700315|F\rSPM|');

const lawMark: ControlMark = { role: 'control', marker: 'HL7 SPM-11 Q', material: 'PCCC1', expires: '2026-04-30' };

/** One order of the LAW control run as decoded: the cobas c 303 module ran it, the time is OBX-19. */
function lawReport(code: string, valueText: string, unit: string, at: string): Omit<DeviceReport, 'raw'> {
  return {
    observedAt: at,
    specimen: { id: '20391' },
    order: { code: { system: '99ROC', code } },
    measurements: [
      {
        code: { local: { system: '99ROC', code, display: code } },
        value: Number(valueText),
        valueText,
        unit,
        flags: ['N'],
        status: 'F',
        observedAt: at,
        instrument: 'c303',
      },
    ],
    equipment: 'c303',
    control: lawMark,
  };
}

const lawReports = [lawReport('GLUC', '5.42', 'mmol/L', '2025-01-14T09:24:46+01:00'), lawReport('CREA', '106', 'umol/L', '2025-01-14T09:24:54+01:00')];

/** ORU^R01 v2.5.1 whose SPM (after the OBR) says control specimen; no PID at all. */
const oruControl = msg(
  'MSH|^~\\&|AU480|CHEMLAB|MEDGATE|CLINIC|20250114093000+0100||ORU^R01^ORU_R01|QC0001|P|2.5.1',
  'OBR|1||QC-LOT-4711|GLU^Glucose^L|||20250114092500+0100',
  'OBX|1|NM|GLU^Glucose^L||182|mg/dL|||||F|||20250114092800+0100',
  'SPM|1|QC-LOT-4711||SER|||||||Q^Control specimen^HL70369',
);

/** ORU^R01 v2.3.1 (no SPM): the control named by OBR-11 `Q` and an empty PID. */
const oruActionQ = msg(
  'MSH|^~\\&|XL-200|CHEMLAB|||20250114093000||ORU^R01|QC0002|P|2.3.1',
  'PID|1',
  'OBR|1||QC-L2|GLU^Glucose^L|||20250114092500||||Q',
  'OBX|1|NM|GLU^Glucose^L||96|mg/dL|||||F',
);

/** A patient's OUL^R22 (SPM-11 P, the sample ID in SAC-3 with SPM-2 empty), the shape Alinity m sends. */
const lawPatient = msg(
  'MSH|^~\\&|||||20250114093000+0100||OUL^R22^OUL_R22|PAT0007|P|2.5.1|||NE|AL||UNICODE UTF-8|||LAB-29^IHE',
  'PID|1||123456^^^CLINIC^MR||Doe^Jane||19700315|F',
  'SPM|1|||PLAS^Plasma^HL70487|||||||P^Patient^HL70369',
  'SAC|||VL00000101',
  'OBX|1|NM|VOL^Sample volume^99ABT||0.6|mL',
  'OBR||""||1006^HIV-1^99ABT',
  'ORC|SC||||CM',
  'OBX|1|ST|1006^HIV-1^99ABT||< 20|Copies/mL|||||F|||||||Alinity m^Abbott|20250114092906+0100',
);

const withRole = (role: string): string =>
  msg(
    'MSH|^~\\&|AU480|CHEMLAB|||20250114093000||ORU^R01|R1|P|2.5.1',
    'OBR|1||S-1|GLU^Glucose^L',
    'OBX|1|NM|GLU^Glucose^L||100|mg/dL|||||F',
    `SPM|1|S-1||SER|||||||${role}`,
  );

const withAction = (code: string): string =>
  msg('MSH|^~\\&|AU480|CHEMLAB|||20250114093000||ORU^R01|R2|P|2.5.1', `OBR|1||S-1|GLU^Glucose^L|||||||${code}`, 'OBX|1|NM|GLU^Glucose^L||100|mg/dL|||||F');

function decoded(text: string): DeviceReport[] {
  const r = decodeOru(text);
  if (!r.ok) throw new Error(`refused: ${r.rejection.reason}`);
  return r.value.reports;
}

const withoutRaw = (rs: DeviceReport[]): Array<Omit<DeviceReport, 'raw' | 'resendKey'>> => rs.map(({ raw: _raw, resendKey: _key, ...rest }) => rest);

describe('hl7-analyzer decode: control specimens (docs/protocols.md#quality-control-results-on-the-wire)', () => {
  it('IHE LAW OUL^R22 control run without PID: one report per OBR, marked with the material of the container INV', () => {
    expect(withoutRaw(decoded(lawControlRun))).toEqual(lawReports);
  });

  it('ORU^R01 with SPM-11 Q after the OBR and no PID: a control report with the SPM-2 specimen ID', () => {
    const [report, ...rest] = decoded(oruControl);
    expect(rest).toEqual([]);
    expect(report?.control).toEqual({ role: 'control', marker: 'HL7 SPM-11 Q' });
    expect(report?.subject).toBeUndefined();
    expect(report?.specimen).toMatchObject({ id: 'QC-LOT-4711', type: 'SER' });
    expect(report?.measurements.map((m) => [m.code?.local?.code, m.value, m.unit])).toEqual([['GLU', 182, 'mg/dL']]);
  });

  it('ORU^R01 v2.3.1 with OBR-11 Q and an empty PID: a control report', () => {
    const [report] = decoded(oruActionQ);
    expect(report?.control).toEqual({ role: 'control', marker: 'HL7 OBR-11 Q' });
    expect(report?.subject).toBeUndefined();
    expect(report?.specimen?.id).toBe('QC-L2');
  });

  // HL7 v2.5.1 table 0369: Q control, E electronic QC, B blind, F and O proficiency, R replicate of a
  // patient sample as a control; C calibrator, V verifying calibrator. P patient (also when empty),
  // G group, L pool, H historical: a patient's material.
  const roles: Array<[string, ControlMark | undefined]> = [
    ['Q^Control specimen^HL70369', { role: 'control', marker: 'HL7 SPM-11 Q' }],
    ['q', { role: 'control', marker: 'HL7 SPM-11 Q' }],
    ['E', { role: 'control', marker: 'HL7 SPM-11 E' }],
    ['B', { role: 'control', marker: 'HL7 SPM-11 B' }],
    ['F', { role: 'control', marker: 'HL7 SPM-11 F' }],
    ['O', { role: 'control', marker: 'HL7 SPM-11 O' }],
    // A patient's sample re-run as a control: its specimen ID is a patient's, never a lot name.
    ['R', { role: 'control', marker: 'HL7 SPM-11 R', lot: 'patient-replicate' }],
    ['C^Calibrator^HL70369', { role: 'calibrator', marker: 'HL7 SPM-11 C' }],
    ['V', { role: 'calibrator', marker: 'HL7 SPM-11 V' }],
    ['P^Patient^HL70369~Q', { role: 'control', marker: 'HL7 SPM-11 Q' }],
    ['P^Patient^HL70369', undefined],
    ['', undefined],
    ['G', undefined],
    ['L', undefined],
    ['H', undefined],
    ['^Control specimen', undefined],
  ];
  for (const [role, mark] of roles) {
    it(`SPM-11 "${role}" -> ${mark ? mark.role : 'a patient specimen (no mark)'}`, () => {
      expect(decoded(withRole(role))[0]?.control).toEqual(mark);
    });
  }

  // HL7 v2.5.1 table 0065 (OBR-11) has no Q: its codes A G L O P R S, and an empty field, are patients'.
  for (const code of ['A', 'G', 'L', 'O', 'P', 'R', 'S', '']) {
    it(`OBR-11 "${code}" is not a control`, () => {
      expect(decoded(withAction(code))[0]?.control).toBeUndefined();
    });
  }
  it('OBR-11 "q" is', () => {
    expect(decoded(withAction('q'))[0]?.control).toEqual({ role: 'control', marker: 'HL7 OBR-11 Q' });
  });

  it('a patient OUL^R22: no mark, the SAC-3 sample ID, the specimen OBX before the OBR not reported', () => {
    const r = decodeOru(lawPatient);
    if (!r.ok) throw new Error(r.rejection.reason);
    const [report, ...rest] = r.value.reports;
    expect(rest).toEqual([]);
    expect(report?.control).toBeUndefined();
    expect(report?.subject).toMatchObject({ mrn: '123456' });
    expect(report?.specimen).toEqual({ id: 'VL00000101', type: 'PLAS' });
    expect(report?.order).toEqual({ code: { system: '99ABT', code: '1006', display: 'HIV-1' } });
    expect(report?.measurements.map((m) => [m.code?.local?.code, m.value, m.observedAt])).toEqual([['1006', '< 20', '2025-01-14T09:29:06+01:00']]);
    expect(r.value.notes.join('\n')).toMatch(/OBX about the specimen/);
  });

  it('the material comes only from an INV of control substance type (CO) or none; a reagent INV names nothing', () => {
    const reagentOnly = lawControlRun.replace('CO^^HL70384', 'SC^^HL70384');
    expect(decoded(reagentOnly)[0]?.control).toEqual({ role: 'control', marker: 'HL7 SPM-11 Q', expires: '2026-04-30' });
    // Without an INV the expiry is SPM-19 (specimen expiration date/time).
    const noInv = lawControlRun.replace(/INV\|20391[^\r]*\r/, '');
    expect(decoded(noInv)[0]?.control).toEqual({ role: 'control', marker: 'HL7 SPM-11 Q', expires: '2026-04-30' });
    // A patient's specimen never carries a mark, whatever INV its container has.
    expect(decoded(lawControlRun.replace('Q^^HL70369', 'P^^HL70369'))[0]?.control).toBeUndefined();
  });

  it('OUL with another trigger is refused AR 201; OUL^R22 is accepted', () => {
    const r21 = decodeOru(lawControlRun.replace('OUL^R22^OUL_R22', 'OUL^R21'));
    expect(r21.ok ? undefined : r21.rejection).toMatchObject({
      code: 'AR',
      errorCode: '201',
      detail: 'unsupported event OUL^R21 (only ORU^R01 and OUL^R22 are accepted)',
    });
    expect(decodeOru(lawControlRun).ok).toBe(true);
  });
});

const obrWith = (spsRole: string): string => ['OBR', '1', '', 'S-1', 'GLU^Glucose^L', ...Array<string>(10).fill(''), `SER^^^^^^${spsRole}`].join('|');
const withSpsRole = (spsRole: string, spm = ''): string =>
  msg('MSH|^~\\&|XL-200|CHEMLAB|||20250114093000||ORU^R01|R3|P|2.4', obrWith(spsRole), 'OBX|1|NM|GLU^Glucose^L||100|mg/dL|||||F', ...(spm ? [spm] : []));

describe('hl7-analyzer decode: what is not a result, and markers outside SPM-11', () => {
  const codes = (rs: DeviceReport[]): string[][] => rs.map((rep) => rep.measurements.map((m) => `${m.code?.local?.code}=${m.value}`));

  it('cobas pure control run: the empty CE companion and the S_OTHER supplemental OBXs are not results', () => {
    const r = decodeOru(lawControlRun);
    if (!r.ok) throw new Error(r.rejection.reason);
    expect(codes(r.value.reports)).toEqual([['GLUC=5.42'], ['CREA=106']]);
    expect(r.value.notes.filter((n) => /IHE LAW supplemental/.test(n))).toHaveLength(8);
    expect(r.value.notes.filter((n) => /qualitative companion/.test(n))).toHaveLength(2);
    expect(r.value.notes.join('\n')).not.toMatch(/5\.42|106/);
  });

  it('the same shape as a patient message: one result per order, no PT / CalibrationID / QC_TARGET to the chart', () => {
    const reports = decoded(lawPatientRun);
    expect(reports.map((rep) => rep.control)).toEqual([undefined, undefined]);
    expect(reports[0]?.subject).toMatchObject({ mrn: '123456' });
    expect(codes(reports)).toEqual([['GLUC=5.42'], ['CREA=106']]);
  });

  it('cobas 6800/8800 style: a supplemental result under the test’s own code and a run-level one are not results', () => {
    const text = msg(
      'MSH|^~\\&|cobas 6800||Host||20250114093000+0100||OUL^R22^OUL_R22|QC0160|P|2.5.1|||NE|AL||UNICODE UTF-8|||LAB-29^IHE',
      'SPM|1|HIVPC&CONTROL||PLAS|||||||Q^^HL70369',
      'OBR|1|""||HIV^HIV^99ROC',
      'ORC|SC||||CM',
      'OBX|1|DR|RunTimeRange^RunTimeRange^99ROC^S_OTHER^Other Supplemental^IHELAW||20250114080000^20250114090000||||||F',
      'OBX|2|NM|HIV^HIV^99ROC^^^IHELAW||45.1|cp/mL|||||F',
      'OBX|3|NA|HIV^HIV^99ROC^S_OTHER^Other Supplemental^IHELAW||41.47^^37.53||||||F',
    );
    const [report, ...rest] = decoded(text);
    expect(rest).toEqual([]);
    expect(report?.control).toEqual({ role: 'control', marker: 'HL7 SPM-11 Q' });
    expect(codes([report as DeviceReport])).toEqual([['HIV=45.1']]);
  });

  it('a repeated code with a value, or the first OBX of an order with an empty value, is still a result', () => {
    const text = msg(
      'MSH|^~\\&|AU480|CHEMLAB|||20250114093000||ORU^R01|R4|P|2.5.1',
      'PID|1||123456^^^CLINIC^MR',
      'OBR|1||S-1|GLU^Glucose^L',
      'OBX|1|NM|GLU^Glucose^L||100|mg/dL|||||F',
      'OBX|2|NM|GLU^Glucose^L||101|mg/dL|||||F',
      'OBR|2||S-2|NA^Sodium^L',
      'OBX|1|CE|NA^Sodium^L||^^99ROC||||||F',
    );
    expect(codes(decoded(text))).toEqual([['GLU=100', 'GLU=101'], ['NA=']]);
  });

  it('the material named without a lot leaves the lot unset (the core then files by specimen ID); INV-16 is the lot when sent', () => {
    expect(decoded(lawControlRun)[0]?.control).toEqual(lawMark);
    const withLot = lawControlRun.replace('CO^^HL70384|^^99ROC', 'CO^^HL70384|^^99ROC||||||||20270131||||L-0421');
    expect(decoded(withLot)[0]?.control).toEqual({ ...lawMark, lot: 'L-0421', expires: '2027-01-31' });
  });

  it('a calibrator’s container INV of substance type RC (reagent calibrator) names its material', () => {
    const calibrator = lawControlRun
      .replace('Q^^HL70369', 'C^^HL70369')
      .replace('20391^PCCC1^99ROC|OK^^HL703843|CO^^HL70384', '20392^CFAS^99ROC|OK^^HL70383|RC^^HL70384');
    expect(decoded(calibrator)[0]?.control).toEqual({ role: 'calibrator', marker: 'HL7 SPM-11 C', material: 'CFAS', expires: '2026-04-30' });
  });

  // OBR-15 component 7 is SPS specimen role (table 0369), where v2.3 to 2.5 senders without SPM put it.
  const spsRoles: Array<[string, ControlMark | undefined]> = [
    ['Q', { role: 'control', marker: 'HL7 OBR-15.7 Q' }],
    ['Q&Control specimen&HL70369', { role: 'control', marker: 'HL7 OBR-15.7 Q' }],
    ['C', { role: 'calibrator', marker: 'HL7 OBR-15.7 C' }],
    ['R', { role: 'control', marker: 'HL7 OBR-15.7 R', lot: 'patient-replicate' }],
    ['P', undefined],
    ['', undefined],
  ];
  for (const [role, mark] of spsRoles) {
    it(`OBR-15.7 "${role}" without SPM -> ${mark ? mark.role : 'a patient specimen (no mark)'}`, () => {
      const [report] = decoded(withSpsRole(role));
      expect(report?.control).toEqual(mark);
      expect(report?.specimen?.type).toBe('SER');
    });
  }
  it('SPM-11 wins over OBR-15.7 when both name a role', () => {
    expect(decoded(withSpsRole('C', 'SPM|1|S-1||SER|||||||Q'))[0]?.control).toEqual({ role: 'control', marker: 'HL7 SPM-11 Q' });
  });

  it('ORU^R01 with the SPM before its OBR: the SPM is that order’s specimen', () => {
    const text = msg(
      'MSH|^~\\&|AU480|CHEMLAB|||20250114093000||ORU^R01|R5|P|2.5.1',
      'PID|1',
      'SPM|1|QC-L1||SER|||||||Q',
      'OBR|1||QC-L1|GLU^Glucose^L',
      'OBX|1|NM|GLU^Glucose^L||100|mg/dL|||||F',
    );
    const r = decodeOru(text);
    if (!r.ok) throw new Error(r.rejection.reason);
    expect(r.value.reports.map((rep) => rep.control)).toEqual([{ role: 'control', marker: 'HL7 SPM-11 Q' }]);
    expect(r.value.notes.join('\n')).toMatch(/SPM before its OBR/);
  });

  it('ORU^R01: one control SPM marks every order of its PATIENT_RESULT that has no SPM of its own, and no other', () => {
    const text = msg(
      'MSH|^~\\&|AU480|CHEMLAB|||20250114093000||ORU^R01|R6|P|2.5.1',
      'PID|1||123456^^^CLINIC^MR',
      'OBR|1||S-1|NA^Sodium^L',
      'OBX|1|NM|NA^Sodium^L||140|mmol/L|||||F',
      'PID|2',
      'OBR|1||QC-1|GLU^Glucose^L',
      'OBX|1|NM|GLU^Glucose^L||100|mg/dL|||||F',
      'OBR|2||QC-1|CREA^Creatinine^L',
      'OBX|1|NM|CREA^Creatinine^L||90|umol/L|||||F',
      'OBR|3||S-3|K^Potassium^L',
      'OBX|1|NM|K^Potassium^L||4.1|mmol/L|||||F',
      'SPM|1|S-3||SER|||||||P',
      // Its own SPM with no role: a patient's (table 0369's default), never the sibling control's.
      'OBR|4||S-4|CL^Chloride^L',
      'OBX|1|NM|CL^Chloride^L||101|mmol/L|||||F',
      'SPM|1|S-4||SER',
      'OBR|5||QC-1|UREA^Urea^L',
      'OBX|1|NM|UREA^Urea^L||5|mmol/L|||||F',
      'SPM|1|QC-1||SER|||||||Q',
    );
    const mark = { role: 'control', marker: 'HL7 SPM-11 Q' };
    expect(decoded(text).map((rep) => [rep.measurements[0]?.code?.local?.code, rep.control])).toEqual([
      ['NA', undefined],
      ['GLU', mark],
      ['CREA', mark],
      ['K', undefined],
      ['CL', undefined],
      ['UREA', mark],
    ]);
  });

  it('OUL^R22: each specimen marks only its own orders', () => {
    const text = msg(
      'MSH|^~\\&|cobas pure||Host||20250114093000+0100||OUL^R22^OUL_R22|MIX1|P|2.5.1',
      'SPM|1|QC-1||SER|||||||Q',
      'OBR|1|""||GLUC^^99ROC',
      'OBX|1|NM|GLUC^^99ROC||5.4|mmol/L|||||F',
      'SPM|2|S-2||SER',
      'OBR|2|""||GLUC^^99ROC',
      'OBX|1|NM|GLUC^^99ROC||6.1|mmol/L|||||F',
    );
    expect(decoded(text).map((rep) => rep.control?.role)).toEqual(['control', undefined]);
  });
});

describe('hl7-analyzer session: control runs are acknowledged like patient results', () => {
  const stream = frame(lawControlRun) + frame(oruControl) + frame(lawPatient);

  async function outcome(chunks: Uint8Array[]) {
    const h = open(driver);
    for (const c of chunks) h.session.receive(c);
    for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    h.session.close();
    return { reports: h.reports, errors: h.errors, writes: h.writes.map((w) => w.replace(/\|MG[0-9A-Z]+\|/, '|ID|')), logs: logsAboveDebug(h) };
  }

  it('reports each with its mark and answers AA to MSA-2 = MSH-10 in the message’s own event', async () => {
    const out = await outcome([bytes(stream)]);
    expect(out.errors).toEqual([]);
    expect(out.reports.map((r) => [r.specimen?.id, r.control?.marker])).toEqual([
      ['20391', 'HL7 SPM-11 Q'],
      ['20391', 'HL7 SPM-11 Q'],
      ['QC-LOT-4711', 'HL7 SPM-11 Q'],
      ['VL00000101', undefined],
    ]);
    const acks = out.writes.map((w) => {
      expect(w.startsWith('\x0b') && w.endsWith('\x1c\r')).toBe(true);
      return parseAck(w.slice(1, -2));
    });
    expect(acks.map((a) => [a.code, a.controlId])).toEqual([
      ['AA', 'QC0159'],
      ['AA', 'QC0001'],
      ['AA', 'PAT0007'],
    ]);
    // The ACK of a control run has the shape of a patient result's: MSH-9 ACK^<trigger>^ACK, MSA.
    expect(out.writes[0]).toBe('\x0bMSH|^~\\&|Host||cobas pure||20250114093000+0000||ACK^R22^ACK|ID|P|2.5.1\rMSA|AA|QC0159\r\x1c\r');
    expect(out.writes[2]).toBe('\x0bMSH|^~\\&|||||20250114093000+0000||ACK^R22^ACK|ID|P|2.5.1\rMSA|AA|PAT0007\r\x1c\r');
    // Each order of a control run has its own duplicate key, like a patient result's.
    expect(new Set(out.reports.map((r) => r.resendKey)).size).toBe(4);
    expect(out.logs.join('\n')).not.toMatch(/Doe|123456|5\.42|PCCC1/);
  });

  it('any chunking gives the same reports, errors and ACKs', async () => {
    const data = bytes(stream);
    const ref = await outcome([data]);
    expect(ref.reports.map((r) => r.control?.role)).toEqual(['control', 'control', 'control', undefined]);
    expect(ref.writes).toHaveLength(3);
    expect(await outcome(oneByteAtATime(data))).toEqual(ref);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 0, max: data.length }), { maxLength: 30 }), async (cuts) => {
        expect(await outcome(chunksAt(data, cuts))).toEqual(ref);
      }),
      { numRuns: 40 },
    );
  });
});
