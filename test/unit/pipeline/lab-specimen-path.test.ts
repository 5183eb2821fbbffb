// The urine-glucose finding end to end inside one process: the demo's ASTM analyzer output, decoded,
// normalized with the demo's own code map, checked and encoded. A urine dipstick result must go out
// under a urine test-strip code (ordinal, ST), never under the serum glucose code; a code map that
// cannot tell the specimens apart gets the result held, never sent under a code that does not fit.

import { readFileSync } from 'node:fs';
import { Message } from 'node-hl7-client';
import { describe, expect, it } from 'vitest';
import { decodeMessage } from '../../../drivers/astm-lis2/decode.ts';
import { createRng } from '../../../simulators/prng.ts';
import { makePatients, makeTransmission, type Panel } from '../../../simulators/astm-lis2/content.ts';
import { encodeOruLab, type LabOruContext } from '../../../src/hl7/oru-lab.ts';
import type { DeviceReport } from '../../../src/model/driver.ts';
import { knownLoinc } from '../../../src/model/loinc.ts';
import type { Reading } from '../../../src/model/reading.ts';
import { checkCodes } from '../../../src/pipeline/code-check.ts';
import type { CodeMapConfig } from '../../../src/pipeline/code-map.ts';
import { normalize } from '../../../src/pipeline/normalize.ts';

const demo = JSON.parse(readFileSync(new URL('../../../config/demo.json', import.meta.url), 'utf8')) as {
  devices: Array<{ id: string; codeMap?: CodeMapConfig }>;
};
const DEMO_ASTM_MAP = demo.devices.find((d) => d.id === 'astm-1')!.codeMap!;
/** What the demo shipped before specimens: GLU always serum glucose. */
const SPECIMEN_BLIND_MAP: CodeMapConfig = { GLU: { loinc: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' } };

function transmission(panel: Panel): DeviceReport {
  const index = { chemistry: 0, hematology: 1, urinalysis: 2 }[panel];
  const sent = makeTransmission(createRng(7), makePatients(createRng(7)), {
    index,
    now: new Date('2026-12-01T10:00:00Z'),
    implausible: false,
    longComment: false,
  });
  expect(sent.panel).toBe(panel);
  const decoded = decodeMessage(sent.records);
  expect(decoded.problems).toEqual([]);
  expect(decoded.reports).toHaveLength(1);
  return decoded.reports[0]!;
}

function read(report: DeviceReport, codeMap: CodeMapConfig): Reading {
  return normalize(report, { deviceId: 'astm-1', kind: 'lab', receivedAt: new Date('2026-12-01T10:00:05Z'), id: 'R1', codeMap }).reading;
}

const CTX: LabOruContext = {
  controlId: 'C1',
  now: new Date('2026-12-01T10:00:06Z'),
  offsetMinutes: 0,
  sendingApplication: { name: 'MEDGATE' },
  patient: { mrn: 'PID0001' },
  device: { id: 'astm-1', label: 'Lab analyzer', kind: 'lab' },
};

interface Obx {
  group: number;
  type: string;
  code: string;
  system: string;
  alt: string;
  value: string;
}

function rows(hl7: string): { obr4: string[]; obx: Obx[] } {
  const obr4: string[] = [];
  const obx: Obx[] = [];
  for (const seg of hl7.split('\r').filter(Boolean)) {
    const f = seg.split('|');
    if (f[0] === 'OBR') obr4.push(f[4] ?? '');
    if (f[0] === 'OBX') {
      const c = (f[3] ?? '').split('^');
      obx.push({ group: obr4.length, type: f[2] ?? '', code: c[0] ?? '', system: c[2] ?? '', alt: c[3] ?? '', value: f[5] ?? '' });
    }
  }
  return { obr4, obx };
}

describe('urinalysis from the demo ASTM analyzer', () => {
  it('carries its specimen from the O record (O.16) into the reading', () => {
    expect(read(transmission('urinalysis'), DEMO_ASTM_MAP).specimen?.type).toEqual({ code: 'UR', display: 'Urine', system: 'HL70487' });
    expect(read(transmission('chemistry'), DEMO_ASTM_MAP).specimen?.type?.code).toBe('SER');
  });

  it('goes out under urine test-strip codes with the demo map: glucose 25428-4 as ST, never 2345-7', () => {
    const reading = read(transmission('urinalysis'), DEMO_ASTM_MAP);
    expect(checkCodes(reading)).toEqual([]);
    const { obx } = rows(encodeOruLab(reading, CTX));
    const glucose = obx.find((o) => o.alt === 'GLU')!;
    expect(glucose).toMatchObject({ code: '25428-4', system: 'LN', type: 'ST' });
    expect(obx.map((o) => o.code)).not.toContain('2345-7');
    expect(Object.fromEntries(obx.map((o) => [o.alt, o.code]))).toEqual({
      GLU: '25428-4',
      PRO: '20454-5',
      PH: '5803-2',
      SG: '5811-5',
      KET: '2514-8',
      BLD: '5794-3',
      LEU: '5799-2',
    });
    // No quantitative LOINC carries text.
    for (const o of obx) if (knownLoinc(o.code)?.scale === 'Qn') expect([o.code, o.type]).toEqual([o.code, 'NM']);
  });

  it('sends serum chemistry from the same analyzer under the serum codes', () => {
    const reading = read(transmission('chemistry'), DEMO_ASTM_MAP);
    expect(checkCodes(reading)).toEqual([]);
    const glucose = rows(encodeOruLab(reading, CTX)).obx.find((o) => o.alt === 'GLU')!;
    expect(glucose).toMatchObject({ code: '2345-7', type: 'NM' });
  });

  it('is held as a code mismatch under a specimen-blind map, naming the result', () => {
    const reading = read(transmission('urinalysis'), SPECIMEN_BLIND_MAP);
    const index = reading.observations.findIndex((o) => o.code.local?.code === 'GLU');
    expect(checkCodes(reading)).toEqual([
      {
        kind: 'code',
        code: 'code-mismatch',
        text: expect.stringMatching(/^code mismatch: GLU '.+' is not a number, but LOINC 2345-7 .* is quantitative$/),
        observations: [index],
      },
    ]);
  });

  it('holds a numeric urine glucose under the serum code: the code is for another specimen', () => {
    const report = transmission('urinalysis');
    const glu = report.measurements.find((m) => m.code?.local?.code === 'GLU')!;
    glu.value = 100;
    glu.valueText = '100';
    glu.unit = 'mg/dL';
    const reasons = checkCodes(read(report, SPECIMEN_BLIND_MAP));
    expect(reasons).toEqual([
      expect.objectContaining({
        kind: 'code',
        code: 'code-mismatch',
        text: expect.stringMatching(/GLU is a Urine result, but LOINC 2345-7 .* is for another specimen/),
      }),
    ]);
  });

  it('goes out as a local code when no mapping is for its specimen', () => {
    const reading = read(transmission('urinalysis'), { GLU: { specimen: ['SER'], loinc: '2345-7' } });
    const glucose = reading.observations.find((o) => o.code.local?.code === 'GLU')!;
    expect(glucose.code.loinc).toBeUndefined();
    expect(checkCodes(reading)).toEqual([]);
    const result = normalize(transmission('urinalysis'), {
      deviceId: 'astm-1',
      kind: 'lab',
      receivedAt: new Date(),
      codeMap: { GLU: { specimen: ['SER'], loinc: '2345-7' } },
    });
    expect(result.unmapped).toContainEqual({ code: 'GLU', specimen: 'UR' });
  });

  it('takes the device configured specimen when the analyzer sends none', () => {
    const report = transmission('urinalysis');
    delete report.specimen!.type;
    const reading = normalize(report, {
      deviceId: 'astm-1',
      kind: 'lab',
      receivedAt: new Date(),
      codeMap: DEMO_ASTM_MAP,
      specimenType: { code: 'UR', display: 'Urine' },
    }).reading;
    expect(reading.observations.find((o) => o.code.local?.code === 'GLU')!.code.loinc).toBe('25428-4');
  });
});

describe('an ASTM order of several tests (O.5 repeats)', () => {
  it('puts each result under an OBR that names its own test, not the first test of the list', () => {
    const reading = read(transmission('urinalysis'), DEMO_ASTM_MAP);
    expect(reading.order?.tests?.map((t) => t.code)).toEqual(['GLU', 'PRO', 'PH', 'SG', 'KET', 'BLD', 'LEU']);
    const hl7 = encodeOruLab(reading, CTX);
    const { obr4, obx } = rows(hl7);
    expect(obr4.map((s) => s.split('^')[0])).toEqual(['25428-4', '20454-5', '5803-2', '5811-5', '2514-8', '5794-3', '5799-2']);
    expect(obr4.map((s) => s.split('^')[3])).toEqual(['GLU', 'PRO', 'PH', 'SG', 'KET', 'BLD', 'LEU']);
    // Each OBX sits in the group whose OBR names it; OBX set IDs restart per group.
    for (const o of obx) expect(obr4[o.group - 1]!.split('^')[0]).toBe(o.code);
    expect(hl7.match(/\rOBX\|1\|/g)).toHaveLength(7);
    expect(hl7.match(/\rORC\|RE\|/g)).toHaveLength(7);
    // The HL7 stand-in's parser reads every OBR.
    expect(new Message({ text: hl7 }).get('OBR').length).toBe(7);
  });

  it('keeps one OBR for a single test, named by its mapped LOINC with the analyzer code as alternate', () => {
    const report = transmission('urinalysis');
    report.order = { ...report.order, code: { system: 'L', code: 'GLU' } };
    delete report.order.tests;
    report.measurements = report.measurements.filter((m) => m.code?.local?.code === 'GLU');
    const { obr4 } = rows(encodeOruLab(read(report, DEMO_ASTM_MAP), CTX));
    expect(obr4).toHaveLength(1);
    expect(obr4[0]).toMatch(/^25428-4\^Glucose \[Presence\] in Urine by Test strip\^LN\^GLU\^/);
  });

  it('puts a result for no ordered test under a last OBR that names the device', () => {
    const report = transmission('chemistry');
    report.measurements.push({ code: { local: { system: 'L', code: 'EGFR' } }, value: 90, valueText: '90', unit: 'mL/min/{1.73_m2}' });
    const { obr4, obx } = rows(encodeOruLab(read(report, DEMO_ASTM_MAP), CTX));
    expect(obr4).toHaveLength(7);
    expect(obr4[6]).toMatch(/^astm-1\^Lab analyzer\^/);
    expect(obx.find((o) => o.code === 'EGFR')?.group).toBe(7);
  });
});

describe('SPM-4 names the specimen the analyzer sent, never the configured one instead', () => {
  const withType = (type: string | undefined): string => {
    const report = transmission('chemistry');
    if (type === undefined) delete report.specimen!.type;
    else report.specimen!.type = type;
    const reading = normalize(report, {
      deviceId: 'astm-1',
      kind: 'lab',
      receivedAt: new Date(),
      codeMap: DEMO_ASTM_MAP,
      specimenType: { code: 'SER', display: 'Serum' },
    }).reading;
    return (
      encodeOruLab(reading, { ...CTX, specimenType: { code: 'SER', display: 'Serum' } })
        .split('\r')
        .find((s) => s.startsWith('SPM|')) ?? ''
    );
  };

  it('sends the table 0487 code the analyzer sent', () => {
    expect(withType('urine')).toMatch(/\|UR\^Urine\^HL70487/);
  });

  it('sends no SPM for a type 0487 has no code for (capillary blood) or a word it does not know', () => {
    expect(withType('capillary blood')).toBe('');
    expect(withType('urine strip')).toBe('');
  });

  it("falls back to the device's configured type only when the analyzer sent none", () => {
    expect(withType(undefined)).toMatch(/\|SER\^Serum\^HL70487/);
  });
});
