import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fhirBundle, identifierSystem, INTERPRETATION, LOINC, MDC, MESSAGE_SYSTEM, OBSERVATION_CATEGORY, stableUuid, UCUM } from '../../../src/uplink/fhir.ts';
import { decodeAecg } from '../../../drivers/ekg-aecg/decode.ts';
import type { DeviceReport } from '../../../src/model/driver.ts';
import type { Reading } from '../../../src/model/reading.ts';
import { normalize } from '../../../src/pipeline/normalize.ts';
import { bp, ctx, ekg, lab, patient, pdfBytes, scale, spo2 } from './fixtures.ts';

interface Json {
  [key: string]: unknown;
}
interface Entry {
  fullUrl: string;
  resource: Json & { resourceType: string };
  request: { method: string; url: string; ifNoneExist: string };
}
interface Bundle extends Json {
  entry: Entry[];
}

function bundle(reading: Reading, c = ctx, p = patient): { text: string; doc: Bundle; resources: Entry['resource'][] } {
  const text = fhirBundle({ reading, patient: p }, c);
  const doc = JSON.parse(text) as Bundle;
  return { text, doc, resources: doc.entry.map((e) => e.resource) };
}

function observations(b: Bundle): Json[] {
  return b.entry.map((e) => e.resource).filter((r) => r.resourceType === 'Observation');
}

describe('fhirBundle (FHIR R4 transaction)', () => {
  it('is a transaction whose every entry is a conditional create on an identifier', () => {
    const { doc } = bundle(spo2);
    expect(doc).toMatchObject({
      resourceType: 'Bundle',
      type: 'transaction',
      identifier: { system: MESSAGE_SYSTEM, value: ctx.messageId },
      timestamp: '2025-01-14T09:30:16.000Z',
      meta: {
        tag: [
          { system: 'urn:medgate:device', code: 'oxi-1' },
          { system: 'urn:medgate:device-kind', code: 'vitals' },
        ],
      },
    });
    expect(doc.entry).toHaveLength(2);
    for (const e of doc.entry) {
      expect(e.fullUrl).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(e.request.method).toBe('POST');
      expect(e.request.url).toBe(e.resource.resourceType);
      expect(e.request.ifNoneExist).toMatch(/^identifier=/);
    }
    expect(new Set(doc.entry.map((e) => e.fullUrl)).size).toBe(doc.entry.length);
  });

  it('patient: conditional create keyed on the MRN in the assigning authority system; observations point at it', () => {
    const { doc } = bundle(spo2);
    const [p, o] = doc.entry;
    expect(p!.resource).toEqual({
      resourceType: 'Patient',
      identifier: [{ system: 'urn:medgate:assigning-authority:NIST', value: 'HO2009001' }],
      name: [{ family: 'Hon', given: ['Albert'] }],
      gender: 'male',
      birthDate: '1961-01-01',
    });
    expect(p!.request.ifNoneExist).toBe('identifier=urn%3Amedgate%3Aassigning-authority%3ANIST|HO2009001');
    expect(o!.resource.subject).toEqual({ reference: p!.fullUrl, identifier: { system: 'urn:medgate:assigning-authority:NIST', value: 'HO2009001' } });
    expect(JSON.stringify(doc)).not.toMatch(/"Patient\/[^"]+"/); // no invented server id
  });

  it('assigning authority: OIDs and URIs are used as systems; without one, the token matches a system-less identifier', () => {
    expect(identifierSystem('2.16.840.1.113883.3.72')).toBe('urn:oid:2.16.840.1.113883.3.72');
    expect(identifierSystem('http://hospital.example/mrn')).toBe('http://hospital.example/mrn');
    expect(identifierSystem('St Mary')).toBe('urn:medgate:assigning-authority:St%20Mary');
    const { doc } = bundle(spo2, ctx, { mrn: 'A|1,2' });
    expect(doc.entry[0]!.resource.identifier).toEqual([{ value: 'A|1,2' }]);
    expect(doc.entry[0]!.request.ifNoneExist).toBe(`identifier=|${encodeURIComponent('A\\|1\\,2')}`);
  });

  it('SpO2: vital-signs Observation with LOINC + MDC, UCUM quantity, effective time, device and method', () => {
    const [o] = observations(bundle(spo2).doc);
    expect(o).toMatchObject({
      resourceType: 'Observation',
      identifier: [{ system: MESSAGE_SYSTEM, value: `${ctx.messageId}-1` }],
      status: 'final',
      category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs' }] }],
      code: {
        coding: [
          { system: LOINC, code: '59408-5' },
          { system: MDC, code: '150456', display: 'MDC_PULS_OXIM_SAT_O2' },
        ],
        text: 'Oxygen saturation (SpO2)',
      },
      valueQuantity: { value: 97, unit: '%', system: UCUM, code: '%' },
      effectiveDateTime: '2025-01-14T09:29:58.000+01:00',
      issued: '2025-01-14T09:30:16.000Z',
      method: { text: 'AMEAS' },
      device: { identifier: { system: 'urn:medgate:device', value: 'oxi-1' }, display: 'oxi-1' },
    });
  });

  it('BP: systolic + diastolic (+ mean) become one 85354-9 panel with components; pulse stays its own Observation', () => {
    const obs = observations(bundle(bp).doc);
    expect(obs).toHaveLength(2);
    const [panel, pulse] = obs;
    expect(panel).toMatchObject({
      identifier: [{ value: `${ctx.messageId}-1` }],
      status: 'final',
      category: [{ coding: [{ code: 'vital-signs' }] }],
      code: {
        coding: [
          { system: LOINC, code: '85354-9' },
          { system: MDC, code: '150020' },
        ],
      },
      effectiveDateTime: bp.observedAt,
      device: { display: 'Accutorr 7 SN42' },
    });
    expect(panel!.valueQuantity).toBeUndefined();
    const components = panel!.component as Json[];
    expect(components.map((c) => (c.code as { coding: Array<{ code: string }> }).coding[0]!.code)).toEqual(['8480-6', '8462-4', '8478-0']);
    expect(components[0]).toEqual({
      code: {
        coding: [
          { system: LOINC, code: '8480-6' },
          { system: MDC, code: '150021', display: 'MDC_PRESS_BLD_NONINV_SYS' },
        ],
        text: 'Systolic blood pressure',
      },
      valueQuantity: { value: 142, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
      interpretation: [{ coding: [{ system: INTERPRETATION, code: 'H', display: 'High' }] }],
      referenceRange: [
        { low: { value: 90, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' }, high: { value: 140, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' }, text: '90-140' },
      ],
    });
    expect(components[1]).toMatchObject({ valueQuantity: { value: 85, code: 'mm[Hg]' } });
    expect(pulse).toMatchObject({
      identifier: [{ value: `${ctx.messageId}-2` }],
      code: { coding: [{ code: '8867-4' }, { code: '149546' }] },
      valueQuantity: { value: 72, code: '/min' },
    });
  });

  it('a lone systolic is not a panel', () => {
    const only = { ...bp, observations: [bp.observations[0]!, bp.observations[3]!] };
    const obs = observations(bundle(only).doc);
    expect(obs.map((o) => (o.code as { coding: Array<{ code: string }> }).coding[0]!.code)).toEqual(['8480-6', '8867-4']);
  });

  it('weight in kg keeps the decimals the scale sent (70.50, not 70.5) in the JSON text', () => {
    const { text, resources } = bundle(scale);
    expect(text).toContain('"valueQuantity":{"value":70.50,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}');
    expect(resources[1]).toMatchObject({ code: { coding: [{ code: '29463-7' }, { code: '188736' }] }, valueQuantity: { value: 70.5 } });
  });

  it('lab: laboratory category, local codes, flags as v3 interpretation, statuses, notes, reference range', () => {
    const [glu, ph, col] = observations(bundle(lab).doc);
    expect(glu).toMatchObject({
      status: 'final',
      category: [{ coding: [{ system: OBSERVATION_CATEGORY, code: 'laboratory' }] }],
      code: {
        coding: [
          { system: LOINC, code: '2350-7' },
          { system: 'urn:medgate:code:99MDG', code: 'GLU', display: 'Glucose' },
        ],
        text: 'Glucose',
      },
      valueQuantity: { value: 100, unit: 'mg/dL', system: UCUM, code: 'mg/dL' },
      interpretation: [{ coding: [{ system: INTERPRETATION, code: 'H', display: 'High' }] }],
      referenceRange: [{ low: { value: 0 }, high: { value: 15 }, text: '0-15' }],
      note: [{ text: 'Sample hemolyzed' }],
      device: { display: 'UA-200 SN0042' },
    });
    expect(ph).toMatchObject({
      status: 'preliminary',
      valueQuantity: { value: 6.5 },
      interpretation: [{ coding: [{ code: 'N', display: 'Normal' }] }],
      referenceRange: [{ text: '5.0-8.0' }],
    });
    expect((ph!.valueQuantity as Json).system).toBeUndefined(); // no unit, no UCUM code
    expect(bundle(lab).text).toContain('"low":{"value":5.0},"high":{"value":8.0}');
    expect(col).toMatchObject({ status: 'corrected', valueString: 'yellow' });
  });

  it('EKG: procedure category, MDC + LOINC codings, waveform as SampledData per coded lead, the PDF as a DocumentReference', () => {
    const { resources } = bundle(ekg);
    expect(resources.map((r) => r.resourceType)).toEqual(['Patient', 'Observation', 'Observation', 'Observation', 'Observation', 'DocumentReference']);
    const qtc = resources[2]!;
    // Stored without its numeric code: the vocabulary's (DICOM CID 3227 QTc global) is added.
    expect(qtc.code).toEqual({
      coding: [
        { system: LOINC, code: '8636-3' },
        { system: MDC, code: '146948', display: 'MDC_ECG_TIME_PD_QTc' },
      ],
      text: 'QTc',
    });
    expect(qtc.category).toEqual([{ coding: [{ system: OBSERVATION_CATEGORY, code: 'procedure', display: 'Procedure' }] }]);
    expect((resources[3]!.code as Json).coding).toEqual([{ system: 'urn:medgate:code:99MDG', code: 'ECG_INTERP', display: 'Interpretation' }]);
    const wave = resources[4]!;
    expect(wave.code).toEqual({ coding: [{ system: MDC, code: '131328', display: 'MDC_ECG_ELEC_POTL' }], text: 'ECG waveform' });
    expect(wave.component).toEqual([
      {
        code: { coding: [{ system: MDC, code: '131329', display: 'MDC_ECG_ELEC_POTL_I' }], text: 'I' },
        valueSampledData: { origin: { value: 0, unit: 'uV', system: UCUM, code: 'uV' }, period: 2, dimensions: 1, data: '0 15 30 -5' },
      },
      {
        code: { coding: [{ system: MDC, code: '131330', display: 'MDC_ECG_ELEC_POTL_II' }], text: 'II' },
        valueSampledData: { origin: { value: 0, unit: 'uV', system: UCUM, code: 'uV' }, period: 2, dimensions: 1, data: '1 2 3' },
      },
    ]);
    expect(resources[5]).toMatchObject({
      resourceType: 'DocumentReference',
      identifier: [{ system: MESSAGE_SYSTEM, value: `${ctx.messageId}-5` }],
      status: 'current',
      docStatus: 'final',
      type: { coding: [{ system: LOINC, code: '11524-6' }] },
      content: [
        {
          attachment: {
            contentType: 'application/pdf',
            size: pdfBytes.length,
            hash: createHash('sha1').update(pdfBytes).digest('base64'),
            data: pdfBytes.toString('base64'),
          },
        },
      ],
    });
  });

  it('identifiers and fullUrls are stable for the same messageId and differ for another', () => {
    const a = bundle(bp);
    const b = bundle(structuredClone(bp));
    expect(b.text).toBe(a.text);
    const c = bundle(bp, { ...ctx, messageId: 'OTHER00000000001' });
    const urls = (x: Bundle) => x.entry.map((e) => e.fullUrl);
    expect(urls(c.doc).some((u) => urls(a.doc).includes(u))).toBe(false);
    expect(a.doc.entry.map((e) => e.request.ifNoneExist).slice(1)).toEqual([
      `identifier=${encodeURIComponent(MESSAGE_SYSTEM)}|${ctx.messageId}-1`,
      `identifier=${encodeURIComponent(MESSAGE_SYSTEM)}|${ctx.messageId}-2`,
    ]);
    expect(stableUuid('x')).toBe(stableUuid('x'));
  });

  it('refuses a non-finite value', () => {
    const bad = structuredClone(scale);
    bad.observations[0]!.value = Number.POSITIVE_INFINITY;
    expect(() => fhirBundle({ reading: bad, patient }, ctx)).toThrow('observation 1 (29463-7): value is not a finite number');
  });
});

/** A reading as a device path makes it: the driver's report through the normalizer. */
function normalized(report: DeviceReport, kind: Reading['kind'], deviceId: string): Reading {
  const { reading, problems } = normalize(report, { deviceId, kind, receivedAt: new Date('2025-01-14T08:30:01.000Z'), id: `R-${deviceId}` });
  expect(problems).toEqual([]);
  return reading;
}

describe('fhirBundle: codes and categories of device readings', () => {
  it('an aECG document: the tracing and its leads carry MDC codings, the intervals MDC and LOINC', () => {
    const decoded = decodeAecg(readFileSync(join(import.meta.dirname, '../../fixtures/ekg/resting-2lead.xml')), { maxBytes: 1 << 20 });
    if (!decoded.ok) throw new Error(decoded.reason);
    const obs = observations(bundle(normalized(decoded.report, 'ekg', 'ekg-1')).doc);
    const byText = (t: string) => obs.find((o) => (o.code as { text?: string }).text === t)!;
    const wave = byText('ECG rhythm waveform');
    expect(wave.code).toEqual({ coding: [{ system: MDC, code: '131328', display: 'MDC_ECG_ELEC_POTL' }], text: 'ECG rhythm waveform' });
    expect((wave.component as Json[]).map((c) => c.code)).toEqual([
      { coding: [{ system: MDC, code: '131329', display: 'MDC_ECG_ELEC_POTL_I' }], text: 'I' },
      { coding: [{ system: MDC, code: '131330', display: 'MDC_ECG_ELEC_POTL_II' }], text: 'II' },
    ]);
    expect(byText('P-R interval').code).toEqual({
      coding: [
        { system: LOINC, code: '8625-6' },
        { system: MDC, code: '146944', display: 'MDC_ECG_TIME_PD_PR_GL' },
      ],
      text: 'P-R interval',
    });
    expect(byText('Q-T interval corrected').code).toEqual({
      coding: [
        { system: LOINC, code: '8636-3' },
        { system: MDC, code: '146948', display: 'MDC_ECG_TIME_PD_QTc' },
      ],
      text: 'Q-T interval corrected',
    });
    expect(wave.category).toEqual([{ coding: [{ system: OBSERVATION_CATEGORY, code: 'procedure', display: 'Procedure' }] }]);
  });

  it('a body-composition scale: fat, water and impedance are exam, weight stays vital-signs; local codes in the configured system', () => {
    const reading = normalized(
      {
        measurements: [
          { type: 'weight', value: 82.7, unit: 'kg' },
          { type: 'body.fat.percent', value: 18.6, unit: '%' },
          { type: 'body.water.mass', value: 48, unit: 'kg' },
          { type: 'body.impedance', value: 369.4, unit: 'Ohm' },
        ],
        raw: '',
      },
      'scale',
      'tanita-1',
    );
    const obs = observations(bundle(reading, { ...ctx, localCodeSystem: 'L' }).doc);
    expect(obs.map((o) => (o.category as Array<{ coding: Array<{ code: string }> }>)[0]!.coding[0]!.code)).toEqual(['vital-signs', 'exam', 'exam', 'exam']);
    expect((obs[0]!.category as Json[])[0]).toEqual({ coding: [{ system: OBSERVATION_CATEGORY, code: 'vital-signs', display: 'Vital Signs' }] });
    expect((obs[2]!.code as Json).coding).toEqual([{ system: MDC, code: '188764', display: 'MDC_BODY_WATER' }]);
    // Impedance has no standard code: a local one, in the configured system, never the internal marker.
    expect((obs[3]!.code as Json).coding).toEqual([{ system: 'urn:medgate:code:L', code: 'body.impedance', display: 'Bioelectrical impedance' }]);
    expect(JSON.stringify(obs)).not.toContain('MEDGATE');
  });
});
