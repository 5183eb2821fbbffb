import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Message } from 'node-hl7-client';
import { decodeAecg } from '../../../drivers/ekg-aecg/decode.ts';
import { encodeOruPcd01, type OruContext } from '../../../src/hl7/oru-pcd01.ts';
import type { Reading } from '../../../src/model/reading.ts';
import { normalize } from '../../../src/pipeline/normalize.ts';
import { checkPlausibility } from '../../../src/pipeline/plausibility.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/ekg');
const NOW = new Date('2026-11-27T14:42:00.000Z');

function readingOf(file: string, id: string): { reading: Reading; doc: Buffer } {
  const doc = readFileSync(join(FIXTURES, file));
  const decoded = decodeAecg(doc, { maxBytes: 1 << 20 });
  if (!decoded.ok) throw new Error(decoded.reason);
  const { reading, problems } = normalize(decoded.report, { deviceId: 'ekg-1', kind: 'ekg', receivedAt: NOW, id });
  expect(problems).toEqual([]);
  expect(checkPlausibility(reading)).toEqual([]);
  return { reading, doc };
}

function context(reading: Reading): OruContext {
  return {
    controlId: '0MWZ39YW8000EKG1',
    now: NOW,
    offsetMinutes: -300,
    sendingApplication: { name: 'MEDGATE' },
    patient: reading.subject ?? { mrn: 'ASSIGNED-1' },
    device: { id: 'ekg-1', label: 'Cart 1', kind: 'ekg' },
  };
}

const segments = (text: string): string[] => text.slice(0, -1).split('\r');

const T = '20261127094100-0500';
const TAIL = `|||||R|||${T}|||AMEAS^auto-measurement^MDC|CardioSim 12 SN0042`;

describe('encodeOruPcd01: EKG from an aECG document (golden)', () => {
  it('gives exactly the expected OBR and OBX rows, and the attachment is the document', () => {
    const { reading, doc } = readingOf('resting-2lead.xml', '0MWZ39YW800000EK');
    const segs = segments(encodeOruPcd01(reading, context(reading)));
    expect(segs[1]).toBe('PID|||MRN4711^^^^MR||Doe^Jane^^^^^L||19700101|F');
    expect(segs[2]).toBe(`OBR|1|0MWZ39YW800000EK^MEDGATE|0MWZ39YW800000EK^MEDGATE|34534-8^12 lead EKG panel^LN|||${T}`);
    const obx = segs.slice(3);
    const golden = [
      'OBX|1||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|1.0.0.0|||||||X|||||||CardioSim 12 SN0042',
      'OBX|2||69798^MDC_DEV_ECG_VMD^MDC|1.1.0.0|||||||X',
      `OBX|3|NM|147842^MDC_ECG_HEART_RATE^MDC^8867-4^Heart rate (ECG)^LN|1.1.0.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC^/min^/min^UCUM${TAIL}`,
      `OBX|4|NM|146944^MDC_ECG_TIME_PD_PR_GL^MDC^8625-6^P-R interval^LN|1.1.0.2|160|264338^MDC_DIM_MILLI_SEC^MDC^ms^ms^UCUM${TAIL}`,
      `OBX|5|NM|147228^MDC_ECG_TIME_PD_QRS_GL^MDC^8633-0^QRS duration^LN|1.1.0.3|92|264338^MDC_DIM_MILLI_SEC^MDC^ms^ms^UCUM${TAIL}`,
      `OBX|6|NM|147232^MDC_ECG_TIME_PD_QT_GL^MDC^8634-8^Q-T interval^LN|1.1.0.4|380|264338^MDC_DIM_MILLI_SEC^MDC^ms^ms^UCUM${TAIL}`,
      `OBX|7|NM|146948^MDC_ECG_TIME_PD_QTc^MDC^8636-3^Q-T interval corrected^LN|1.1.0.5|416|264338^MDC_DIM_MILLI_SEC^MDC^ms^ms^UCUM${TAIL}`,
      `OBX|8|NM|147200^MDC_ECG_ANGLE_P_FRONT^MDC^8626-4^P wave axis^LN|1.1.0.6|45|262880^MDC_DIM_ANG_DEG^MDC^deg^deg^UCUM${TAIL}`,
      `OBX|9|NM|147204^MDC_ECG_ANGLE_QRS_FRONT^MDC^8632-2^QRS axis^LN|1.1.0.7|30|262880^MDC_DIM_ANG_DEG^MDC^deg^deg^UCUM${TAIL}`,
      `OBX|10|NM|147208^MDC_ECG_ANGLE_T_FRONT^MDC^8638-9^T wave axis^LN|1.1.0.8|-15|262880^MDC_DIM_ANG_DEG^MDC^deg^deg^UCUM${TAIL}`,
      `OBX|11|FT|8601-7^EKG impression^LN^^MDC_ECG_INTERPRETATION^MDC|1.1.0.9|Sinus rhythm\\.br\\Nonspecific T wave abnormality \\T\\ borderline ECG|${TAIL}`,
      // The waveform is not sent as NA rows: the document carries it (see oru-pcd01.ts).
      `OBX|12|ED|11524-6^EKG study^LN|1.1.0.10|^text^xml^Base64^${doc.toString('base64')}|${TAIL}`,
    ];
    expect(obx).toEqual(golden);
  });

  it('is read back by node-hl7-client: the ED data decodes to the original document', () => {
    const { reading, doc } = readingOf('resting-2lead.xml', '0MWZ39YW800000EK');
    const msg = new Message({ text: encodeOruPcd01(reading, context(reading)) });
    const obx = msg.get('OBX');
    expect(obx.length).toBe(12);
    const ed = obx.get(11);
    expect(ed.get('OBX.2').toString()).toBe('ED');
    expect(ed.get('OBX.5.2').toString()).toBe('text'); // v2.6 table 0834 (MIME types)
    expect(ed.get('OBX.5.3').toString()).toBe('xml'); // v2.6 table 0291: the RFC 2046 subtype
    expect(ed.get('OBX.5.4').toString()).toBe('Base64');
    expect(Buffer.from(ed.get('OBX.5.5').toString(), 'base64').equals(doc)).toBe(true);
  });

  it('converts a vendor PR in seconds to ms and sends a document without a patient to the assigned one', () => {
    const { reading } = readingOf('vendor-gl-no-patient.xml', '0MWZ39YW800000EL');
    const segs = segments(encodeOruPcd01(reading, context(reading)));
    // PID-5 is required: a patient known by MRN only gets name type U (unspecified) alone.
    expect(segs[1]).toBe('PID|||ASSIGNED-1^^^^MR||^^^^^^U');
    const pr = segs.find((s) => s.includes('8625-6'));
    expect(pr?.split('|').slice(4, 7)).toEqual(['1.1.0.2', '172', '264338^MDC_DIM_MILLI_SEC^MDC^ms^ms^UCUM']);
    const interp = segs.find((s) => s.includes('8601-7'));
    expect(interp?.split('|').slice(2, 3)).toEqual(['ST']);
    expect(segs.some((s) => s.split('|')[2] === 'NA')).toBe(false);
  });
});

describe('encodeOruPcd01: EKG without a document or measurements', () => {
  const base: Omit<Reading, 'observations'> = {
    id: '0MWZ39YW800000EM',
    deviceId: 'ekg-1',
    kind: 'ekg',
    observedAt: '2026-11-27T09:41:00.000-05:00',
    receivedAt: '2026-11-27T09:41:01.000-05:00',
    raw: '',
  };

  it('keeps a waveform as NA rows when no XML document carries it: each lead coded, with its sample rate', () => {
    const reading: Reading = {
      ...base,
      observations: [
        {
          code: { mdc: { ref: 'MDC_ECG_HEART_RATE', code: 147842 }, loinc: '8867-4', display: 'Heart rate (ECG)' },
          value: 60,
          precision: 0,
          unit: '/min',
          status: 'F',
        },
        {
          code: { mdc: { ref: 'MDC_ECG_ELEC_POTL' } },
          value: { kind: 'waveform', sampleRateHz: 500, unit: 'uV', leads: [{ name: 'I', samples: [1, 2] }] },
          unit: 'uV',
          status: 'F',
        },
      ],
    };
    const segs = segments(encodeOruPcd01(reading, context(reading)));
    expect(segs.slice(4).map((s) => s.split('|').slice(2, 6).join('|'))).toEqual([
      '|69798^MDC_DEV_ECG_VMD^MDC|1.1.0.0|',
      'NM|147842^MDC_ECG_HEART_RATE^MDC^8867-4^Heart rate (ECG)^LN|1.1.0.1|60',
      'NA|131329^MDC_ECG_ELEC_POTL_I^MDC|1.1.0.2|1^2',
      'NM|0^MDC_ATTR_SAMP_RATE^MDC|1.1.0.2.1|500',
    ]);
  });

  it('uses the flat tree (no ECG VMD) when there are no ECG measurements', () => {
    const reading: Reading = {
      ...base,
      observations: [{ code: { loinc: '8601-7', mdc: { ref: 'MDC_ECG_INTERPRETATION' }, display: 'EKG impression' }, value: 'Normal ECG', status: 'F' }],
    };
    const segs = segments(encodeOruPcd01(reading, context(reading)));
    expect(segs).toHaveLength(5);
    expect(segs[4]?.split('|').slice(2, 6)).toEqual(['ST', '8601-7^EKG impression^LN^^MDC_ECG_INTERPRETATION^MDC', '1.0.0.1', 'Normal ECG']);
  });
});
