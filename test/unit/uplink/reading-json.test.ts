import { createHash } from 'node:crypto';
import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { buildReadingMessage, readingMessage, UplinkBuildError } from '../../../src/uplink/reading-json.ts';
import { readingMessageJsonSchema, readingMessageProblems, ReadingMessageSchema, type ReadingMessage } from '../../../src/uplink/schema.ts';
import { bp, ctx, ekg, lab, patient, pdfBytes, scale, spo2 } from './fixtures.ts';

function parsed(text: string): ReadingMessage {
  const doc: unknown = JSON.parse(text);
  expect(readingMessageProblems(doc)).toEqual([]);
  return doc as ReadingMessage;
}

describe('readingMessage (medgate.reading/1)', () => {
  it('every kind of reading produces a document that validates against the shipped schema', () => {
    for (const reading of [scale, bp, spo2, lab, ekg]) {
      const doc = parsed(readingMessage({ reading, patient }, ctx));
      expect(doc.schema).toBe('medgate.reading/1');
      expect(doc.observations).toHaveLength(reading.observations.length);
    }
  });

  it('carries the message id, gateway, device, patient and times', () => {
    const doc = parsed(readingMessage({ reading: bp, patient }, ctx));
    expect(doc).toMatchObject({
      messageId: '0M5ZK3Q7R000A1B2',
      readingId: 'R-bp-1',
      createdAt: '2025-01-14T09:30:16.000Z',
      gateway: { application: 'MEDGATE', facility: 'CLINIC' },
      device: { id: 'bp-1', kind: 'bp', equipment: 'Accutorr 7 SN42' },
      patient: { mrn: 'HO2009001', assigningAuthority: 'NIST', family: 'Hon', given: 'Albert', dob: '1961-01-01', sex: 'M' },
      observedAt: '2025-01-14T09:30:00.000+01:00',
      receivedAt: '2025-01-14T08:30:01.000Z',
    });
    expect(doc.observations[0]).toEqual({
      code: { mdc: { ref: 'MDC_PRESS_BLD_NONINV_SYS', code: 150021 }, loinc: '8480-6', display: 'Systolic blood pressure' },
      status: 'final',
      valueType: 'quantity',
      value: 142,
      valueText: '142',
      unit: 'mm[Hg]',
      referenceRange: '90-140',
      flags: ['H'],
    });
  });

  it('keeps the decimals the device sent and the original value', () => {
    const [w] = parsed(readingMessage({ reading: scale, patient }, ctx)).observations;
    expect(w).toMatchObject({ valueType: 'quantity', value: 70.5, valueText: '70.50', precision: 2, unit: 'kg', original: { value: '155.43', unit: 'lb' } });
  });

  it('lab: local codes, flags, statuses, comments, specimen and order', () => {
    const doc = parsed(readingMessage({ reading: lab, patient }, ctx));
    expect(doc.specimen).toEqual({ id: 'SPEC123', collectedAt: '2025-01-14T09:05:00.000+01:00' });
    expect(doc.order).toEqual({ placer: 'ORD1', code: { system: '99MDG', code: 'UA', display: 'Urinalysis' } });
    expect(doc.comments).toEqual(['fasting']);
    const [glu, ph, col] = doc.observations;
    expect(glu).toMatchObject({
      code: { local: { system: '99MDG', code: 'GLU' }, loinc: '2350-7' },
      valueText: '100',
      flags: ['H'],
      comments: ['Sample hemolyzed'],
      status: 'final',
    });
    expect(ph).toMatchObject({ valueText: '6.5', status: 'preliminary', flags: ['N'] });
    expect(col).toEqual({ code: { local: { system: '99MDG', code: 'COL', display: 'Colour' } }, status: 'corrected', valueType: 'text', value: 'yellow' });
  });

  it('EKG: waveform samples and the attachment go in whole, with size and digest', () => {
    const doc = parsed(readingMessage({ reading: ekg, patient }, ctx));
    const wave = doc.observations[3];
    expect(wave).toMatchObject({
      valueType: 'waveform',
      waveform: {
        sampleRateHz: 500,
        unit: 'uV',
        sampleCount: 4,
        leads: [
          { name: 'I', samples: [0, 15, 30, -5] },
          { name: 'II', samples: [1, 2, 3] },
        ],
      },
    });
    const att = doc.observations[4];
    expect(att).toMatchObject({
      valueType: 'attachment',
      attachment: {
        mediaType: 'application/pdf',
        byteLength: pdfBytes.length,
        sha256: createHash('sha256').update(pdfBytes).digest('hex'),
        base64: pdfBytes.toString('base64'),
      },
    });
  });

  it('an attachment above maxInlineBytes goes out as a summary, saying why', () => {
    const doc = parsed(readingMessage({ reading: ekg, patient }, { ...ctx, maxInlineBytes: 10 }));
    const att = doc.observations[4];
    if (att?.valueType !== 'attachment') throw new Error('expected the attachment');
    expect(att.attachment.base64).toBeUndefined();
    expect(att.attachment.byteLength).toBe(pdfBytes.length);
    expect(att.attachment.omitted).toMatch(/larger than the uplink limit/);
  });

  it('is the same text for the same input (the outbox resends these bytes)', () => {
    expect(readingMessage({ reading: lab, patient }, ctx)).toBe(readingMessage({ reading: structuredClone(lab), patient: { ...patient } }, { ...ctx }));
  });

  it('refuses a non-finite value, naming the observation but not the value', () => {
    const bad = structuredClone(spo2);
    bad.observations[0]!.value = Number.NaN;
    expect(() => readingMessage({ reading: bad, patient }, ctx)).toThrow(UplinkBuildError);
    expect(() => readingMessage({ reading: bad, patient }, ctx)).toThrow('observation 1 (59408-5): value is not a finite number');
  });

  it('leaves out what the reading does not have', () => {
    const doc = parsed(readingMessage({ reading: spo2, patient: { mrn: 'X1' } }, { ...ctx, gateway: { application: 'MG' } }));
    expect(doc.patient).toEqual({ mrn: 'X1' });
    expect(doc.gateway).toEqual({ application: 'MG' });
    expect(doc.device).toEqual({ id: 'oxi-1', kind: 'vitals' });
    expect('specimen' in doc || 'order' in doc || 'comments' in doc).toBe(false);
  });
});

describe('the shipped schema', () => {
  it('rejects documents that break it (so the validity test above can fail)', () => {
    const good = buildReadingMessage({ reading: scale, patient }, ctx);
    expect(Value.Check(ReadingMessageSchema, good)).toBe(true);
    const extra = { ...structuredClone(good), surprise: 1 };
    expect(readingMessageProblems(extra).length).toBeGreaterThan(0);
    const wrongVersion = { ...structuredClone(good), schema: 'medgate.reading/2' };
    expect(readingMessageProblems(wrongVersion).join('\n')).toContain('/schema');
    const badText = structuredClone(good);
    const obs = badText.observations[0];
    if (obs?.valueType === 'quantity') obs.valueText = '70,50';
    expect(readingMessageProblems(badText).join('\n')).toContain('/observations/0');
    const noMrn = structuredClone(good) as { patient: Partial<ReadingMessage['patient']> };
    delete noMrn.patient.mrn;
    expect(readingMessageProblems(noMrn).length).toBeGreaterThan(0);
  });

  it('writes local codes in the configured local coding system, never the internal marker', () => {
    const interp = (c: typeof ctx) => parsed(readingMessage({ reading: ekg, patient }, c)).observations[2]!.code.local?.system;
    expect(ekg.observations[2]!.code.local?.system).toBe('MEDGATE');
    expect(interp(ctx)).toBe('99MDG');
    expect(interp({ ...ctx, localCodeSystem: 'L' })).toBe('L');
  });

  it('is plain JSON Schema a consumer can take away', () => {
    const schema = readingMessageJsonSchema();
    expect(schema).toMatchObject({ type: 'object', additionalProperties: false, properties: { schema: { const: 'medgate.reading/1' } } });
    expect(JSON.stringify(schema)).not.toContain('Symbol');
  });
});
