// Every ORU the gateway can build, through the real code path: each driver fed wire input as its
// device (or simulator) sends it, its report normalized with the demo configuration's code maps,
// then encoded with the contexts the intake builds (src/pipeline/intake.ts #encode): with and
// without a visit, with and without the EHR's order numbers, with a specimen type, EKG with its
// aECG attachment and with waveform rows only, lab from the ASTM and the HL7-analyzer paths.
// Each message must pass the conformance checker, and its LOINC-coded rows must fit the code:
// a quantitative code carries a number, a code's specimen (System) is the SPM-4 specimen.

import { beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { encodeOruLab } from '../../src/hl7/oru-lab.ts';
import { encodeOruPcd01 } from '../../src/hl7/oru-pcd01.ts';
import type { PatientRef, Reading } from '../../src/model/reading.ts';
import type { Visit } from '../../src/model/visit.ts';
import { checkMessage, formatViolations } from '../support/hl7-conformance/check.ts';
import { LOINC, SPECIMENS_OF_SYSTEM } from '../support/hl7-conformance/loinc.ts';
import { ucumProblem } from '../support/hl7-conformance/ucum.ts';
import { components, readWire, repetitions, type WireSegment } from '../support/hl7-conformance/wire.ts';
import {
  aecgReport,
  astmReport,
  boundPatient,
  demoConfig,
  deviceSettings,
  EKG_SUMMARY,
  ekgSerialReport,
  hl7AnalyzerReport,
  INPATIENT,
  MQTT_BP,
  mqttReport,
  normalized,
  OUTPATIENT_NO_CLASS,
  sessionReport,
  TANITA_SC240,
  withAuthority,
  withOrder,
  withoutAttachments,
} from './readings.ts';

const BUILT = new Date('2025-01-14T09:30:06.000Z');

let config: Config;
beforeAll(async () => {
  config = await demoConfig();
});

type PcdContext = Parameters<typeof encodeOruPcd01>[1];
type LabContext = Parameters<typeof encodeOruLab>[1];

interface EncodeOptions {
  patient: PatientRef;
  visit?: Visit;
  /** devices[].equipment.eui64 (OBX-18 as EUI-64). */
  equipmentEui64?: string;
  /** devices[].lab.specimenType (SPM-4). */
  specimenType?: { code: string; display?: string };
}

/** The header context intake.ts builds from the configuration. */
function header(reading: Reading, o: EncodeOptions) {
  const gateway = config.gateway ?? {};
  const base = {
    controlId: `C${reading.id.slice(-8)}`,
    now: BUILT,
    offsetMinutes: 60,
    sendingApplication: { name: gateway.application ?? 'MEDGATE', ...(gateway.eui64 !== undefined && { eui64: gateway.eui64 }) },
    ...(gateway.facility !== undefined && { sendingFacility: gateway.facility }),
    patient: o.patient,
    ...(o.visit && { visit: o.visit }),
  };
  const label = config.devices.find((x) => x.id === reading.deviceId)?.label;
  return { base, deviceRef: { id: reading.deviceId, kind: reading.kind, ...(label !== undefined && { label }) } };
}

function pcd01(reading: Reading, o: EncodeOptions): string {
  const { base, deviceRef } = header(reading, o);
  const ctx: PcdContext = { ...base, device: { ...deviceRef, ...(o.equipmentEui64 !== undefined && { eui64: o.equipmentEui64 }) } };
  return encodeOruPcd01(reading, ctx);
}

function labOru(reading: Reading, o: EncodeOptions): string {
  const { base, deviceRef } = header(reading, o);
  const ctx: LabContext = { ...base, device: deviceRef, ...(o.specimenType && { specimenType: o.specimenType }) };
  return encodeOruLab(reading, ctx);
}

// --- what every message is checked for, beyond the checker ---------------------------------------

interface Row {
  obx: WireSegment;
  order: number;
  label: string;
}

function rowsOf(text: string): { segments: WireSegment[]; rows: Row[] } {
  const { segments } = readWire(text);
  const rows: Row[] = [];
  let order = 0;
  let obx = 0;
  for (const s of segments) {
    if (s.name === 'OBR') order++;
    if (s.name === 'OBX') rows.push({ obx: s, order, label: `OBX[${++obx}]` });
  }
  return { segments, rows };
}

const d = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };

/** The LOINC code of a CE/CWE (either triplet), if any. */
function loincOf(field: string): string | undefined {
  const c = components(field, d);
  if (c[2] === 'LN') return c[0];
  if (c[5] === 'LN') return c[3];
  return undefined;
}

function codesOf(field: string): string[] {
  const c = components(field, d);
  return [c[0], c[3]].filter((x): x is string => x !== undefined && x !== '');
}

/**
 * LOINC Scale: a Qn code (a [Mass/volume] ... term) carries a number (NM, or SN with a comparator);
 * its System is the specimen SPM-4 names (HL7 v2.5.1 ch. 7: SPM describes the specimen the
 * OBX rows of its order were measured on).
 */
function loincProblems(text: string): string[] {
  const out: string[] = [];
  const { segments, rows } = rowsOf(text);
  const specimens = new Map<number, string>();
  let order = 0;
  for (const s of segments) {
    if (s.name === 'OBR') order++;
    if (s.name === 'SPM') specimens.set(order, components(s.fields[4] ?? '', d)[0] ?? '');
  }
  for (const { obx, order: o, label } of rows) {
    const loinc = loincOf(obx.fields[3] ?? '');
    if (loinc === undefined) continue;
    const facts = LOINC[loinc];
    if (!facts) {
      out.push(`${label}: LOINC ${loinc} is not in test/support/hl7-conformance/loinc.ts (add its scale and system)`);
      continue;
    }
    const type = obx.fields[2] ?? '';
    if (facts.scale === 'Qn' && (obx.fields[5] ?? '') !== '' && type !== 'NM' && type !== 'SN') {
      out.push(`${label}: LOINC ${loinc} (${facts.name}) is quantitative but carries ${type} "${obx.fields[5]}"`);
    }
    const specimen = specimens.get(o);
    if (specimen && facts.system && !SPECIMENS_OF_SYSTEM[facts.system].includes(specimen)) {
      out.push(`${label}: LOINC ${loinc} (${facts.name}, system ${facts.system}) on a ${specimen} specimen`);
    }
  }
  return out;
}

/**
 * OBR-4 identifies what was ordered, the battery the order's OBX rows answer (HL7 v2.5.1 ch. 4
 * OBR-4, ch. 7 ORDER_OBSERVATION). An OBR-4 that is the code of one of its own result rows while
 * the order reports other tests too names one test as the whole order.
 */
function orderCodeProblems(text: string): string[] {
  const out: string[] = [];
  const { segments, rows } = rowsOf(text);
  let order = 0;
  for (const s of segments) {
    if (s.name !== 'OBR') continue;
    order++;
    const ordered = codesOf(s.fields[4] ?? '');
    const results = rows.filter((r) => r.order === order && (r.obx.fields[5] ?? '') !== '').map((r) => codesOf(r.obx.fields[3] ?? ''));
    const names = results.filter((codes) => codes.some((c) => ordered.includes(c)));
    if (names.length > 0 && results.length > names.length) {
      out.push(`OBR[${order}] OBR-4 ${s.fields[4]} is the code of one of its ${results.length} results`);
    }
  }
  return out;
}

/** Every unit sent with coding system UCUM (OBX-6) is valid UCUM. */
function unitProblems(text: string): string[] {
  const out: string[] = [];
  for (const { obx, label } of rowsOf(text).rows) {
    for (const rep of repetitions(obx.fields[6] ?? '', d)) {
      const c = components(rep, d);
      for (const k of [0, 3]) {
        if (c[k + 2] !== 'UCUM') continue;
        const bad = ucumProblem(c[k] ?? '');
        if (bad) out.push(`${label} OBX-6: ${bad}`);
      }
    }
  }
  return out;
}

function expectConformant(text: string): void {
  const problems = [formatViolations(checkMessage(text)), ...loincProblems(text), ...orderCodeProblems(text), ...unitProblems(text)].filter((p) => p !== '');
  expect(problems.join('\n'), text.replace(/\r/g, '\n')).toBe('');
}

// --- the catalogue ----------------------------------------------------------------------------------

describe('IHE PCD-01 ORU^R01 v2.6 (device vitals, body composition, EKG)', () => {
  it('A&D scale, kg, bound patient, no visit', async () => {
    const reading = normalized(config, await sessionReport('ad-scale', {}, 'ST,GS,+0070.50kg\r\n'), 'scale-1', 'scale', 'R0000SCALE01');
    expectConformant(pcd01(reading, { patient: boundPatient(config, 'scale-1') }));
  });

  it('A&D scale, lb converted to kg, inpatient visit, device EUI-64 in OBX-18', async () => {
    const reading = normalized(config, await sessionReport('ad-scale', {}, 'ST,GS,+0155.40lb\r\n'), 'scale-1', 'scale', 'R0000SCALE02');
    expectConformant(pcd01(reading, { patient: boundPatient(config, 'scale-1'), visit: INPATIENT, equipmentEui64: '0019A1FFFE0B4020' }));
  });

  it('Accutorr NIBP with SpO2, visit, EHR order numbers', async () => {
    const report = await sessionReport('accutorr', deviceSettings(config, 'bp-1'), 'P:097,072,128, 95, 82,000,000,000, 1\r\n');
    expectConformant(pcd01(withOrder(normalized(config, report, 'bp-1', 'bp', 'R0000NIBP001')), { patient: boundPatient(config, 'bp-1'), visit: INPATIENT }));
  });

  it('Tanita body composition (SC-240), visit without a class', async () => {
    const reading = normalized(config, await sessionReport('tanita', {}, TANITA_SC240), 'bodycomp-1', 'scale', 'R0000TANITA1');
    expectConformant(pcd01(reading, { patient: boundPatient(config, 'bodycomp-1'), visit: OUTPATIENT_NO_CLASS }));
  });

  it('Nonin oximeter through generic-line (demo pattern), assigned patient', async () => {
    const report = await sessionReport('generic-line', deviceSettings(config, 'spo2-1'), 'SPO2=097 HR=072\r\n');
    const patient = withAuthority(config, { mrn: 'DEMO1004', family: 'Triage', given: 'Dana', sex: 'F' });
    expectConformant(pcd01(normalized(config, report, 'spo2-1', 'vitals', 'R0000SPO2001'), { patient }));
  });

  it('MQTT vitals (simulator shape): BP with pulse, patient with a name', () => {
    const reading = normalized(config, mqttReport(MQTT_BP), 'bp-mqtt', 'bp', 'R0000MQTT001');
    expectConformant(pcd01(reading, { patient: withAuthority(config, reading.subject!) }));
  });

  it('MQTT vitals (README example): temperature in degF, patient known by MRN only', () => {
    const report = mqttReport({ device: 'SN-20431', measurements: [{ type: 'temperature', value: 99.1, unit: 'degF' }], patient: { mrn: 'MRN4711' } });
    const reading = normalized(config, report, 'bp-mqtt', 'vitals', 'R0000MQTT002');
    expectConformant(pcd01(reading, { patient: withAuthority(config, reading.subject!) }));
  });

  it('EKG cart serial summary with interpretation, reported patient, visit', () => {
    const reading = normalized(config, ekgSerialReport(EKG_SUMMARY), 'ekg-1', 'ekg', 'R0000EKGSER1');
    expectConformant(pcd01(reading, { patient: withAuthority(config, reading.subject!), visit: INPATIENT }));
  });

  it('EKG from an aECG document: measurements, interpretation and the document as ED, EHR order numbers', () => {
    const reading = withOrder(normalized(config, aecgReport('resting-2lead.xml'), 'ekg-2', 'ekg', 'R0000AECG001'));
    expectConformant(pcd01(reading, { patient: withAuthority(config, reading.subject!), visit: INPATIENT }));
  });

  it('EKG with waveform rows only (the tracing without its document: NA rows per lead)', () => {
    // No driver today sends a tracing without its document; the encoder's NA path is what a
    // waveform-only reading (a cart streaming samples) takes, so it is built from this one.
    const reading = withoutAttachments(normalized(config, aecgReport('resting-2lead.xml'), 'ekg-2', 'ekg', 'R0000AECG002'));
    expect(reading.observations.some((o) => typeof o.value === 'object' && o.value.kind === 'waveform')).toBe(true);
    expectConformant(pcd01(reading, { patient: withAuthority(config, reading.subject!) }));
  });

  it('EKG aECG from a vendor without a patient, assigned to a patient', () => {
    const reading = normalized(config, aecgReport('vendor-gl-no-patient.xml'), 'ekg-2', 'ekg', 'R0000AECG003');
    expectConformant(pcd01(reading, { patient: withAuthority(config, { mrn: 'DEMO1005', family: 'Cart', given: 'Eve', dob: '1980-02-29', sex: 'F' }) }));
  });
});

describe('lab ORU^R01 v2.5.1 (analyzers)', () => {
  it('ASTM chemistry panel (multi-test order, comments), as the analyzer numbered it', () => {
    const reading = normalized(config, astmReport(0), 'astm-1', 'lab', 'R0000ASTM001');
    expectConformant(labOru(reading, { patient: withAuthority(config, reading.subject!) }));
  });

  it('ASTM hematology panel with the EHR order numbers and a visit', () => {
    const reading = withOrder(normalized(config, astmReport(1), 'astm-1', 'lab', 'R0000ASTM002'));
    expectConformant(labOru(reading, { patient: withAuthority(config, reading.subject!), visit: INPATIENT }));
  });

  it('ASTM urinalysis with the device specimen type urine (README lab.specimenType example)', () => {
    const specimenType = { code: 'UR', display: 'Urine' };
    const reading = normalized(config, astmReport(2), 'astm-1', 'lab', 'R0000ASTM003', { specimenType });
    expectConformant(labOru(reading, { patient: withAuthority(config, reading.subject!), specimenType }));
  });

  it.each([
    [0, 'basic metabolic panel'],
    [1, 'complete blood count'],
    [2, 'HbA1c'],
    [3, 'PT/INR'],
  ])('HL7 analyzer %i (%s), specimen from its SPM', (index) => {
    const reading = normalized(config, hl7AnalyzerReport(index), 'chem-1', 'lab', `R0000HL7A00${index}`);
    expectConformant(labOru(reading, { patient: withAuthority(config, reading.subject!), ...(index === 0 && { visit: OUTPATIENT_NO_CLASS }) }));
  });

  it('HL7 analyzer basic metabolic panel with the EHR order numbers and the device specimen type serum', () => {
    const specimenType = { code: 'SER', display: 'Serum' };
    const reading = withOrder(normalized(config, hl7AnalyzerReport(0), 'chem-1', 'lab', 'R0000HL7A010', { specimenType }));
    expectConformant(labOru(reading, { patient: withAuthority(config, reading.subject!), visit: INPATIENT, specimenType }));
  });
});
