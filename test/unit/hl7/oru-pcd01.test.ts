import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { Message } from 'node-hl7-client';
import type { HL7Node } from 'node-hl7-client';
import type { Observation, Reading } from '../../../src/model/reading.ts';
import { encodeOruPcd01 } from '../../../src/hl7/oru-pcd01.ts';
import type { OruContext } from '../../../src/hl7/oru-pcd01.ts';
import { normalize } from '../../../src/pipeline/normalize.ts';

const PATIENT = { mrn: 'HO2009001', assigningAuthority: 'NIST', family: 'Hon', given: 'Albert', dob: '1961-01-01', sex: 'M' as const };
const NOW = new Date('2026-11-27T14:41:06.000Z');

function context(over: Partial<OruContext> = {}): OruContext {
  return {
    controlId: '0MWZ39YW80000ABC',
    now: NOW,
    offsetMinutes: -300,
    sendingApplication: { name: 'MEDGATE', eui64: '0018E2FFFE00A1B2' },
    sendingFacility: 'CLINIC',
    receivingApplication: 'EHR',
    receivingFacility: 'HOSP',
    patient: PATIENT,
    device: { id: 'scale-1', label: 'WB-3000', eui64: '0018E2FFFE00A1B3', kind: 'scale' },
    ...over,
  };
}

function reading(id: string, kind: Reading['kind'], observations: Observation[]): Reading {
  return {
    id,
    deviceId: 'dev',
    kind,
    observedAt: '2026-11-27T09:41:00.000-05:00',
    receivedAt: '2026-11-27T09:41:01.000-05:00',
    observations,
    raw: '',
  };
}

const scale = reading('0MWZ39YW80000001', 'scale', [
  {
    code: { mdc: { ref: 'MDC_MASS_BODY_ACTUAL', code: 188736 }, loinc: '29463-7', display: 'Body weight' },
    value: 70.5,
    precision: 2,
    unit: 'kg',
    status: 'F',
  },
  { code: { mdc: { ref: 'MDC_LEN_BODY_ACTUAL', code: 188740 }, loinc: '8302-2', display: 'Body height' }, value: 172, precision: 1, unit: 'cm', status: 'F' },
  {
    code: { mdc: { ref: 'MDC_RATIO_MASS_BODY_LEN_SQ', code: 188752 }, loinc: '39156-5', display: 'Body mass index' },
    value: 23.8,
    precision: 1,
    unit: 'kg/m2',
    status: 'F',
  },
]);

const SCALE_GOLDEN = [
  'MSH|^~\\&|MEDGATE^0018E2FFFE00A1B2^EUI-64|CLINIC|EHR|HOSP|20261127094106-0500||ORU^R01^ORU_R01|0MWZ39YW80000ABC|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
  'PID|||HO2009001^^^NIST^MR||Hon^Albert^^^^^L||19610101|M',
  'OBR|1|0MWZ39YW80000001^MEDGATE^0018E2FFFE00A1B2^EUI-64|0MWZ39YW80000001^MEDGATE^0018E2FFFE00A1B2^EUI-64|182777000^monitoring of patient^SCT|||20261127094100-0500',
  'OBX|1||528399^MDC_DEV_SPEC_PROFILE_SCALE^MDC|1.0.0.0|||||||X|||||||0018E2FFFE00A1B3^^0018E2FFFE00A1B3^EUI-64',
  'OBX|2|NM|188736^MDC_MASS_BODY_ACTUAL^MDC^29463-7^Body weight^LN|1.0.0.1|70.50|263875^MDC_DIM_KILO_G^MDC^kg^kg^UCUM|||||R|||20261127094100-0500|||AMEAS^auto-measurement^MDC|0018E2FFFE00A1B3^^0018E2FFFE00A1B3^EUI-64',
  'OBX|3|NM|188740^MDC_LEN_BODY_ACTUAL^MDC^8302-2^Body height^LN|1.0.0.2|172.0|263441^MDC_DIM_CENTI_M^MDC^cm^cm^UCUM|||||R|||20261127094100-0500|||AMEAS^auto-measurement^MDC|0018E2FFFE00A1B3^^0018E2FFFE00A1B3^EUI-64',
  'OBX|4|NM|188752^MDC_RATIO_MASS_BODY_LEN_SQ^MDC^39156-5^Body mass index^LN|1.0.0.3|23.8|264096^MDC_DIM_KG_PER_M_SQ^MDC^kg/m2^kg/m2^UCUM|||||R|||20261127094100-0500|||AMEAS^auto-measurement^MDC|0018E2FFFE00A1B3^^0018E2FFFE00A1B3^EUI-64',
];

const bp = reading('0MWZ39YW80000002', 'bp', [
  {
    code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_SYS', code: 150021 }, loinc: '8480-6', display: 'Systolic blood pressure' },
    value: 120,
    precision: 0,
    unit: 'mm[Hg]',
    status: 'F',
    equipment: 'SN 77',
  },
  {
    code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_DIA', code: 150022 }, loinc: '8462-4', display: 'Diastolic blood pressure' },
    value: 80,
    precision: 0,
    unit: 'mm[Hg]',
    status: 'F',
    equipment: 'SN 77',
  },
  {
    code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_MEAN', code: 150023 }, loinc: '8478-0', display: 'Mean blood pressure' },
    value: 93,
    precision: 0,
    unit: 'mm[Hg]',
    status: 'F',
    equipment: 'SN 77',
  },
  {
    code: { mdc: { ref: 'MDC_PULS_RATE_NON_INV', code: 149546 }, loinc: '8867-4', display: 'Pulse rate (NIBP)' },
    value: 63,
    precision: 0,
    unit: '/min',
    status: 'F',
    equipment: 'SN 77',
    referenceRange: '50-120',
    flags: ['N'],
  },
]);

const BP_GOLDEN = [
  'MSH|^~\\&|MEDGATE||||20261127144106+0000||ORU^R01^ORU_R01|0MWZ39YW80000ABD|T|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
  'PID|||A-77^^^^MR||^^^^^^U',
  'OBR|1|0MWZ39YW80000002^MEDGATE|0MWZ39YW80000002^MEDGATE|182777000^monitoring of patient^SCT|||20261127094100-0500',
  'OBX|1||528391^MDC_DEV_SPEC_PROFILE_BP^MDC|1.0.0.0|||||||X|||||||SN 77',
  'OBX|2|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC^8480-6^Systolic blood pressure^LN|1.0.0.1|120|266016^MDC_DIM_MMHG^MDC^mm[Hg]^mm[Hg]^UCUM|||||R|||20261127094100-0500|||AMEAS^auto-measurement^MDC|SN 77',
  'OBX|3|NM|150022^MDC_PRESS_BLD_NONINV_DIA^MDC^8462-4^Diastolic blood pressure^LN|1.0.0.2|80|266016^MDC_DIM_MMHG^MDC^mm[Hg]^mm[Hg]^UCUM|||||R|||20261127094100-0500|||AMEAS^auto-measurement^MDC|SN 77',
  'OBX|4|NM|150023^MDC_PRESS_BLD_NONINV_MEAN^MDC^8478-0^Mean blood pressure^LN|1.0.0.3|93|266016^MDC_DIM_MMHG^MDC^mm[Hg]^mm[Hg]^UCUM|||||R|||20261127094100-0500|||AMEAS^auto-measurement^MDC|SN 77',
  'OBX|5|NM|149546^MDC_PULS_RATE_NON_INV^MDC^8867-4^Pulse rate (NIBP)^LN|1.0.0.4|63|264864^MDC_DIM_BEAT_PER_MIN^MDC^/min^/min^UCUM|50-120|N|||R|||20261127094100-0500|||AMEAS^auto-measurement^MDC|SN 77',
];

function bpContext(): OruContext {
  return {
    controlId: '0MWZ39YW80000ABD',
    now: NOW,
    offsetMinutes: 0,
    processingId: 'T',
    sendingApplication: { name: 'MEDGATE' },
    patient: { mrn: 'A-77' },
    device: { id: 'bp-2', label: 'Accutorr 3', kind: 'bp' },
  };
}

const spo2 = reading('0MWZ39YW80000003', 'vitals', [
  {
    code: { mdc: { ref: 'MDC_PULS_OXIM_SAT_O2', code: 150456 }, loinc: '59408-5', display: 'Oxygen saturation (SpO2)' },
    value: 97,
    precision: 0,
    unit: '%',
    status: 'F',
    observedAt: '2026-11-27T09:41:30.000-05:00',
  },
  {
    code: { mdc: { ref: 'MDC_PULS_OXIM_PULS_RATE', code: 149530 }, loinc: '8889-8', display: 'Pulse rate (oximetry)' },
    value: 72,
    precision: 0,
    unit: '/min',
    status: 'C',
  },
  {
    code: { mdc: { ref: 'MDC_RESP_RATE', code: 151562 }, loinc: '9279-1', display: 'Respiratory rate' },
    value: 16,
    precision: 0,
    unit: '/min',
    status: 'F',
    method: 'MMEAS',
  },
  { code: { mdc: { ref: 'MDC_ECG_TIME_PD_QTc' }, loinc: '8636-3', display: 'QTc interval' }, value: 412, precision: 0, unit: 'ms', status: 'F' },
  { code: { local: { system: 'NONIN', code: 'STATUS', display: 'Probe status' } }, value: 'probe off | check^sensor', status: 'F' },
]);

const SPO2_GOLDEN = [
  'MSH|^~\\&|MEDGATE^0018E2FFFE00A1B2^EUI-64|CLINIC|EHR|HOSP|20261127094106-0500||ORU^R01^ORU_R01|0MWZ39YW80000ABE|P|2.6|||AL|NE||UNICODE UTF-8|||IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO',
  'PID|||HO2009001^^^NIST^MR||Hon^Albert^^^^^L||19610101|M',
  'OBR|1|0MWZ39YW80000003^MEDGATE^0018E2FFFE00A1B2^EUI-64|0MWZ39YW80000003^MEDGATE^0018E2FFFE00A1B2^EUI-64|182777000^monitoring of patient^SCT|||20261127094100-0500',
  'OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||oxi-1^MEDGATE',
  'OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC^59408-5^Oxygen saturation (SpO2)^LN|1.0.0.1|97|262688^MDC_DIM_PERCENT^MDC^%^%^UCUM|||||F|||20261127094130-0500|||AMEAS^auto-measurement^MDC|oxi-1^MEDGATE',
  'OBX|3|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC^8889-8^Pulse rate (oximetry)^LN|1.0.0.2|72|264864^MDC_DIM_BEAT_PER_MIN^MDC^/min^/min^UCUM|||||C|||20261127094100-0500|||AMEAS^auto-measurement^MDC|oxi-1^MEDGATE',
  'OBX|4|NM|151562^MDC_RESP_RATE^MDC^9279-1^Respiratory rate^LN|1.0.0.3|16|264928^MDC_DIM_RESP_PER_MIN^MDC^/min^/min^UCUM|||||F|||20261127094100-0500|||MMEAS^manual-measurement^MDC|oxi-1^MEDGATE',
  // Stored without the numeric code QTc has now: the vocabulary supplies it (DICOM CID 3227).
  'OBX|5|NM|146948^MDC_ECG_TIME_PD_QTc^MDC^8636-3^QTc interval^LN|1.0.0.4|412|264338^MDC_DIM_MILLI_SEC^MDC^ms^ms^UCUM|||||F|||20261127094100-0500|||AMEAS^auto-measurement^MDC|oxi-1^MEDGATE',
  // NONIN is not a table 0396 name: the local code goes out in the default local system.
  'OBX|6|ST|STATUS^Probe status^99MDG|1.0.0.5|probe off \\F\\ check\\S\\sensor||||||F|||20261127094100-0500|||AMEAS^auto-measurement^MDC|oxi-1^MEDGATE',
];

function spo2Context(): OruContext {
  return context({ controlId: '0MWZ39YW80000ABE', device: { id: 'oxi-1', kind: 'vitals' }, deviceResultStatus: 'F' });
}

function lines(text: string): string[] {
  expect(text.endsWith('\r')).toBe(true);
  return text.slice(0, -1).split('\r');
}

function expectSegments(actual: string, golden: string[]): void {
  const got = lines(actual);
  expect(got).toHaveLength(golden.length);
  got.forEach((segment, i) => {
    // Field by field first, so a failure names the field.
    const want = (golden[i] ?? '').split('|');
    const have = segment.split('|');
    want.forEach((field, f) => expect(have[f], `${want[0]}-${segment.startsWith('MSH') ? f + 1 : f}`).toBe(field));
    expect(segment).toBe(golden[i]);
  });
}

function str(node: HL7Node, path: string): string {
  return node.get(path).toString();
}

describe('encodeOruPcd01: golden messages', () => {
  it('encodes a scale reading (flat PHD tree, MDC + UCUM units, EUI-64 equipment)', () => {
    expectSegments(encodeOruPcd01(scale, context()), SCALE_GOLDEN);
  });

  it('encodes a blood-pressure reading with the minimum context', () => {
    expectSegments(encodeOruPcd01(bp, bpContext()), BP_GOLDEN);
  });

  it('encodes SpO2 with LOINC-primary, breaths/min, manual method, ST text and status F', () => {
    expectSegments(encodeOruPcd01(spo2, spo2Context()), SPO2_GOLDEN);
  });

  it('encodes what normalize produced from a raw device report', () => {
    const { reading: r, problems } = normalize(
      {
        measurements: [
          { type: 'weight', value: 155.2, unit: 'lb' },
          { type: 'temperature', value: 98.6, unit: 'F' },
        ],
        raw: '',
        observedAt: '2026-11-27T09:41:00-05:00',
      },
      { deviceId: 'scale-1', kind: 'scale', receivedAt: NOW, id: '0MWZ39YW80000009' },
    );
    expect(problems).toEqual([]);
    const segs = lines(encodeOruPcd01(r, context()));
    expect(segs[4]?.split('|').slice(2, 7)).toEqual([
      'NM',
      '188736^MDC_MASS_BODY_ACTUAL^MDC^29463-7^Body weight^LN',
      '1.0.0.1',
      '70.4',
      '263875^MDC_DIM_KILO_G^MDC^kg^kg^UCUM',
    ]);
    expect(segs[5]?.split('|').slice(5, 7)).toEqual(['37.0', '268192^MDC_DIM_DEGC^MDC^Cel^Cel^UCUM']);
  });
});

describe('encodeOruPcd01: other value types', () => {
  it('sends an attachment as ED (v2.6 tables 0834/0291) and a waveform as one coded NA row per lead with its WCM facets', () => {
    const r = reading('0MWZ39YW80000004', 'ekg', [
      {
        code: { local: { system: 'MEDGATE', code: 'ecg.report', display: 'ECG report' } },
        value: { kind: 'attachment', mediaType: 'application/pdf', base64: 'JVBERi0=' },
        status: 'F',
      },
      {
        code: { mdc: { ref: 'MDC_ECG_ELEC_POTL' } },
        value: {
          kind: 'waveform',
          sampleRateHz: 500,
          unit: 'uV',
          leads: [
            { name: 'I', samples: [1, -2, 3], resolution: 2.5 },
            { name: 'II', samples: [4] },
          ],
        },
        unit: 'uV',
        status: 'F',
      },
    ]);
    const segs = lines(encodeOruPcd01(r, context({ device: { id: 'ecg-1', kind: 'ekg' } })));
    expect(segs[3]?.split('|')[3]).toBe('69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC');
    expect(segs[4]?.split('|').slice(1, 6)).toEqual(['2', 'ED', 'ecg.report^ECG report^99MDG', '1.0.0.1', '^application^pdf^Base64^JVBERi0=']);
    expect(segs.slice(5).map((seg) => seg.split('|').slice(1, 7))).toEqual([
      ['3', 'NA', '131329^MDC_ECG_ELEC_POTL_I^MDC', '1.0.0.2', '1^-2^3', 'uV^uV^UCUM'],
      ['4', 'NM', '0^MDC_ATTR_SAMP_RATE^MDC', '1.0.0.2.1', '500', '264640^MDC_DIM_HZ^MDC^Hz^Hz^UCUM'],
      ['5', 'NM', '0^MDC_ATTR_NU_MSMT_RES^MDC', '1.0.0.2.2', '2.5', 'uV^uV^UCUM'],
      ['6', 'NA', '131330^MDC_ECG_ELEC_POTL_II^MDC', '1.0.0.3', '4', 'uV^uV^UCUM'],
      ['7', 'NM', '0^MDC_ATTR_SAMP_RATE^MDC', '1.0.0.3.1', '500', '264640^MDC_DIM_HZ^MDC^Hz^Hz^UCUM'],
    ]);
  });

  it('refuses a non-finite number rather than send it', () => {
    const r = reading('0MWZ39YW80000005', 'bp', [{ code: { loinc: '8480-6' }, value: Number.NaN, unit: 'mm[Hg]', status: 'F' }]);
    expect(() => encodeOruPcd01(r, bpContext())).toThrow(RangeError);
  });
});

describe('encodeOruPcd01: read back by node-hl7-client', () => {
  it('parses the scale message into the fields we meant', () => {
    const msg = new Message({ text: encodeOruPcd01(scale, context()) });
    expect(str(msg, 'MSH.9.1')).toBe('ORU');
    expect(str(msg, 'MSH.9.2')).toBe('R01');
    expect(str(msg, 'MSH.9.3')).toBe('ORU_R01');
    expect(str(msg, 'MSH.10')).toBe('0MWZ39YW80000ABC');
    expect(str(msg, 'MSH.12')).toBe('2.6');
    expect(str(msg, 'MSH.21.1')).toBe('IHE_PCD_001');
    expect(str(msg, 'MSH.21.3')).toBe('1.3.6.1.4.1.19376.1.6.1.1.1');
    expect(str(msg, 'MSH.21.4')).toBe('ISO');
    expect(str(msg, 'PID.3.1')).toBe('HO2009001');
    expect(str(msg, 'PID.3.4')).toBe('NIST');
    expect(str(msg, 'PID.3.5')).toBe('MR');
    expect(str(msg, 'PID.5.1')).toBe('Hon');
    expect(str(msg, 'PID.5.2')).toBe('Albert');
    expect(str(msg, 'PID.5.7')).toBe('L');

    const obx = msg.get('OBX');
    expect(obx.length).toBe(4);
    const expected = [
      ['528399', 'MDC_DEV_SPEC_PROFILE_SCALE', '', '', '', '', '1.0.0.0'],
      ['188736', 'MDC_MASS_BODY_ACTUAL', '29463-7', '70.50', '263875', 'kg', '1.0.0.1'],
      ['188740', 'MDC_LEN_BODY_ACTUAL', '8302-2', '172.0', '263441', 'cm', '1.0.0.2'],
      ['188752', 'MDC_RATIO_MASS_BODY_LEN_SQ', '39156-5', '23.8', '264096', 'kg/m2', '1.0.0.3'],
    ];
    expected.forEach(([code, ref, loinc, value, unit, ucum, sub], i) => {
      const seg = obx.get(i);
      expect(str(seg, 'OBX.3.1')).toBe(code);
      expect(str(seg, 'OBX.3.2')).toBe(ref);
      expect(str(seg, 'OBX.3.4')).toBe(loinc);
      expect(str(seg, 'OBX.4')).toBe(sub);
      expect(str(seg, 'OBX.5')).toBe(value);
      expect(str(seg, 'OBX.6.1')).toBe(unit);
      expect(str(seg, 'OBX.6.4')).toBe(ucum);
      expect(str(seg, 'OBX.18.1')).toBe('0018E2FFFE00A1B3');
      expect(str(seg, 'OBX.18.4')).toBe('EUI-64');
      if (i > 0) expect(str(seg, 'OBX.14')).toBe('20261127094100-0500');
    });
  });

  it('gives back hostile patient and device text exactly, unescaped', () => {
    const hostile = context({
      patient: { mrn: 'M|1^2', assigningAuthority: 'A&B', family: "O'Brien|^~\\&", given: 'Ann\rMSH|x', dob: 'not a date' },
      device: { id: 'd~1', label: 'Lab\\Scale', kind: 'scale' },
    });
    const text = encodeOruPcd01(scale, hostile);
    expect(lines(text)).toHaveLength(SCALE_GOLDEN.length);
    const msg = new Message({ text });
    expect(str(msg, 'PID.3.1')).toBe('M|1^2');
    expect(str(msg, 'PID.3.4')).toBe('A&B');
    expect(str(msg, 'PID.5.1')).toBe("O'Brien|^~\\&");
    expect(str(msg, 'PID.5.2')).toBe('Ann\rMSH|x');
    expect(str(msg, 'PID.7')).toBe('');
    expect(str(msg.get('OBX').get(0), 'OBX.18.1')).toBe('d~1');
    // The label is not an assigner: EI.2 is the application that assigned the device id.
    expect(str(msg.get('OBX').get(0), 'OBX.18.2')).toBe('MEDGATE');
  });
});

describe('encodeOruPcd01: structure under random text', () => {
  // Every free-text input, filled with delimiters, CR/LF, MLLP bytes and arbitrary code points.
  const nasty = fc
    .string({
      unit: fc.oneof(
        fc.constantFrom('|', '^', '~', '\\', '&', '\r', '\n', '\x0b', '\x1c', '\t', '\x00', 'X', ' '),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 24,
    })
    // A leading letter keeps each field non-empty, so trailing-field trimming cannot mask a shift.
    .map((s) => `a${s}`);

  it('never changes the segment or field count, nor the fields around the text', () => {
    const baseline = lines(encodeOruPcd01(spo2, spo2Context())).map((s) => s.split('|').length);
    fc.assert(
      fc.property(fc.array(nasty, { minLength: 14, maxLength: 14 }), (t) => {
        const r: Reading = {
          ...spo2,
          observations: spo2.observations.map((o, i) => ({
            ...o,
            referenceRange: t[0] ?? '',
            equipment: t[1] ?? '',
            ...(i === 4 ? { value: t[2] ?? '', code: { local: { system: t[3] ?? '', code: t[4] ?? '', display: t[5] ?? '' } } } : {}),
            ...(i === 2 ? { method: t[6] ?? '' } : {}),
          })),
        };
        const ctx: OruContext = {
          ...spo2Context(),
          sendingApplication: { name: t[7] ?? '', eui64: t[8] ?? '' },
          sendingFacility: t[9] ?? '',
          patient: { mrn: t[10] ?? '', assigningAuthority: t[11] ?? '', family: t[12] ?? '', given: t[13] ?? '', dob: '1961-01-01', sex: 'M' },
          device: { id: 'oxi-1', label: t[12] ?? '', kind: 'vitals' },
        };
        const text = encodeOruPcd01(r, ctx);
        expect(text).not.toMatch(/[\x0b\x1c\n]/);
        const segs = lines(text);
        expect(segs.map((s) => s.slice(0, 3))).toEqual(['MSH', 'PID', 'OBR', 'OBX', 'OBX', 'OBX', 'OBX', 'OBX', 'OBX']);
        expect(segs.map((s) => s.split('|').length)).toEqual(baseline);
        const msh = (segs[0] ?? '').split('|');
        expect(msh[8]).toBe('ORU^R01^ORU_R01');
        expect(msh[9]).toBe('0MWZ39YW80000ABE');
        expect(msh[11]).toBe('2.6');
        expect(msh[20]).toBe('IHE_PCD_001^IHE PCD^1.3.6.1.4.1.19376.1.6.1.1.1^ISO');
        segs.slice(4).forEach((s, i) => {
          const f = s.split('|');
          expect(f[4]).toBe(`1.0.0.${i + 1}`);
          expect(f[3]?.split('^').length).toBeLessThanOrEqual(6);
          expect(f[18]?.split('^').length).toBe(1); // the reported equipment alone, escaped
        });
        const pid = (segs[1] ?? '').split('|');
        expect(pid[3]?.split('^')).toHaveLength(5);
        expect(pid[5]?.split('^')).toHaveLength(7);
      }),
      { numRuns: 300 },
    );
  });
});
