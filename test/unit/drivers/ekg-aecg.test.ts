import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { driver } from '../../../drivers/ekg-aecg/index.ts';
import type { Attachment, Waveform } from '../../../src/model/reading.ts';
import { open } from './harness.ts';
import { linkMemory } from '../../support/resend-memory.ts';
import { inLocalZone } from '../../support/local-zone.ts';

const FIXTURES = join(import.meta.dirname, '../../fixtures/ekg');
const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
const meta = { file: 'ECG0001.xml', receivedAt: new Date('2026-11-27T14:42:00Z') };

function values(report: { measurements: Array<{ type?: string; value: unknown; unit?: string }> }): Record<string, unknown> {
  return Object.fromEntries(report.measurements.filter((m) => m.type).map((m) => [m.type, [m.value, m.unit]]));
}

describe('ekg-aecg: golden documents', () => {
  it('reads measurements, interpretation, subject, device, time, waveform and keeps the document', async () => {
    const h = open(driver);
    const doc = fixture('resting-2lead.xml');
    await h.session.receiveMessage?.(doc, meta);
    expect(h.errors).toEqual([]);
    expect(h.reports).toHaveLength(1);
    const r = h.reports[0]!;
    expect(r.observedAt).toBe('2026-11-27T09:41:00-05:00');
    expect(r.subject).toEqual({ mrn: 'MRN4711', family: 'Doe', given: 'Jane', dob: '1970-01-01', sex: 'F' });
    expect(r.equipment).toBe('CardioSim 12 SN0042');
    expect(values(r)).toEqual({
      'ecg.heart_rate': [72, 'bpm'],
      'ecg.pr': [160, 'ms'],
      'ecg.qrs': [92, 'ms'],
      'ecg.qt': [380, 'ms'],
      'ecg.qtc': [416, 'ms'],
      'ecg.p_axis': [45, 'deg'],
      'ecg.qrs_axis': [30, 'deg'],
      'ecg.t_axis': [-15, 'deg'],
    });
    const interp = r.measurements.find((m) => m.code?.loinc === '8601-7');
    expect(interp?.value).toBe('Sinus rhythm\nNonspecific T wave abnormality & borderline ECG');
    const wave = r.measurements.find((m) => typeof m.value === 'object' && m.value.kind === 'waveform')?.value as Waveform;
    expect(wave).toEqual({
      kind: 'waveform',
      sampleRateHz: 500,
      unit: 'uV',
      leads: [
        // The scale (uV per digit) is the lead's resolution.
        { name: 'I', samples: [0, 10, 50, 200, 600, 150, -40, 0], resolution: 5 },
        // origin -10 uV + 2.5 uV per digit
        { name: 'II', samples: [0, 5, 40, 200, 600, 140, -40, 0], resolution: 2.5 },
      ],
    });
    const doc64 = r.measurements.find((m) => typeof m.value === 'object' && m.value.kind === 'attachment')?.value as Attachment;
    expect(doc64.mediaType).toBe('text/xml');
    expect(Buffer.from(doc64.base64, 'base64').equals(doc)).toBe(true);
    expect(r.raw).toBe(doc.toString('utf8'));
  });

  it('reads a vendor variant: _GL codes, vendor axis code, median-beat values, prefixed namespace, no patient', async () => {
    const h = open(driver);
    await h.session.receiveMessage?.(fixture('vendor-gl-no-patient.xml'), meta);
    expect(h.errors).toEqual([]);
    const r = h.reports[0]!;
    expect(r.subject).toBeUndefined();
    // No offset in the document: the gateway's own at that moment (src/hl7/datetime.ts).
    expect(r.observedAt).toBe(inLocalZone('2025-09-23T10:35:50.250'));
    expect(r.equipment).toBe('BeneHeart R12');
    // The per-lead QRS (88 ms under MDC_ECG_LEAD_V1) is not the global one.
    expect(values(r)).toEqual({
      'ecg.heart_rate': [57, 'bpm'],
      'ecg.pr': [0.172, 's'],
      'ecg.qrs': [104, 'ms'],
      'ecg.qt': [410, 'ms'],
      'ecg.qtc': [399, 'ms'],
      'ecg.qrs_axis': [-20, 'deg'],
    });
    expect(r.measurements.find((m) => m.code?.loinc === '8601-7')?.value).toBe('Sinus bradycardia');
    const wave = r.measurements.find((m) => typeof m.value === 'object' && m.value.kind === 'waveform')?.value as Waveform;
    expect(wave.sampleRateHz).toBe(1000);
    expect(wave.leads).toEqual([{ name: 'aVR', samples: [-5, -7, -120, -30], resolution: 1 }]); // 0.001 mV
  });
});

describe('ekg-aecg: attachDocument', () => {
  it('off: the report carries the coded tracing and no document, so the ORU sends the leads as NA rows', async () => {
    expect(driver.validateSettings({ attachDocument: 'no' })).not.toEqual([]);
    const h = open(driver, { attachDocument: false });
    await h.session.receiveMessage?.(fixture('resting-2lead.xml'), meta);
    expect(h.errors).toEqual([]);
    const kinds = h.reports[0]!.measurements.map((m) => (typeof m.value === 'object' ? m.value.kind : typeof m.value));
    expect(kinds).toContain('waveform');
    expect(kinds).not.toContain('attachment');
    const wave = h.reports[0]!.measurements.find((m) => typeof m.value === 'object' && m.value.kind === 'waveform');
    expect(wave?.code).toEqual({ mdc: { ref: 'MDC_ECG_ELEC_POTL', code: 131328 }, display: 'ECG rhythm waveform' });
  });

  it('on by default: the document goes with the report', async () => {
    const h = open(driver);
    await h.session.receiveMessage?.(fixture('resting-2lead.xml'), meta);
    expect(h.reports[0]!.measurements.some((m) => typeof m.value === 'object' && m.value.kind === 'attachment')).toBe(true);
  });
});

describe('ekg-aecg: documents that cannot be read', () => {
  /** The reason the last refused() saw: safe to log, so it never quotes the document. */
  let reason = '';
  /** The refusal's full text: its detail (which may quote the document) where it has one. */
  async function refused(doc: string | Buffer, settings: Record<string, unknown> = {}): Promise<string> {
    const h = open(driver, settings);
    await expect(h.session.receiveMessage?.(typeof doc === 'string' ? Buffer.from(doc) : doc, meta)).resolves.toBeUndefined();
    expect(h.reports).toEqual([]);
    expect(h.errors).toHaveLength(1);
    reason = h.errors[0]!.reason;
    return h.errors[0]!.detail ?? reason;
  }

  it('refuses XML that is not well-formed, naming the line', async () => {
    const doc = fixture('resting-2lead.xml').toString('utf8').replace('</effectiveTime>', '</effectivetime>');
    expect(await refused(doc)).toMatch(/^not well-formed XML: .*effectiveTime.*\(line 8, column \d+\)$/);
    expect(reason).toMatch(/^not well-formed XML \(line 8, column \d+\)$/);
  });

  it('refuses text that is not XML at all and keeps it for review', async () => {
    const h = open(driver);
    await h.session.receiveMessage?.(Buffer.from('ECG REPORT\r\nHR: 72 bpm\r\n'), meta);
    expect(h.errors[0]?.reason).toMatch(/^not well-formed XML/);
    expect(h.errors[0]?.bytes).toBe('ECG REPORT\r\nHR: 72 bpm\r\n');
  });

  it('refuses XML that is not aECG: another root, or AnnotatedECG outside the HL7 v3 namespace', async () => {
    expect(await refused('<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"><id/></ClinicalDocument>')).toBe(
      'not an HL7 aECG document: the root element is <ClinicalDocument>, expected <AnnotatedECG>',
    );
    expect(reason).toBe('not an HL7 aECG document: the root element is not <AnnotatedECG>');
    expect(await refused('<AnnotatedECG xmlns="urn:example"><id/></AnnotatedECG>')).toBe(
      'not an HL7 aECG document: <AnnotatedECG> is not in the urn:hl7-org:v3 namespace',
    );
  });

  it('refuses an aECG document that carries nothing to report', async () => {
    expect(await refused('<AnnotatedECG xmlns="urn:hl7-org:v3"><id root="1"/></AnnotatedECG>')).toMatch(/carries no global measurements/);
  });

  it('refuses a lead with digits that are not numbers, naming the lead', async () => {
    const doc = fixture('resting-2lead.xml').toString('utf8').replace('4 6 20 84', '4 6 2O 84');
    expect(await refused(doc)).toBe('sequence 3 (MDC_ECG_LEAD_II): digit 3 "2O" is not a number');
    expect(reason).toBe('sequence 3: digit 3 is not a number');
  });

  it('refuses a document over maxDocumentBytes with a clear reason', async () => {
    const doc = fixture('resting-2lead.xml');
    expect(await refused(doc, { maxDocumentBytes: 2048 })).toBe(
      `aECG document of ${doc.byteLength} bytes is over the limit of 2048 bytes (setting maxDocumentBytes)`,
    );
  });

  it('refuses entity declarations (expansion bombs)', async () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxxxx"><!ENTITY y "&x;&x;&x;&x;">]><AnnotatedECG xmlns="urn:hl7-org:v3">&y;</AnnotatedECG>';
    expect(await refused(bomb)).toMatch(/entity declarations are not accepted/);
  });

  it('never throws or rejects on random bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        const h = open(driver);
        await h.session.receiveMessage?.(bytes, meta);
        expect(h.reports.length + h.errors.length).toBe(1);
      }),
      { numRuns: 200 },
    );
  });

  it('says so when fed a byte stream instead of documents', () => {
    const h = open(driver);
    h.feed('<AnnotatedECG');
    expect(h.errors[0]?.reason).toMatch(/takes whole documents/);
  });
});

describe('ekg-aecg: durability', () => {
  it('rejects when the report could not be stored, so the transport does not acknowledge', async () => {
    const h = open(driver);
    h.session.on('report', () => Promise.reject(new Error('disk full')));
    await expect(h.session.receiveMessage?.(fixture('resting-2lead.xml'), meta)).rejects.toThrow('disk full');
  });

  it('resolves only after the listener made the report durable', async () => {
    const h = open(driver);
    let stored = false;
    h.session.on(
      'report',
      () =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            stored = true;
            resolve();
          }, 20),
        ),
    );
    await h.session.receiveMessage?.(fixture('resting-2lead.xml'), meta);
    expect(stored).toBe(true);
  });
});

describe('ekg-aecg: the same document offered again', () => {
  it('is stored once (a lost PUBACK, a redelivery), and again only if storing it failed', async () => {
    const h = open(driver);
    const doc = fixture('resting-2lead.xml');
    await h.session.receiveMessage?.(doc, meta);
    await h.session.receiveMessage?.(doc, { ...meta, redelivered: true });
    expect(h.reports).toHaveLength(1);

    const failing = open(driver);
    let fail = true;
    failing.session.on('report', () => (fail ? Promise.reject(new Error('disk full')) : undefined));
    await expect(failing.session.receiveMessage?.(doc, meta)).rejects.toThrow(/disk full/);
    fail = false;
    await failing.session.receiveMessage?.(doc, meta);
    expect(failing.reports).toHaveLength(2); // the harness saw both offers; the second one was stored
  });
});

describe('ekg-aecg: the same document after a restart', () => {
  it('is recognised by its document id and bytes in the durable memory: acknowledged, not reported, said at info', async () => {
    const memory = linkMemory();
    const doc = fixture('resting-2lead.xml');
    const before = open(driver, {}, memory);
    await before.session.receiveMessage?.(doc, meta);
    expect(before.reports).toHaveLength(1);
    const key = JSON.parse(before.reports[0]!.resendKey!) as string[];
    expect(key.slice(0, 2)).toEqual(['2.16.840.1.113883.3.4711.1', 'ECG-20261127-0001']);
    before.session.close();

    const after = open(driver, {}, memory);
    await after.session.receiveMessage?.(doc, { ...meta, redelivered: true });
    expect(after.reports).toEqual([]);
    expect(after.logs.some((l) => l.level === 'info' && /not stored twice/.test(l.msg))).toBe(true);
  });

  it('the same document id with other bytes is a new reading, never dropped on a guess', async () => {
    const memory = linkMemory();
    const doc = fixture('resting-2lead.xml').toString('utf8');
    const h = open(driver, {}, memory);
    await h.session.receiveMessage?.(Buffer.from(doc, 'utf8'), meta);
    await h.session.receiveMessage?.(Buffer.from(doc.replace('<AnnotatedECG', '<!-- re-exported -->\n<AnnotatedECG'), 'utf8'), meta);
    expect(h.reports).toHaveLength(2);
  });
});
