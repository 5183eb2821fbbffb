// PCD-01 codes and identifiers a strict receiver checks: OBX-18 (EI), the local coding system, the
// MDS row's 11073 specialization, and the codes normalize() gives each vocabulary measurement.

import { describe, it, expect } from 'vitest';
import { Message } from 'node-hl7-client';
import { encodeOruPcd01, type OruContext } from '../../../src/hl7/oru-pcd01.ts';
import type { DeviceKind, Reading } from '../../../src/model/reading.ts';
import { LOCAL_CODE_SYSTEM, type VitalType } from '../../../src/model/vocabulary.ts';
import { normalize } from '../../../src/pipeline/normalize.ts';

const NOW = new Date('2026-11-27T14:41:06.000Z');

function context(over: Partial<OruContext> = {}): OruContext {
  return {
    controlId: 'PCD0000009',
    now: NOW,
    offsetMinutes: 0,
    sendingApplication: { name: 'CLINICGW' },
    patient: { mrn: 'A-77' },
    // A label longer than an IS allows, as the demo's labels are: it must not reach OBX-18.
    device: { id: 'spo2-1', label: 'Nonin oximeter (generic line), ward 3', kind: 'generic' },
    ...over,
  };
}

/** A reading as normalize() makes it from a driver's typed measurements. */
function measured(kind: DeviceKind, types: Array<[VitalType, number, string]>, extra: Partial<Reading> = {}): Reading {
  const { reading } = normalize(
    { measurements: types.map(([type, value, unit]) => ({ type, value, unit })), raw: '', observedAt: '2026-11-27T09:41:00-05:00' },
    { deviceId: 'dev-1', kind, receivedAt: NOW, id: '0MWZ39YW8000C0DE' },
  );
  return { ...reading, ...extra };
}

function obxRows(text: string): string[][] {
  return text
    .split('\r')
    .filter((s) => s.startsWith('OBX|'))
    .map((s) => s.split('|'));
}

const SPO2: Array<[VitalType, number, string]> = [
  ['spo2', 97, '%'],
  ['pulse.oximetry', 72, '/min'],
];

describe('PCD-01 OBX-18 (IHE PCD TF-2 B.8 / C.5, HL7 v2.6 EI)', () => {
  it('EUI-64 form: the EUI in EI.1 and EI.3, EI.2 empty, EI.4 EUI-64', () => {
    const text = encodeOruPcd01(measured('generic', SPO2), context({ device: { id: 'spo2-1', label: 'Nonin', eui64: '0018E2FFFE00A1B3', kind: 'generic' } }));
    for (const f of obxRows(text)) expect(f[18]).toBe('0018E2FFFE00A1B3^^0018E2FFFE00A1B3^EUI-64');
  });

  it('the configured device id with the sending application as namespace; the label never', () => {
    const text = encodeOruPcd01(measured('generic', SPO2), context());
    for (const f of obxRows(text)) expect(f[18]).toBe('spo2-1^CLINICGW');
    expect(text).not.toContain('Nonin oximeter');
  });

  it('what the device reported, alone; and no namespace when the application name is no IS of at most 20', () => {
    const r = measured('generic', SPO2);
    const reported = encodeOruPcd01({ ...r, observations: r.observations.map((o) => ({ ...o, equipment: 'Nonin 7500 SN 4711' })) }, context());
    for (const f of obxRows(reported)) expect(f[18]).toBe('Nonin 7500 SN 4711');
    const long = encodeOruPcd01(measured('generic', SPO2), context({ sendingApplication: { name: 'MEDGATE-GATEWAY-CLINIC-NORTH' } }));
    for (const f of obxRows(long)) expect(f[18]).toBe('spo2-1');
  });

  it('is read back by node-hl7-client with EI.2 empty or at most 20 characters', () => {
    const msg = new Message({ text: encodeOruPcd01(measured('generic', SPO2), context()) });
    msg.get('OBX').forEach((seg) => expect(seg.get('OBX.18.2').toString().length).toBeLessThanOrEqual(20));
  });
});

describe('PCD-01 local coding system (HL7 table 0396)', () => {
  const withLocal = (): Reading => {
    const r = measured('scale', [
      ['weight', 82.7, 'kg'],
      ['body.impedance', 369.4, 'Ohm'],
    ]);
    expect(r.observations[1]?.code.local?.system).toBe(LOCAL_CODE_SYSTEM);
    return r;
  };

  it('writes the configured system for a local code, never the internal marker', () => {
    const text = encodeOruPcd01(withLocal(), context({ localCodeSystem: 'L' }));
    expect(obxRows(text)[2]?.[3]).toBe('body.impedance^Bioelectrical impedance^L');
    expect(text).not.toContain(LOCAL_CODE_SYSTEM);
  });

  it('defaults to 99MDG', () => {
    expect(obxRows(encodeOruPcd01(withLocal(), context()))[2]?.[3]).toBe('body.impedance^Bioelectrical impedance^99MDG');
  });
});

describe('PCD-01 MDS row: the 11073 specialization of what was measured', () => {
  const mds = (r: Reading, kind: DeviceKind = r.kind): string | undefined => obxRows(encodeOruPcd01(r, context({ device: { id: 'd', kind } })))[0]?.[3];

  it('body composition (the Tanita): the BCA profile of 11073-10420, not the scale', () => {
    const tanita = measured('scale', [
      ['weight', 82.7, 'kg'],
      ['height', 170, 'cm'],
      ['bmi', 28.6, 'kg/m2'],
      ['body.fat.percent', 18.6, '%'],
      ['body.water.mass', 48, 'kg'],
    ]);
    expect(mds(tanita)).toBe('528404^MDC_DEV_SPEC_PROFILE_BCA^MDC');
  });

  it('an oximeter behind the generic-line driver: the pulse oximeter profile of 11073-10404', () => {
    expect(mds(measured('generic', SPO2))).toBe('528388^MDC_DEV_SPEC_PROFILE_PULS_OXIM^MDC');
  });

  it('scale, BP, thermometer, glucose meter; a mix and an EKG: the multi-parameter MDS', () => {
    expect(mds(measured('scale', [['weight', 70.5, 'kg']]))).toBe('528399^MDC_DEV_SPEC_PROFILE_SCALE^MDC');
    expect(
      mds(
        measured('bp', [
          ['bp.systolic', 120, 'mmHg'],
          ['bp.diastolic', 80, 'mmHg'],
          ['pulse', 63, 'bpm'],
        ]),
      ),
    ).toBe('528391^MDC_DEV_SPEC_PROFILE_BP^MDC');
    expect(mds(measured('vitals', [['temperature', 37.0, 'Cel']]))).toBe('528392^MDC_DEV_SPEC_PROFILE_TEMP^MDC');
    expect(mds(measured('vitals', [['glucose', 98, 'mg/dL']]))).toBe('528401^MDC_DEV_SPEC_PROFILE_GLUCOSE^MDC');
    expect(
      mds(
        measured('vitals', [
          ['spo2', 97, '%'],
          ['temperature', 37.0, 'Cel'],
        ]),
      ),
    ).toBe('69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC');
    expect(mds(measured('ekg', [['ecg.heart_rate', 60, 'bpm']]))).toBe('69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC');
  });
});

describe('PCD-01 numeric MDC codes of measurements that had none', () => {
  it('body water, PR and QTc go out with their codes (11073-10420; DICOM CID 3228, 3227)', () => {
    const codes = (r: Reading): Array<string | undefined> =>
      obxRows(encodeOruPcd01(r, context()))
        .slice(1)
        .map((f) => f[3]);
    expect(codes(measured('scale', [['body.water.mass', 48, 'kg']]))).toEqual(['188764^MDC_BODY_WATER^MDC']);
    const ecg = codes(
      measured('ekg', [
        ['ecg.pr', 160, 'ms'],
        ['ecg.qtc', 412, 'ms'],
      ]),
    );
    expect(ecg).toEqual(['146944^MDC_ECG_TIME_PD_PR_GL^MDC^8625-6^P-R interval^LN', '146948^MDC_ECG_TIME_PD_QTc^MDC^8636-3^Q-T interval corrected^LN']);
  });
});

describe('PCD-01 ED values (HL7 v2.6: ED.2 table 0834, ED.3 the RFC 2046 subtype)', () => {
  const ed = (mediaType: string): string[] => {
    const r = measured('ekg', [['ecg.heart_rate', 60, 'bpm']]);
    r.observations.push({ code: { loinc: '11524-6', display: 'EKG study' }, value: { kind: 'attachment', mediaType, base64: 'PGEvPg==' }, status: 'F' });
    const seg = new Message({ text: encodeOruPcd01(r, context({ device: { id: 'ekg-1', kind: 'ekg' } })) }).get('OBX').get(3);
    return [2, 3, 4].map((c) => seg.get(`OBX.5.${c}`).toString());
  };

  it('writes the MIME type and subtype in lower case, without parameters', () => {
    expect(ed('text/xml')).toEqual(['text', 'xml', 'Base64']);
    expect(ed('Text/XML; charset=UTF-8')).toEqual(['text', 'xml', 'Base64']);
    expect(ed('application/pdf')).toEqual(['application', 'pdf', 'Base64']);
  });

  it('sends what is no MIME type as application/octet-stream', () => {
    expect(ed('aecg')).toEqual(['application', 'octet-stream', 'Base64']);
    expect(ed('x-cart/xml')).toEqual(['application', 'octet-stream', 'Base64']);
  });
});
