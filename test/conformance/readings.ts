// Readings as the gateway makes them, for the conformance tests: each driver fed wire input as its
// device (or its simulator in simulators/) sends it, through the driver's own decoder or session,
// then src/pipeline/normalize.ts with the demo configuration's code maps; patients, visits and
// order numbers as the patient pipeline attaches them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { drivers } from '../../drivers/index.ts';
import { decodeMessage } from '../../drivers/astm-lis2/decode.ts';
import { decodeAecg } from '../../drivers/ekg-aecg/decode.ts';
import { EkgBlockAssembler } from '../../drivers/ekg-serial/decode.ts';
import { decodeOru } from '../../drivers/hl7-analyzer/decode.ts';
import { decodeReading } from '../../drivers/mqtt-json/decode.ts';
import { makePatients, makeTransmission } from '../../simulators/astm-lis2/content.ts';
import { buildOru } from '../../simulators/hl7-analyzer.ts';
import { createRng } from '../../simulators/prng.ts';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { driverCatalog } from '../../src/devices/driver-catalog.ts';
import type { DeviceReport } from '../../src/model/driver.ts';
import type { PatientRef, Reading } from '../../src/model/reading.ts';
import { normalize, type NormalizeContext } from '../../src/pipeline/normalize.ts';
import type { Visit } from '../../src/model/visit.ts';
import { open } from '../unit/drivers/harness.ts';

export const ROOT = join(import.meta.dirname, '../..');
export const RECEIVED = new Date('2025-01-14T09:30:05.000Z');

let demo: Promise<Config> | undefined;

/** config/demo.json, validated by the gateway's own loader. */
export function demoConfig(): Promise<Config> {
  demo ??= loadConfig(join(ROOT, 'config/demo.json'), driverCatalog(drivers));
  return demo;
}

export function deviceSettings(config: Config, id: string): Record<string, unknown> {
  const d = config.devices.find((x) => x.id === id);
  if (!d) throw new Error(`config/demo.json has no device ${id}`);
  return d.settings ?? {};
}

function only<T>(items: T[], what: string): T {
  expect(items, what).toHaveLength(1);
  return items[0]!;
}

/** A line-oriented driver's session fed the bytes its device sends: the one report it emitted. */
export async function sessionReport(driverId: string, settings: Record<string, unknown>, wire: string): Promise<DeviceReport> {
  const driver = drivers.find((d) => d.id === driverId);
  if (!driver) throw new Error(`no driver ${driverId}`);
  const h = open(driver, settings);
  h.feed(wire);
  await new Promise((r) => setImmediate(r));
  h.session.close();
  expect(h.errors, `${driverId} refused its input`).toEqual([]);
  return only(h.reports, `one report from ${driverId}`);
}

/** The EKG cart's serial summary (drivers/ekg-serial/README.md, simulators/ekg/cart-output.ts). */
export function ekgSerialReport(lines: string[]): DeviceReport {
  const assembler = new EkgBlockAssembler();
  const events = lines.flatMap((line) => assembler.push(line));
  expect(events.filter((e) => e.kind === 'error')).toEqual([]);
  return only(
    events.flatMap((e) => (e.kind === 'report' ? [e.report] : [])),
    'one EKG summary',
  );
}

export const EKG_SUMMARY = [
  'ECG REPORT',
  'ID: MRN4711',
  'NAME: Doe, Jane',
  'DOB: 1970-01-01',
  'SEX: F',
  'DATE: 2025-01-14 10:29:40',
  'DEVICE: CardioSim 12 SN0042',
  'HR: 72 bpm',
  'PR: 160 ms',
  'QRS: 92 ms',
  'QT/QTc: 380/416 ms',
  'AXES P/QRS/T: 45/30/-15',
  'INTERP: Sinus rhythm',
  'INTERP: Normal ECG',
  'END',
];

/** An aECG document from test/fixtures/ekg. */
export function aecgReport(file: string): DeviceReport {
  const decoded = decodeAecg(readFileSync(join(ROOT, 'test/fixtures/ekg', file)), { maxBytes: 1 << 20 });
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.report;
}

/** An mqtt-json message (drivers/mqtt-json/README.md). */
export function mqttReport(message: object): DeviceReport {
  const decoded = decodeReading(Buffer.from(JSON.stringify(message)));
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.value.report;
}

/** The BP message of the MQTT vitals simulator, with a named patient. */
export const MQTT_BP = {
  device: 'SN-20431',
  time: '2025-01-14T10:29:58+01:00',
  id: 'm-0001',
  patient: { mrn: 'MRN4711', family: 'Hon', given: 'Albert' },
  measurements: [
    { type: 'bp.systolic', value: 131, unit: 'mmHg' },
    { type: 'bp.diastolic', value: 84, unit: 'mmHg' },
    { type: 'bp.mean', value: 100, unit: 'mmHg' },
    { type: 'pulse', value: 71, unit: 'bpm' },
  ],
};

export const TANITA_SC240 =
  '{0,16,~0,1,~1,1,~2,1,MO,"SC-240",SN,"00000002",Bt,0,GE,1,AG,30,Hm,170,Pt,0.0,Wk,82.7,FW,18.6,fW,15.4,MW,67.3,mW,64.0,sW,19,bW,3.3,wW,48.0,ww,58.0,MI,28.6,Sw,63.6,OV,30.0,IF,6,rb,8255,rB,1973,rJ,12,rA,28,ZF,369.4,CS,FD\r\n';

/** One ASTM transmission of the analyzer simulator (index 0 chemistry, 1 hematology, 2 urinalysis). */
export function astmReport(index: number): DeviceReport {
  const rng = createRng(7);
  const tx = makeTransmission(rng, makePatients(rng), { index, now: RECEIVED, implausible: false, longComment: index === 0 });
  const decoded = decodeMessage(tx.records);
  expect(decoded.problems).toEqual([]);
  return only(decoded.reports, `one report from ASTM transmission ${index}`);
}

/** One ORU of the HL7 analyzer simulator (index 0 BMP, 1 CBC, 2 HbA1c, 3 PT/INR). */
export function hl7AnalyzerReport(index: number): DeviceReport {
  const decoded = decodeOru(buildOru(index, createRng(11 + index), RECEIVED.getTime()).text);
  if (!decoded.ok) throw new Error(decoded.rejection.reason);
  return only(decoded.value.reports, `one report from analyzer ORU ${index}`);
}

/** The report normalized as the intake does, with the device's code map; a held reading fails the test. */
export function normalized(
  config: Config,
  report: DeviceReport,
  deviceId: string,
  kind: Reading['kind'],
  id: string,
  extra: Partial<NormalizeContext> = {},
): Reading {
  const codeMap = config.devices.find((x) => x.id === deviceId)?.codeMap;
  const ctx: NormalizeContext = { deviceId, kind, receivedAt: RECEIVED, id, ...(codeMap && { codeMap }), ...extra };
  const { reading, problems } = normalize(report, ctx);
  expect(problems, `${deviceId}: the reading would be held, not sent`).toEqual([]);
  return reading;
}

/** The patient with the gateway's assigning authority, as intake.ts withAuthority does. */
export function withAuthority(config: Config, p: PatientRef): PatientRef {
  const authority = config.gateway?.assigningAuthority;
  return p.assigningAuthority === undefined && authority !== undefined ? { ...p, assigningAuthority: authority } : p;
}

/** The patient a demo binding gives (config demo.bindings). */
export function boundPatient(config: Config, deviceId: string): PatientRef {
  const b = config.demo?.bindings?.find((x) => x.device === deviceId);
  if (!b) throw new Error(`no demo binding for ${deviceId}`);
  return withAuthority(config, b.patient as PatientRef);
}

export const INPATIENT: Visit = { patientClass: 'I', location: 'ICU^3^1', visitNumber: 'V20250114-0042', admittedAt: '2025-01-13T22:10:00+01:00' };
/** A visit whose class the ADT left out: PV1-2 goes out as U. */
export const OUTPATIENT_NO_CLASS: Visit = { location: 'CLINIC-A^Room 2', visitNumber: 'V20250114-0107' };

/** The EHR's order numbers, as order-mode patient resolution puts them on the reading. */
export function withOrder(reading: Reading): Reading {
  return { ...reading, order: { ...reading.order, placer: 'ORD-778812', filler: 'LAB-55012' } };
}

/** The reading without its document: what a cart that streams only samples gives. */
export function withoutAttachments(reading: Reading): Reading {
  return { ...reading, observations: reading.observations.filter((o) => typeof o.value !== 'object' || o.value.kind !== 'attachment') };
}
