import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Message } from 'node-hl7-client';
import type { HL7Node } from 'node-hl7-client';
import type { Observation, Reading } from '../../../src/model/reading.ts';
import { encodeOruLab, isKnownUcum, orderResultStatus, structuredNumeric } from '../../../src/hl7/oru-lab.ts';
import type { LabOruContext } from '../../../src/hl7/oru-lab.ts';
import { escapeFormattedText } from '../../../src/hl7/escape.ts';

const PATIENT = { mrn: 'HO2009001', assigningAuthority: 'NIST', family: 'Hon', given: 'Albert', dob: '1961-01-01', sex: 'M' as const };
const NOW = new Date('2026-11-27T14:41:06.000Z');

function context(over: Partial<LabOruContext> = {}): LabOruContext {
  return {
    controlId: 'LAB0000001',
    now: NOW,
    offsetMinutes: -300,
    sendingApplication: { name: 'MEDGATE', eui64: '0018E2FFFE00A1B2' },
    sendingFacility: 'CLINIC',
    receivingApplication: 'EHR',
    receivingFacility: 'HOSP',
    patient: PATIENT,
    device: { id: 'chem-1', label: 'Piccolo Xpress', kind: 'lab' },
    specimenType: { code: 'SER', display: 'Serum' },
    ...over,
  };
}

function labReading(observations: Observation[], over: Partial<Reading> = {}): Reading {
  return {
    id: '0MX0LAB000000001',
    deviceId: 'chem-1',
    kind: 'lab',
    observedAt: '2026-11-27T09:41:00.000-05:00',
    receivedAt: '2026-11-27T09:41:02.000-05:00',
    specimen: { id: 'SPEC123', collectedAt: '2026-11-27T08:30:00.000-05:00' },
    order: { placer: 'ORD-4471', filler: 'ACC-99812', code: { system: 'L', code: 'BMP', display: 'Basic metabolic panel' } },
    comments: ['Specimen slightly hemolyzed'],
    equipment: 'PX-0042',
    observations,
    raw: '',
    ...over,
  };
}

const GLUCOSE: Observation = {
  code: { loinc: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma', local: { system: 'L', code: 'GLU', display: 'Glucose' } },
  value: 182,
  precision: 0,
  unit: 'mg/dL',
  referenceRange: '70-99',
  flags: ['H'],
  status: 'F',
  equipment: 'PX-0042',
};
const POTASSIUM: Observation = {
  code: { loinc: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma', local: { system: '99PX', code: 'K', display: 'Potassium' } },
  value: 7.5,
  precision: 2,
  unit: 'mmol/L',
  referenceRange: '3.5-5.1',
  flags: ['HH', 'A'],
  status: 'F',
  equipment: 'PX-0042',
  comments: ['Repeat confirmed'],
};
const SODIUM: Observation = {
  code: { loinc: '2951-2', display: 'Sodium [Moles/volume] in Serum or Plasma' },
  value: 139,
  precision: 0,
  unit: 'mmol/L',
  referenceRange: '136-145',
  flags: ['N'],
  status: 'F',
  equipment: 'PX-0042',
};
const CRP: Observation = {
  code: { loinc: '1988-5', display: 'C reactive protein [Mass/volume] in Serum or Plasma', local: { system: 'L', code: 'CRP' } },
  value: '<5',
  unit: 'mg/L',
  referenceRange: '0-5',
  status: 'F',
  equipment: 'PX-0042',
  observedAt: '2026-11-27T09:44:10-05:00',
};
// No LOINC mapping: the analyzer's code travels alone, in the gateway's local coding system.
const LIPEMIA: Observation = {
  code: { local: { system: 'MEDGATE', code: 'LIP', display: 'Lipemic index' } },
  value: 12,
  precision: 0,
  unit: 'IDX',
  status: 'F',
  equipment: 'PX-0042',
};

const chemistry = labReading([GLUCOSE, POTASSIUM, SODIUM, CRP, LIPEMIA]);

// The filler order number the reading carries goes out exactly as given, with no namespace of ours.
const EI_OBR3 = 'ACC-99812';
const EQUIP = 'PX-0042'; // the analyzer's own id, no namespace (IHE PCD TF-2 B.8 OBX-18)
const COLLECTED = '20261127083000-0500';
const ANALYSED = '20261127094100-0500';

const CHEMISTRY_GOLDEN = [
  'MSH|^~\\&|MEDGATE|CLINIC|EHR|HOSP|20261127094106-0500||ORU^R01^ORU_R01|LAB0000001|P|2.5.1||||||UNICODE UTF-8',
  'PID|1||HO2009001^^^NIST^MR||Hon^Albert^^^^^L||19610101|M',
  `ORC|RE|ORD-4471|${EI_OBR3}`,
  `OBR|1|ORD-4471|${EI_OBR3}|BMP^Basic metabolic panel^L|||${COLLECTED}|||||||||||||||20261127094106-0500|||F`,
  'NTE|1|L|Specimen slightly hemolyzed',
  `OBX|1|NM|2345-7^Glucose [Mass/volume] in Serum or Plasma^LN^GLU^Glucose^L||182|mg/dL^mg/dL^UCUM|70-99|H|||F|||${COLLECTED}||||${EQUIP}|${ANALYSED}`,
  `OBX|2|NM|2823-3^Potassium [Moles/volume] in Serum or Plasma^LN^K^Potassium^99PX||7.50|mmol/L^mmol/L^UCUM|3.5-5.1|HH~A|||F|||${COLLECTED}||||${EQUIP}|${ANALYSED}`,
  'NTE|1|L|Repeat confirmed',
  `OBX|3|NM|2951-2^Sodium [Moles/volume] in Serum or Plasma^LN||139|mmol/L^mmol/L^UCUM|136-145|N|||F|||${COLLECTED}||||${EQUIP}|${ANALYSED}`,
  `OBX|4|SN|1988-5^C reactive protein [Mass/volume] in Serum or Plasma^LN^CRP^C reactive protein [Mass/volume] in Serum or Plasma^L||<^5|mg/L^mg/L^UCUM|0-5||||F|||${COLLECTED}||||${EQUIP}|20261127094410-0500`,
  `OBX|5|NM|LIP^Lipemic index^99MDG||12|IDX|||||F|||${COLLECTED}||||${EQUIP}|${ANALYSED}`,
  `SPM|1|^SPEC123&MEDGATE||SER^Serum^HL70487|||||||||||||${COLLECTED}`,
];

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
    expect(segment).toBe(golden[i]);
  });
  expect(actual).toBe(`${golden.join('\r')}\r`);
}

function str(node: HL7Node, path: string): string {
  return node.get(path).toString();
}

function field(text: string, segmentIndex: number, n: number): string {
  return lines(text)[segmentIndex]?.split('|')[n] ?? '';
}

describe('encodeOruLab: golden chemistry message', () => {
  it('encodes results with flags, ranges, comments, LOINC + local and local-only codes, and SPM', () => {
    expectSegments(encodeOruLab(chemistry, context()), CHEMISTRY_GOLDEN);
  });

  it('is read back by node-hl7-client as the fields we meant', () => {
    const msg = new Message({ text: encodeOruLab(chemistry, context()) });
    expect(str(msg, 'MSH.9.1')).toBe('ORU');
    expect(str(msg, 'MSH.9.2')).toBe('R01');
    expect(str(msg, 'MSH.9.3')).toBe('ORU_R01');
    expect(str(msg, 'MSH.10')).toBe('LAB0000001');
    expect(str(msg, 'MSH.12')).toBe('2.5.1');
    expect(str(msg, 'MSH.15')).toBe('');
    expect(str(msg, 'MSH.16')).toBe('');
    expect(str(msg, 'MSH.18')).toBe('UNICODE UTF-8');
    expect(str(msg, 'PID.3.1')).toBe('HO2009001');
    expect(str(msg, 'PID.3.4')).toBe('NIST');
    expect(str(msg, 'PID.3.5')).toBe('MR');
    expect(str(msg, 'PID.5.1')).toBe('Hon');
    expect(str(msg, 'PID.5.2')).toBe('Albert');
    expect(str(msg, 'ORC.1')).toBe('RE');
    expect(str(msg, 'ORC.2')).toBe('ORD-4471');
    expect(str(msg, 'ORC.3.1')).toBe('ACC-99812');
    expect(str(msg, 'ORC.3.2')).toBe('');
    expect(str(msg, 'OBR.2')).toBe('ORD-4471');
    expect(str(msg, 'OBR.3.1')).toBe('ACC-99812');
    expect(str(msg, 'OBR.4.1')).toBe('BMP');
    expect(str(msg, 'OBR.4.2')).toBe('Basic metabolic panel');
    expect(str(msg, 'OBR.4.3')).toBe('L');
    expect(str(msg, 'OBR.7')).toBe(COLLECTED);
    expect(str(msg, 'OBR.22')).toBe('20261127094106-0500');
    expect(str(msg, 'OBR.25')).toBe('F');
    expect(str(msg, 'SPM.2.1')).toBe('');
    expect(str(msg, 'SPM.2.2.1')).toBe('SPEC123');
    expect(str(msg, 'SPM.2.2.2')).toBe('MEDGATE');
    // v2.5.1 table 0301 has no EUI-64: the lab ORU names the application only (MSH-3 too).
    expect(str(msg, 'SPM.2.2.4')).toBe('');
    expect(str(msg, 'MSH.3')).toBe('MEDGATE');
    expect(str(msg, 'SPM.4.1')).toBe('SER');

    const obx = msg.get('OBX');
    expect(obx.length).toBe(5);
    // type, code, code system, alt code, alt system, value, unit, unit system, range, flags, status, time
    const expected = [
      ['NM', '2345-7', 'LN', 'GLU', 'L', '182', 'mg/dL', 'UCUM', '70-99', ['H'], 'F', ANALYSED],
      ['NM', '2823-3', 'LN', 'K', '99PX', '7.50', 'mmol/L', 'UCUM', '3.5-5.1', ['HH', 'A'], 'F', ANALYSED],
      ['NM', '2951-2', 'LN', '', '', '139', 'mmol/L', 'UCUM', '136-145', ['N'], 'F', ANALYSED],
      ['SN', '1988-5', 'LN', 'CRP', 'L', '<', 'mg/L', 'UCUM', '0-5', [], 'F', '20261127094410-0500'],
      ['NM', 'LIP', '99MDG', '', '', '12', 'IDX', '', '', [], 'F', ANALYSED],
    ] as const;
    expected.forEach(([type, code, system, alt, altSystem, value, unit, unitSystem, range, flags, status, analysed], i) => {
      const seg = obx.get(i);
      expect(str(seg, 'OBX.1')).toBe(String(i + 1));
      expect(str(seg, 'OBX.2')).toBe(type);
      expect(str(seg, 'OBX.3.1')).toBe(code);
      expect(str(seg, 'OBX.3.3')).toBe(system);
      expect(str(seg, 'OBX.3.4')).toBe(alt);
      expect(str(seg, 'OBX.3.6')).toBe(altSystem);
      expect(str(seg, 'OBX.5.1')).toBe(value);
      expect(str(seg, 'OBX.6.1')).toBe(unit);
      expect(str(seg, 'OBX.6.3')).toBe(unitSystem);
      expect(str(seg, 'OBX.7')).toBe(range);
      const parsedFlags = seg.get('OBX.8');
      expect(flags.map((_f, r) => parsedFlags.get(r).toString())).toEqual(flags);
      if (flags.length === 0) expect(str(seg, 'OBX.8')).toBe('');
      expect(str(seg, 'OBX.11')).toBe(status);
      expect(str(seg, 'OBX.14')).toBe(COLLECTED);
      expect(str(seg, 'OBX.18.1')).toBe('PX-0042');
      expect(str(seg, 'OBX.19')).toBe(analysed);
    });
    expect(str(obx.get(3), 'OBX.5.2')).toBe('5');

    const nte = msg.get('NTE');
    expect(nte.length).toBe(2);
    expect(str(nte.get(0), 'NTE.2')).toBe('L');
    expect(str(nte.get(0), 'NTE.3')).toBe('Specimen slightly hemolyzed');
    expect(str(nte.get(1), 'NTE.3')).toBe('Repeat confirmed');
  });
});

describe('encodeOruLab: result status', () => {
  it('sends a corrected result as OBX-11 C and the order as OBR-25 C', () => {
    const text = encodeOruLab(labReading([GLUCOSE, { ...POTASSIUM, status: 'C' }, SODIUM]), context());
    const msg = new Message({ text });
    expect(str(msg, 'OBR.25')).toBe('C');
    expect(['F', 'C', 'F'].map((_s, i) => str(msg.get('OBX').get(i), 'OBX.11'))).toEqual(['F', 'C', 'F']);
  });

  it('sends P on the order when any result is preliminary, even beside a correction', () => {
    expect(orderResultStatus([GLUCOSE, { ...SODIUM, status: 'P' }])).toBe('P');
    expect(
      orderResultStatus([
        { ...GLUCOSE, status: 'C' },
        { ...SODIUM, status: 'P' },
      ]),
    ).toBe('P');
    expect(orderResultStatus([GLUCOSE, { ...SODIUM, status: 'C' }])).toBe('C');
    expect(orderResultStatus([GLUCOSE, SODIUM])).toBe('F');
    const text = encodeOruLab(labReading([{ ...GLUCOSE, status: 'P' }]), context());
    expect(field(text, 3, 25)).toBe('P');
    expect(field(text, 5, 11)).toBe('P');
  });
});

describe('encodeOruLab: values', () => {
  function obxOf(value: string | number, extra: Partial<Observation> = {}): string[] {
    const obs: Observation = { code: { local: { system: 'L', code: 'X' } }, value, status: 'F', ...extra };
    const segs = lines(encodeOruLab(labReading([obs], { comments: [] }), context()));
    return (segs.find((s) => s.startsWith('OBX|')) ?? '').split('|');
  }

  it('sends text results as ST and comparator results as SN', () => {
    expect(obxOf('NEG').slice(2, 6)).toEqual(['ST', 'X^^L', '', 'NEG']);
    expect(obxOf('1+').slice(5, 6)).toEqual(['1+']);
    expect(obxOf('1+')[2]).toBe('ST');
    expect(obxOf('1:128')[2]).toBe('ST');
    expect(obxOf('>300').slice(2, 6)).toEqual(['SN', 'X^^L', '', '>^300']);
    expect(obxOf('>= 10.0')[5]).toBe('>=^10.0');
    expect(obxOf('<.5')[5]).toBe('<^.5');
    expect(obxOf('<5 mg')[2]).toBe('ST');
    expect(obxOf('trace | see^note')[5]).toBe('trace \\F\\ see\\S\\note');
  });

  it('keeps the device precision and never writes exponents', () => {
    expect(obxOf(7.5, { precision: 2 })[5]).toBe('7.50');
    expect(obxOf(0.1 + 0.2, { precision: 1 })[5]).toBe('0.3');
    expect(obxOf(120)[5]).toBe('120');
    expect(obxOf(1e-7)[5]).toBe('0.0000001');
    expect(obxOf(2.5e21)[5]).toBe('2500000000000000000000');
    expect(obxOf(-0.004, { precision: 2 })[5]).toBe('0.00');
  });

  it('marks known UCUM units and sends other units as plain text', () => {
    expect(obxOf(5.2, { unit: '10*3/uL' })[6]).toBe('10*3/uL^10*3/uL^UCUM');
    expect(obxOf(140, { unit: 'meq/L' })[6]).toBe('meq/L^meq/L^UCUM');
    expect(obxOf(12, { unit: '%' })[6]).toBe('%^%^UCUM');
    expect(obxOf(140, { unit: 'mEq/L' })[6]).toBe('mEq/L');
    expect(obxOf(1, { unit: 'cells/hpf' })[6]).toBe('cells/hpf');
    expect(obxOf(1, { unit: 'a^b' })[6]).toBe('a\\S\\b');
    expect(isKnownUcum('mg/dL')).toBe(true);
    expect(isKnownUcum('mg/dl')).toBe(false);
  });

  it('gives rows sharing a code an OBX-4 sub-id and leaves it empty otherwise', () => {
    const text = encodeOruLab(labReading([GLUCOSE, { ...GLUCOSE, value: 190 }, SODIUM]), context());
    expect([5, 6, 7].map((s) => field(text, s, 4))).toEqual(['1', '2', '']);
  });

  it('refuses a non-finite number or an impossible timestamp rather than send it', () => {
    expect(() => encodeOruLab(labReading([{ ...SODIUM, value: Number.NaN }]), context())).toThrow(RangeError);
    expect(() => encodeOruLab(labReading([{ ...SODIUM, value: Number.POSITIVE_INFINITY }]), context())).toThrow(RangeError);
    expect(() => encodeOruLab(labReading([{ ...SODIUM, observedAt: '2026-02-30T10:00:00Z' }]), context())).toThrow(RangeError);
    expect(() => encodeOruLab(labReading([SODIUM], { specimen: { id: 'S', collectedAt: 'yesterday' } }), context())).toThrow(RangeError);
  });

  it('reports SN helper results for each HL7 comparator', () => {
    expect(['<', '>', '<=', '>=', '=', '<>'].map((c) => structuredNumeric(`${c}1.5`))).toEqual(['<^1.5', '>^1.5', '<=^1.5', '>=^1.5', '=^1.5', '<>^1.5']);
    expect(structuredNumeric('=>1')).toBeUndefined();
    expect(structuredNumeric('<')).toBeUndefined();
    expect(structuredNumeric('5')).toBeUndefined();
  });
});

describe('encodeOruLab: identifiers and fallbacks', () => {
  it('uses the specimen id as filler order number when there is none, then the reading id', () => {
    const bySpecimen = encodeOruLab(labReading([SODIUM], { order: { placer: 'ORD-1' } }), context({ sendingApplication: { name: 'MEDGATE' } }));
    expect(field(bySpecimen, 2, 3)).toBe('SPEC123^MEDGATE');
    expect(field(bySpecimen, 3, 3)).toBe('SPEC123^MEDGATE');
    const byReading = encodeOruLab(labReading([SODIUM], { order: undefined, specimen: undefined }), context({ sendingApplication: { name: 'MEDGATE' } }));
    expect(lines(byReading).map((s) => s.slice(0, 3))).toEqual(['MSH', 'PID', 'ORC', 'OBR', 'NTE', 'OBX']);
    expect(field(byReading, 2, 2)).toBe('');
    expect(field(byReading, 3, 3)).toBe('0MX0LAB000000001^MEDGATE');
    // No order code: the device stands for the service, in the local coding system.
    expect(field(byReading, 3, 4)).toBe('chem-1^Piccolo Xpress^99MDG');
    // No collection time: the analyzer's time is the closest approximation.
    expect(field(byReading, 3, 7)).toBe(ANALYSED);
    expect(field(byReading, 5, 14)).toBe(ANALYSED);
  });

  it('sends a reading that answers several EHR orders as one ORC/OBR group per order, each with its own numbers', () => {
    const parts = [
      { placer: 'PL-GLU', filler: 'FL-GLU', observations: [0] },
      { placer: 'PL-K', observations: [1, 2] },
    ];
    const text = encodeOruLab(labReading([GLUCOSE, POTASSIUM, SODIUM], { orderParts: parts, comments: [] }), context({ specimenType: undefined }));
    const groups = lines(text)
      .filter((s) => /^(ORC|OBR|OBX)\|/.test(s))
      .map((s) => s.split('|'))
      .map((f) => (f[0] === 'OBX' ? `OBX ${f[3]?.split('^')[0]}` : `${f[0]} ${f[1]} ${f[2]} ${f[3]}`));
    expect(groups).toEqual([
      'ORC RE PL-GLU FL-GLU',
      'OBR 1 PL-GLU FL-GLU',
      'OBX 2345-7',
      'ORC RE PL-K SPEC123^MEDGATE',
      'OBR 2 PL-K SPEC123^MEDGATE',
      'OBX 2823-3',
      'OBX 2951-2',
    ]);
    // A stored reading from before parts existed, or an index no part lists: under the reading's own order.
    const old = encodeOruLab(labReading([GLUCOSE, POTASSIUM]), context({ specimenType: undefined }));
    expect(
      lines(old)
        .filter((s) => s.startsWith('OBR'))
        .map((s) => s.split('|')[2]),
    ).toEqual(['ORD-4471']);
    const partial = encodeOruLab(labReading([GLUCOSE, POTASSIUM], { orderParts: [{ placer: 'PL-GLU', observations: [0, 7] }] }), context());
    expect(
      lines(partial)
        .filter((s) => s.startsWith('OBR'))
        .map((s) => s.split('|').slice(2, 4).join(' ')),
    ).toEqual(['PL-GLU SPEC123^MEDGATE', 'ORD-4471 ACC-99812']);
  });

  it('sends SPM only when the specimen type is configured', () => {
    const text = encodeOruLab(chemistry, context({ specimenType: undefined }));
    expect(lines(text).some((s) => s.startsWith('SPM'))).toBe(false);
    const urine = encodeOruLab(
      labReading([SODIUM], { specimen: { id: 'U-9' } }),
      context({ specimenType: { code: 'UR', display: 'Urine', system: 'HL70487' } }),
    );
    expect(lines(urine).at(-1)).toBe('SPM|1|^U-9&MEDGATE||UR^Urine^HL70487');
  });

  it('applies a configured local coding system to OBX-3 and OBR-4, and maps a LOINC order code to LN', () => {
    const text = encodeOruLab(
      labReading([GLUCOSE, LIPEMIA], { order: { code: { system: 'LOINC', code: '24321-2', display: 'Basic metabolic 2000 panel' } } }),
      context({ localCodeSystem: '99PICCOLO' }),
    );
    expect(field(text, 3, 4)).toBe('24321-2^Basic metabolic 2000 panel^LN');
    expect(field(text, 5, 3)).toBe('2345-7^Glucose [Mass/volume] in Serum or Plasma^LN^GLU^Glucose^99PICCOLO');
    expect(field(text, 6, 3)).toBe('LIP^Lipemic index^99PICCOLO');
  });

  it('writes the test processing id and no EUI-64 when none is configured', () => {
    const text = encodeOruLab(chemistry, context({ processingId: 'T', sendingApplication: { name: 'MEDGATE' }, sendingFacility: undefined }));
    expect(lines(text)[0]).toBe('MSH|^~\\&|MEDGATE||EHR|HOSP|20261127094106-0500||ORU^R01^ORU_R01|LAB0000001|T|2.5.1||||||UNICODE UTF-8');
  });

  it('puts multi-line comments in one NTE with \\.br\\ and skips blank ones', () => {
    const text = encodeOruLab(labReading([{ ...SODIUM, comments: ['', 'line one\r\nline two|x'] }], { comments: ['  '] }), context());
    expect(lines(text).map((s) => s.slice(0, 3))).toEqual(['MSH', 'PID', 'ORC', 'OBR', 'OBX', 'NTE', 'SPM']);
    expect(lines(text)[5]).toBe('NTE|1|L|line one\\.br\\line two\\F\\x');
    expect(str(new Message({ text }), 'NTE.3')).toBe('line one\\.br\\line two|x');
  });

  it('gives back hostile patient, device and order text exactly', () => {
    const hostile = context({
      patient: { mrn: 'M|1^2', assigningAuthority: 'A&B', family: "O'Brien|^~\\&", given: 'Ann\rMSH|x', dob: 'not a date', sex: 'F' },
      device: { id: 'd~1', label: 'Lab\\Chem', kind: 'lab' },
    });
    const r = labReading([{ ...SODIUM, equipment: undefined, referenceRange: '<5|>1' }], {
      equipment: undefined,
      order: { placer: 'P^1', filler: 'F&2', code: { system: 'L', code: 'B|M', display: 'Panel~1' } },
    });
    const text = encodeOruLab(r, hostile);
    expect(lines(text).map((s) => s.split('|').length)).toEqual(lines(encodeOruLab(r, context())).map((s) => s.split('|').length));
    const msg = new Message({ text });
    expect(str(msg, 'PID.3.1')).toBe('M|1^2');
    expect(str(msg, 'PID.3.4')).toBe('A&B');
    expect(str(msg, 'PID.5.1')).toBe("O'Brien|^~\\&");
    expect(str(msg, 'PID.5.2')).toBe('Ann\rMSH|x');
    expect(str(msg, 'PID.7')).toBe('');
    expect(str(msg, 'OBR.2')).toBe('P^1');
    expect(str(msg, 'OBR.3.1')).toBe('F&2');
    expect(str(msg, 'OBR.4.1')).toBe('B|M');
    expect(str(msg, 'OBR.4.2')).toBe('Panel~1');
    expect(str(msg, 'OBX.7')).toBe('<5|>1');
    expect(str(msg, 'OBX.18.1')).toBe('d~1');
    expect(str(msg, 'OBX.18.2')).toBe('MEDGATE'); // the assigner's namespace; the label never goes there
  });
});

describe('escapeFormattedText', () => {
  it('turns each kind of line break into \\.br\\ and escapes the rest', () => {
    expect(escapeFormattedText('a\r\nb\rc\nd')).toBe('a\\.br\\b\\.br\\c\\.br\\d');
    expect(escapeFormattedText('x|y^z~w\\v&u')).toBe('x\\F\\y\\S\\z\\R\\w\\E\\v\\T\\u');
    expect(escapeFormattedText('\n')).toBe('\\.br\\');
    expect(escapeFormattedText('')).toBe('');
  });
});

describe('encodeOruLab: structure under random text', () => {
  // Every free-text input, filled with delimiters, CR/LF, MLLP bytes and arbitrary code points.
  const nasty = fc
    .string({
      unit: fc.oneof(
        fc.constantFrom('|', '^', '~', '\\', '&', '\r', '\n', '\x0b', '\x1c', '\t', '\x00', 'X', ' ', '<', '\\.br\\'),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 24,
    })
    // A leading letter keeps each value non-empty and non-numeric, so trailing-field trimming and
    // the SN and UCUM rules see the same thing as in the baseline.
    .map((s) => `a${s}`);

  // Counts of fields, repetitions, components and subcomponents per segment (MSH-2 excluded: it
  // holds the delimiters themselves).
  function shape(text: string): unknown {
    return lines(text).map((s) =>
      s.split('|').map((f, i) => (s.startsWith('MSH') && i === 1 ? 'enc' : f.split('~').map((r) => r.split('^').map((c) => c.split('&').length)))),
    );
  }

  // What escaping keeps of a text: TAB becomes a space, other controls but CR/LF/VT/FS are dropped.
  function kept(text: string): string {
    return text.replace(/\t/g, ' ').replace(/[\x00-\x08\x0c\x0e-\x1b\x1d-\x1f\x7f-\x9f]/g, '');
  }

  function build(t: string[]): { reading: Reading; ctx: LabOruContext } {
    const s = (i: number): string => t[i] ?? 'a';
    const reading = labReading(
      [
        {
          ...GLUCOSE,
          code: { loinc: '2345-7', display: s(0), local: { system: s(1), code: s(2), display: s(3) } },
          unit: s(4),
          referenceRange: s(5),
          equipment: s(6),
          comments: [s(7)],
        },
        { ...LIPEMIA, code: { local: { system: s(8), code: s(9), display: s(10) } }, value: s(11), method: s(12) },
      ],
      {
        comments: [s(13), s(14)],
        equipment: s(15),
        specimen: { id: s(16), collectedAt: '2026-11-27T08:30:00.000-05:00' },
        // The ordered code never equals a result's code here: when it does, OBR-4 takes the result's LOINC (another shape).
        order: { placer: s(17), filler: s(18), code: { system: s(19), code: `order ${s(20)}`, display: s(21) } },
      },
    );
    const ctx = context({
      controlId: s(22),
      sendingApplication: { name: s(23), eui64: s(24) },
      sendingFacility: s(25),
      receivingApplication: s(26),
      receivingFacility: s(27),
      patient: { mrn: s(28), assigningAuthority: s(29), family: s(30), given: s(31), dob: '1961-01-01', sex: 'M' },
      device: { id: s(32), label: s(33), kind: 'lab' },
      specimenType: { code: s(34), display: s(35), system: s(36) },
    });
    return { reading, ctx };
  }

  const N = 37;

  it('never changes the segment, field or component structure, and gives the text back', () => {
    const plain = build(Array.from({ length: N }, (_v, i) => `a${i}`));
    const baseline = shape(encodeOruLab(plain.reading, plain.ctx));
    fc.assert(
      fc.property(fc.array(nasty, { minLength: N, maxLength: N }), (t) => {
        const { reading, ctx } = build(t);
        const text = encodeOruLab(reading, ctx);
        expect(text).not.toMatch(/[\x0b\x1c\n]/);
        expect(shape(text)).toEqual(baseline);
        const msh = lines(text)[0]?.split('|') ?? [];
        expect(msh.slice(8, 12)).toEqual(['ORU^R01^ORU_R01', msh[9], 'P', '2.5.1']);
        const msg = new Message({ text });
        expect(str(msg, 'PID.5.1')).toBe(kept(t[30] ?? ''));
        expect(str(msg.get('OBX').get(0), 'OBX.6.1')).toBe(kept(t[4] ?? ''));
        expect(str(msg.get('OBX').get(1), 'OBX.5')).toBe(kept(t[11] ?? ''));
      }),
      { numRuns: 300 },
    );
  });
});
