// PID and PV1 from the patient directory, and the EHR's order numbers in OBR (and ORC), in both ORU
// encoders.

import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Message } from 'node-hl7-client';
import type { HL7Node } from 'node-hl7-client';
import type { Observation, PatientRef, Reading } from '../../../src/model/reading.ts';
import type { Visit } from '../../../src/model/visit.ts';
import { encodeOruPcd01, type OruContext } from '../../../src/hl7/oru-pcd01.ts';
import { encodeOruLab, type LabOruContext } from '../../../src/hl7/oru-lab.ts';

const NOW = new Date('2026-11-27T14:41:06.000Z');
const PATIENT: PatientRef = { mrn: 'MRN100234', assigningAuthority: 'CLINIC_EHR', family: 'Rivera', given: 'Ana', dob: '1984-03-09', sex: 'F' };
const VISIT: Visit = {
  visitNumber: 'V55012',
  patientClass: 'O',
  location: 'FAMILY MED^EXAM 3^B',
  admittedAt: '2026-11-27T08:15:00-05:00',
};

const SYS: Observation = {
  code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_SYS', code: 150021 }, loinc: '8480-6', display: 'Systolic blood pressure' },
  value: 118,
  precision: 0,
  unit: 'mm[Hg]',
  status: 'F',
};
const GLUCOSE: Observation = {
  code: { loinc: '2345-7', display: 'Glucose', local: { system: 'L', code: 'GLU', display: 'Glucose' } },
  value: 99,
  precision: 0,
  unit: 'mg/dL',
  status: 'F',
  equipment: 'PX-0042',
};

function bpReading(over: Partial<Reading> = {}): Reading {
  return {
    id: '0MX1BP0000000001',
    deviceId: 'bp-1',
    kind: 'bp',
    observedAt: '2026-11-27T09:41:00.000-05:00',
    receivedAt: '2026-11-27T09:41:01.000-05:00',
    observations: [SYS],
    raw: '',
    ...over,
  };
}

function labReading(over: Partial<Reading> = {}): Reading {
  return {
    id: '0MX1LAB000000001',
    deviceId: 'chem-1',
    kind: 'lab',
    observedAt: '2026-11-27T09:41:00.000-05:00',
    receivedAt: '2026-11-27T09:41:02.000-05:00',
    specimen: { id: 'S-7781', collectedAt: '2026-11-27T08:30:00.000-05:00' },
    observations: [GLUCOSE],
    raw: '',
    ...over,
  };
}

function pcdContext(over: Partial<OruContext> = {}): OruContext {
  return {
    controlId: '0MX1CTL000000001',
    now: NOW,
    offsetMinutes: -300,
    sendingApplication: { name: 'MEDGATE' },
    receivingApplication: 'EHR',
    patient: PATIENT,
    visit: VISIT,
    device: { id: 'bp-1', label: 'Accutorr 3', kind: 'bp' },
    ...over,
  };
}

function labContext(over: Partial<LabOruContext> = {}): LabOruContext {
  return {
    controlId: '0MX1CTL000000002',
    now: NOW,
    offsetMinutes: -300,
    sendingApplication: { name: 'MEDGATE' },
    receivingApplication: 'EHR',
    patient: PATIENT,
    visit: VISIT,
    device: { id: 'chem-1', label: 'Piccolo', kind: 'lab' },
    ...over,
  };
}

function lines(text: string): string[] {
  expect(text.endsWith('\r')).toBe(true);
  return text.slice(0, -1).split('\r');
}

function expectSegments(actual: string, golden: string[]): void {
  const got = lines(actual);
  expect(got.map((s) => s.slice(0, 3))).toEqual(golden.map((s) => s.slice(0, 3)));
  got.forEach((segment, i) => {
    // Field by field first, so a failure names the field.
    const want = (golden[i] ?? '').split('|');
    const have = segment.split('|');
    want.forEach((field, f) => expect(have[f], `${want[0]}-${segment.startsWith('MSH') ? f + 1 : f}`).toBe(field));
    expect(have).toHaveLength(want.length);
  });
  expect(actual).toBe(`${golden.join('\r')}\r`);
}

function str(node: HL7Node, path: string): string {
  return node.get(path).toString();
}

function segmentOf(text: string, name: string): string[] {
  return (lines(text).find((s) => s.startsWith(`${name}|`)) ?? '').split('|');
}

const PV1_GOLDEN = 'PV1|1|O|FAMILY MED^EXAM 3^B||||||||||||||||V55012|||||||||||||||||||||||||20261127081500-0500';
const T = '20261127094100-0500';

const PCD_GOLDEN = [
  'MSH|^~\\&|MEDGATE||EHR||20261127094106-0500||ORU^R01^ORU_R01|0MX1CTL000000001|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
  'PID|||MRN100234^^^CLINIC_EHR^MR||Rivera^Ana^^^^^L||19840309|F',
  PV1_GOLDEN,
  `OBR|1|ORD-88120|LAB-5531|182777000^monitoring of patient^SCT|||${T}`,
  'OBX|1||528391^MDC_DEV_SPEC_PROFILE_BP^MDC|1.0.0.0|||||||X|||||||bp-1^MEDGATE',
  `OBX|2|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC^8480-6^Systolic blood pressure^LN|1.0.0.1|118|266016^MDC_DIM_MMHG^MDC^mm[Hg]^mm[Hg]^UCUM|||||R|||${T}|||AMEAS^auto-measurement^MDC|bp-1^MEDGATE`,
];

const COLLECTED = '20261127083000-0500';
const LAB_GOLDEN = [
  'MSH|^~\\&|MEDGATE||EHR||20261127094106-0500||ORU^R01^ORU_R01|0MX1CTL000000002|P|2.5.1||||||UNICODE UTF-8',
  'PID|1||MRN100234^^^CLINIC_EHR^MR||Rivera^Ana^^^^^L||19840309|F',
  PV1_GOLDEN,
  'ORC|RE|ORD-88120|LAB-5531',
  `OBR|1|ORD-88120|LAB-5531|chem-1^Piccolo^99MDG|||${COLLECTED}|||||||||||||||20261127094106-0500|||F`,
  `OBX|1|NM|2345-7^Glucose^LN^GLU^Glucose^L||99|mg/dL^mg/dL^UCUM|||||F|||${COLLECTED}||||PX-0042|${T}`,
];

const ORDER = { placer: 'ORD-88120', filler: 'LAB-5531' };

describe('PCD-01 ORU with the patient context', () => {
  it('sends PV1 after PID and the order numbers in OBR-2/3 (golden)', () => {
    expectSegments(encodeOruPcd01(bpReading({ order: ORDER }), pcdContext()), PCD_GOLDEN);
  });

  it('is read back by node-hl7-client as the fields we meant', () => {
    const msg = new Message({ text: encodeOruPcd01(bpReading({ order: ORDER }), pcdContext()) });
    expect(str(msg, 'PID.3.1')).toBe('MRN100234');
    expect(str(msg, 'PID.3.4')).toBe('CLINIC_EHR');
    expect(str(msg, 'PID.3.5')).toBe('MR');
    expect(str(msg, 'PID.5.1')).toBe('Rivera');
    expect(str(msg, 'PID.5.2')).toBe('Ana');
    expect(str(msg, 'PID.7')).toBe('19840309');
    expect(str(msg, 'PID.8')).toBe('F');
    expect(str(msg, 'PV1.1')).toBe('1');
    expect(str(msg, 'PV1.2')).toBe('O');
    expect(str(msg, 'PV1.3.1')).toBe('FAMILY MED');
    expect(str(msg, 'PV1.3.2')).toBe('EXAM 3');
    expect(str(msg, 'PV1.3.3')).toBe('B');
    expect(str(msg, 'PV1.19')).toBe('V55012');
    expect(str(msg, 'PV1.44')).toBe('20261127081500-0500');
    expect(str(msg, 'OBR.2')).toBe('ORD-88120');
    expect(str(msg, 'OBR.3')).toBe('LAB-5531');
  });

  it('sends no PV1 without a visit, nor for a visit that says nothing', () => {
    for (const visit of [undefined, {}]) {
      const segs = lines(encodeOruPcd01(bpReading(), pcdContext({ visit })));
      expect(segs.map((s) => s.slice(0, 3))).toEqual(['MSH', 'PID', 'OBR', 'OBX', 'OBX']);
    }
  });

  it('sends PV1-2 U for a visit with a number but no class', () => {
    const text = encodeOruPcd01(bpReading(), pcdContext({ visit: { visitNumber: 'V9' } }));
    expect(lines(text)[2]).toBe('PV1|1|U|||||||||||||||||V9');
    expect(str(new Message({ text }), 'PV1.2')).toBe('U');
  });

  it('keeps its own ids in OBR-2/3 when the reading has no order (NIST shape)', () => {
    const obr = segmentOf(encodeOruPcd01(bpReading(), pcdContext()), 'OBR');
    expect(obr.slice(2, 4)).toEqual(['0MX1BP0000000001^MEDGATE', '0MX1BP0000000001^MEDGATE']);
    const empty = segmentOf(encodeOruPcd01(bpReading({ order: { placer: '', filler: '' } }), pcdContext()), 'OBR');
    expect(empty.slice(2, 4)).toEqual(['0MX1BP0000000001^MEDGATE', '0MX1BP0000000001^MEDGATE']);
  });

  it('fills only the half of the order the EHR gave; the other keeps the gateway id', () => {
    const placerOnly = segmentOf(
      encodeOruPcd01(bpReading({ order: { placer: 'ORD-1' } }), pcdContext({ sendingApplication: { name: 'MEDGATE', eui64: '0018E2FFFE00A1B2' } })),
      'OBR',
    );
    expect(placerOnly.slice(2, 4)).toEqual(['ORD-1', '0MX1BP0000000001^MEDGATE^0018E2FFFE00A1B2^EUI-64']);
    const fillerOnly = segmentOf(encodeOruPcd01(bpReading({ order: { filler: 'F-1' } }), pcdContext()), 'OBR');
    expect(fillerOnly.slice(2, 4)).toEqual(['0MX1BP0000000001^MEDGATE', 'F-1']);
  });

  it('gives back order numbers with delimiters exactly, as one component', () => {
    const text = encodeOruPcd01(bpReading({ order: { placer: 'P^1|x', filler: 'F&2~y\\z' } }), pcdContext());
    const obr = segmentOf(text, 'OBR');
    expect(obr.slice(2, 4)).toEqual(['P\\S\\1\\F\\x', 'F\\T\\2\\R\\y\\E\\z']);
    const msg = new Message({ text });
    expect(str(msg, 'OBR.2')).toBe('P^1|x');
    expect(str(msg, 'OBR.3')).toBe('F&2~y\\z');
  });
});

describe('lab ORU with the patient context', () => {
  it('sends PV1 after PID and the order numbers in ORC-2/3 and OBR-2/3 (golden)', () => {
    expectSegments(encodeOruLab(labReading({ order: ORDER }), labContext()), LAB_GOLDEN);
  });

  it('is read back by node-hl7-client as the fields we meant', () => {
    const msg = new Message({ text: encodeOruLab(labReading({ order: ORDER }), labContext()) });
    expect(str(msg, 'PID.3.1')).toBe('MRN100234');
    expect(str(msg, 'PID.3.4')).toBe('CLINIC_EHR');
    expect(str(msg, 'PID.8')).toBe('F');
    expect(str(msg, 'PV1.2')).toBe('O');
    expect(str(msg, 'PV1.3.1')).toBe('FAMILY MED');
    expect(str(msg, 'PV1.3.2')).toBe('EXAM 3');
    expect(str(msg, 'PV1.3.3')).toBe('B');
    expect(str(msg, 'PV1.19')).toBe('V55012');
    expect(str(msg, 'PV1.44')).toBe('20261127081500-0500');
    expect(str(msg, 'ORC.2')).toBe('ORD-88120');
    expect(str(msg, 'ORC.3')).toBe('LAB-5531');
    expect(str(msg, 'OBR.2')).toBe('ORD-88120');
    expect(str(msg, 'OBR.3')).toBe('LAB-5531');
  });

  it('sends no PV1 without a visit', () => {
    const segs = lines(encodeOruLab(labReading(), labContext({ visit: undefined })));
    expect(segs.map((s) => s.slice(0, 3))).toEqual(['MSH', 'PID', 'ORC', 'OBR', 'OBX']);
  });

  it('assigns its own namespaced filler id only when the order has no filler number', () => {
    const noOrder = encodeOruLab(labReading(), labContext());
    expect(segmentOf(noOrder, 'ORC').slice(2, 4)).toEqual(['', 'S-7781^MEDGATE']);
    expect(segmentOf(noOrder, 'OBR').slice(2, 4)).toEqual(['', 'S-7781^MEDGATE']);
    const placerOnly = encodeOruLab(labReading({ order: { placer: 'ORD-1' } }), labContext());
    expect(segmentOf(placerOnly, 'OBR').slice(2, 4)).toEqual(['ORD-1', 'S-7781^MEDGATE']);
  });

  it('gives back order numbers with delimiters exactly, in ORC and OBR alike', () => {
    const text = encodeOruLab(labReading({ order: { placer: 'P^1|x', filler: 'F&2~y' } }), labContext());
    expect(segmentOf(text, 'ORC').slice(2, 4)).toEqual(segmentOf(text, 'OBR').slice(2, 4));
    const msg = new Message({ text });
    expect(str(msg, 'ORC.2')).toBe('P^1|x');
    expect(str(msg, 'ORC.3')).toBe('F&2~y');
    expect(str(msg, 'OBR.2')).toBe('P^1|x');
    expect(str(msg, 'OBR.3')).toBe('F&2~y');
  });
});

describe('PID-8 in both encoders', () => {
  it('sends table 0001 codes, and U for text that is not one', () => {
    // The type says M/F/O/U; a directory or an analyzer may still hand over other text.
    const loose = (sex: string): PatientRef => JSON.parse(JSON.stringify({ ...PATIENT, sex })) as PatientRef;
    for (const [sex, code] of [
      ['f', 'F'],
      ['male', 'M'],
      ['O', 'O'],
      ['X', 'U'],
    ] as const) {
      expect(segmentOf(encodeOruPcd01(bpReading(), pcdContext({ patient: loose(sex) })), 'PID')[8]).toBe(code);
      expect(segmentOf(encodeOruLab(labReading(), labContext({ patient: loose(sex) })), 'PID')[8]).toBe(code);
    }
    const unknown = { ...PATIENT, sex: undefined };
    expect(segmentOf(encodeOruPcd01(bpReading(), pcdContext({ patient: unknown })), 'PID')).toHaveLength(8);
  });
});

describe('patient context under random text', () => {
  // Free text filled with delimiters, CR/LF, MLLP bytes and arbitrary code points.
  const nasty = fc
    .string({
      unit: fc.oneof(
        fc.constantFrom('|', '^', '~', '\\', '&', '\r', '\n', '\x0b', '\x1c', '\t', '\x00', 'X', ' '),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 20,
    })
    // A leading letter keeps each value non-empty, so trailing-field trimming cannot mask a shift.
    .map((s) => `a${s}`);
  // A location component: anything but `^`, which separates components by design.
  const part = nasty.map((s) => s.replace(/\^/g, ''));

  // What escaping keeps of a text: TAB becomes a space, other controls but CR/LF/VT/FS are dropped.
  function kept(text: string): string {
    return text.replace(/\t/g, ' ').replace(/[\x00-\x08\x0c\x0e-\x1b\x1d-\x1f\x7f-\x9f]/g, '');
  }

  // Fields, repetitions, components and subcomponents per segment (MSH-2 excluded).
  function shape(text: string): unknown {
    return lines(text).map((s) =>
      s.split('|').map((f, i) => (s.startsWith('MSH') && i === 1 ? 'enc' : f.split('~').map((r) => r.split('^').map((c) => c.split('&').length)))),
    );
  }

  interface Input {
    location: string[];
    visitNumber: string;
    patientClass: string;
    placer: string;
    filler: string;
  }

  const input = fc.record({
    location: fc.array(part, { minLength: 3, maxLength: 3 }),
    visitNumber: nasty,
    patientClass: nasty,
    placer: nasty,
    filler: nasty,
  });

  const plain: Input = { location: ['a0', 'a1', 'a2'], visitNumber: 'a3', patientClass: 'a4', placer: 'a5', filler: 'a6' };

  function visitOf(t: Input): Visit {
    return { location: t.location.join('^'), visitNumber: t.visitNumber, patientClass: t.patientClass, admittedAt: VISIT.admittedAt };
  }

  function check(text: string, t: Input, baseline: unknown): void {
    expect(text).not.toMatch(/[\x0b\x1c\n]/);
    expect(shape(text)).toEqual(baseline);
    const msg = new Message({ text });
    expect(str(msg, 'PV1.1')).toBe('1');
    t.location.forEach((p, i) => expect(str(msg, `PV1.3.${i + 1}`)).toBe(kept(p)));
    expect(str(msg, 'PV1.19')).toBe(kept(t.visitNumber));
    expect(str(msg, 'PV1.2')).toBe(kept(t.patientClass).trim() === '' ? 'U' : kept(t.patientClass.trim()));
    expect(str(msg, 'PV1.44')).toBe('20261127081500-0500');
    expect(str(msg, 'OBR.2')).toBe(kept(t.placer));
    expect(str(msg, 'OBR.3')).toBe(kept(t.filler));
  }

  it('PCD-01: never changes the segment, field or component structure, and gives the text back', () => {
    const run = (t: Input): string => encodeOruPcd01(bpReading({ order: { placer: t.placer, filler: t.filler } }), pcdContext({ visit: visitOf(t) }));
    const baseline = shape(run(plain));
    fc.assert(
      fc.property(input, (t) => check(run(t), t, baseline)),
      { numRuns: 200 },
    );
  });

  it('lab: never changes the segment, field or component structure, and gives the text back', () => {
    const run = (t: Input): string => encodeOruLab(labReading({ order: { placer: t.placer, filler: t.filler } }), labContext({ visit: visitOf(t) }));
    const baseline = shape(run(plain));
    fc.assert(
      fc.property(input, (t) => {
        const text = run(t);
        check(text, t, baseline);
        // ORC-3 ends its segment, where node-hl7-client trims trailing spaces: compare the wire text.
        expect(segmentOf(text, 'ORC').slice(2, 4)).toEqual(segmentOf(text, 'OBR').slice(2, 4));
      }),
      { numRuns: 200 },
    );
  });
});
