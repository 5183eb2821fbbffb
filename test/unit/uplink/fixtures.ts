// Readings as the normalizer produces them, one per device kind the uplink must carry.

import type { Observation, PatientRef, Reading } from '../../../src/model/reading.ts';
import type { UplinkContext } from '../../../src/uplink/reading-json.ts';

export const patient: PatientRef = { mrn: 'HO2009001', assigningAuthority: 'NIST', family: 'Hon', given: 'Albert', dob: '1961-01-01', sex: 'M' };

export const ctx: UplinkContext = {
  messageId: '0M5ZK3Q7R000A1B2',
  gateway: { application: 'MEDGATE', facility: 'CLINIC' },
  now: new Date('2025-01-14T09:30:16.000Z'),
};

function reading(kind: Reading['kind'], deviceId: string, observations: Observation[], extra: Partial<Reading> = {}): Reading {
  return {
    id: `R-${deviceId}`,
    deviceId,
    kind,
    observedAt: '2025-01-14T09:30:00.000+01:00',
    receivedAt: '2025-01-14T08:30:01.000Z',
    observations,
    raw: 'raw device text',
    ...extra,
  };
}

export const scale = reading('scale', 'scale-1', [
  {
    code: { mdc: { ref: 'MDC_MASS_BODY_ACTUAL', code: 188736 }, loinc: '29463-7', display: 'Body weight' },
    value: 70.5,
    precision: 2,
    unit: 'kg',
    status: 'F',
    original: { value: '155.43', unit: 'lb' },
  },
]);

export const bp = reading(
  'bp',
  'bp-1',
  [
    {
      code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_SYS', code: 150021 }, loinc: '8480-6', display: 'Systolic blood pressure' },
      value: 142,
      unit: 'mm[Hg]',
      status: 'F',
      flags: ['H'],
      referenceRange: '90-140',
    },
    {
      code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_DIA', code: 150022 }, loinc: '8462-4', display: 'Diastolic blood pressure' },
      value: 85,
      unit: 'mm[Hg]',
      status: 'F',
    },
    {
      code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_MEAN', code: 150023 }, loinc: '8478-0', display: 'Mean blood pressure' },
      value: 104,
      unit: 'mm[Hg]',
      status: 'F',
    },
    { code: { mdc: { ref: 'MDC_PULS_RATE_NON_INV', code: 149546 }, loinc: '8867-4', display: 'Pulse rate (NIBP)' }, value: 72, unit: '/min', status: 'F' },
  ],
  { equipment: 'Accutorr 7 SN42' },
);

export const spo2 = reading('vitals', 'oxi-1', [
  {
    code: { mdc: { ref: 'MDC_PULS_OXIM_SAT_O2', code: 150456 }, loinc: '59408-5', display: 'Oxygen saturation (SpO2)' },
    value: 97,
    unit: '%',
    status: 'F',
    observedAt: '2025-01-14T09:29:58.000+01:00',
    method: 'AMEAS',
  },
]);

export const lab = reading(
  'lab',
  'ua-200',
  [
    {
      code: { local: { system: '99MDG', code: 'GLU', display: 'Glucose' }, loinc: '2350-7' },
      value: 100,
      unit: 'mg/dL',
      precision: 0,
      referenceRange: '0-15',
      flags: ['H'],
      status: 'F',
      comments: ['Sample hemolyzed'],
    },
    { code: { local: { system: '99MDG', code: 'PH' } }, value: 6.5, precision: 1, referenceRange: '5.0-8.0', flags: ['N'], status: 'P' },
    { code: { local: { system: '99MDG', code: 'COL', display: 'Colour' } }, value: 'yellow', status: 'C' },
  ],
  {
    specimen: { id: 'SPEC123', collectedAt: '2025-01-14T09:05:00.000+01:00' },
    order: { placer: 'ORD1', code: { system: '99MDG', code: 'UA', display: 'Urinalysis' } },
    comments: ['fasting'],
    equipment: 'UA-200 SN0042',
  },
);

/** A small "PDF" so the attachment tests stay fast; the bytes only need to round-trip. */
export const pdfBytes = Buffer.from('%PDF-1.4\n% medgate test report\n%%EOF\n');

export const ekg = reading('ekg', 'ecg-1', [
  { code: { mdc: { ref: 'MDC_ECG_HEART_RATE', code: 147842 }, loinc: '8867-4', display: 'Heart rate' }, value: 64, unit: '/min', status: 'F' },
  { code: { mdc: { ref: 'MDC_ECG_TIME_PD_QTc' }, loinc: '8636-3', display: 'QTc' }, value: 412, unit: 'ms', status: 'F' },
  { code: { local: { system: 'MEDGATE', code: 'ECG_INTERP', display: 'Interpretation' } }, value: 'Sinus rhythm. Normal ECG.', status: 'P' },
  {
    code: { mdc: { ref: 'MDC_ECG_ELEC_POTL', code: 131328 }, display: 'ECG waveform' },
    value: {
      kind: 'waveform',
      sampleRateHz: 500,
      unit: 'uV',
      leads: [
        { name: 'I', samples: [0, 15, 30, -5] },
        { name: 'II', samples: [1, 2, 3] },
      ],
    },
    status: 'F',
  },
  {
    code: { loinc: '11524-6', display: 'EKG study' },
    value: { kind: 'attachment', mediaType: 'application/pdf', base64: pdfBytes.toString('base64') },
    status: 'F',
  },
]);
