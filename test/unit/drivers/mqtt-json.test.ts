import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeReading, fieldPath } from '../../../drivers/mqtt-json/decode.ts';
import { driver } from '../../../drivers/mqtt-json/index.ts';
import { readingJsonSchema } from '../../../drivers/mqtt-json/schema.ts';
import type { MessageMeta } from '../../../src/model/driver.ts';
import { normalize } from '../../../src/pipeline/normalize.ts';
import { open } from './harness.ts';
import { linkMemory } from '../../support/resend-memory.ts';

const meta = (redelivered = false): MessageMeta => ({ topic: 'clinic/vitals/room1', receivedAt: new Date('2026-11-27T14:42:00Z'), redelivered });
const json = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value), 'utf8');

const example = {
  device: 'SN-20431',
  time: '2026-11-27T09:41:00-05:00',
  patient: { mrn: 'MRN4711', family: 'Hon', given: 'Albert', dob: '1961-01-01', sex: 'M' },
  id: 'msg-0001',
  measurements: [
    { type: 'bp.systolic', value: 128, unit: 'mmHg' },
    { type: 'bp.diastolic', value: 84, unit: 'mm[Hg]' },
    { type: 'pulse', value: 72, unit: 'bpm' },
    { type: 'temperature', value: 98.6, unit: 'degF' },
    { type: 'weight', value: 154.3, unit: 'lb' },
    { type: 'spo2', value: 97, unit: '%' },
  ],
};

function reasonFor(message: unknown): string {
  const r = decodeReading(typeof message === 'string' ? Buffer.from(message, 'utf8') : json(message));
  if (r.ok) throw new Error('expected a rejection');
  return r.reason;
}

function withMeasurement(i: number, change: Record<string, unknown>): unknown {
  return { ...example, measurements: example.measurements.map((m, k) => (k === i ? { ...m, ...change } : m)) };
}

describe('mqtt-json decode', () => {
  it('turns a valid message into a report: subject, device time, equipment, measurements as sent', () => {
    const r = decodeReading(json(example));
    if (!r.ok) throw new Error(r.reason);
    const { report } = r.value;
    expect(report.subject).toEqual({ mrn: 'MRN4711', family: 'Hon', given: 'Albert', dob: '1961-01-01', sex: 'M' });
    expect(report.observedAt).toBe('2026-11-27T09:41:00-05:00');
    expect(report.equipment).toBe('SN-20431');
    expect(report.raw).toBe(JSON.stringify(example));
    expect(report.measurements[0]).toEqual({ type: 'bp.systolic', value: 128, valueText: '128', unit: 'mmHg' });
    expect(report.measurements).toHaveLength(6);
    expect(r.value.id).toBe('msg-0001');
  });

  it('common unit spellings reach the canonical UCUM units through the normalizer', () => {
    const r = decodeReading(json(example));
    if (!r.ok) throw new Error(r.reason);
    const { reading, problems } = normalize(r.value.report, { deviceId: 'bp-1', kind: 'vitals', receivedAt: new Date('2026-11-27T14:42:00Z') });
    expect(problems).toEqual([]);
    const byUnit = reading.observations.map((o) => [o.code.mdc?.ref, o.value, o.unit]);
    expect(byUnit).toEqual([
      ['MDC_PRESS_BLD_NONINV_SYS', 128, 'mm[Hg]'],
      ['MDC_PRESS_BLD_NONINV_DIA', 84, 'mm[Hg]'],
      ['MDC_PULS_RATE', 72, '/min'],
      ['MDC_TEMP_BODY', 37, 'Cel'],
      ['MDC_MASS_BODY_ACTUAL', 70, 'kg'],
      ['MDC_PULS_OXIM_SAT_O2', 97, '%'],
    ]);
    expect(reading.observations[4]?.original).toEqual({ value: '154.3', unit: 'lb' });
    expect(reading.equipment).toBe('SN-20431');
  });

  it('accepts patient and time left out, and a code instead of a type', () => {
    const r = decodeReading(
      json({
        device: 'GLU-7',
        measurements: [
          { code: { loinc: '8480-6' }, value: 120, unit: 'mm[Hg]' },
          { code: { mdc: 'MDC_PRESS_BLD_NONINV_SYS', display: 'NIBP sys' }, value: 121, unit: 'mmHg' },
          { code: { mdc: 'MDC_ECG_TIME_PD_QTc' }, value: 410, unit: 'ms' },
        ],
      }),
    );
    if (!r.ok) throw new Error(r.reason);
    const { report } = r.value;
    expect(report.subject).toBeUndefined();
    expect(report.observedAt).toBeUndefined();
    expect(report.measurements.map((m) => m.code)).toEqual([
      { loinc: '8480-6' },
      { mdc: { ref: 'MDC_PRESS_BLD_NONINV_SYS', code: 150021 }, display: 'NIBP sys' },
      { mdc: { ref: 'MDC_ECG_TIME_PD_QTc', code: 146948 } }, // the vocabulary's code (DICOM CID 3227)
    ]);
    expect(r.value.timed).toBe(false);
  });

  it.each([
    ['a value that is not a number', withMeasurement(1, { value: '84' }), 'measurements[1].value: expected a number, got text'],
    ['a missing unit', { ...example, measurements: [{ type: 'pulse', value: 70 }] }, 'measurements[0].unit: is required'],
    ['an unknown unit', withMeasurement(2, { unit: 'stone' }), 'measurements[2].unit: unknown unit text'],
    ['an unknown type', withMeasurement(0, { type: 'bp.sys' }), 'measurements[0].type: text is not one of bp.systolic, bp.diastolic'],
    ['neither type nor code', { device: 'x', measurements: [{ value: 1, unit: 'kg' }] }, 'measurements[0]: needs a type (from the vocabulary) or a code'],
    [
      'a code without loinc or mdc',
      { device: 'x', measurements: [{ code: { display: 'x' }, value: 1, unit: 'kg' }] },
      'measurements[0].code: needs loinc or mdc',
    ],
    [
      'a malformed LOINC code',
      { device: 'x', measurements: [{ code: { loinc: '8480' }, value: 1, unit: 'kg' }] },
      'measurements[0].code.loinc: expected a LOINC code such as 8480-6, got text',
    ],
    ['no device', { measurements: example.measurements }, 'device: is required'],
    ['an empty device', { ...example, device: '' }, 'device: must not be empty'],
    ['no measurements', { ...example, measurements: [] }, 'measurements: needs at least 1 item(s)'],
    ['measurements not an array', { ...example, measurements: { type: 'pulse' } }, 'measurements: expected an array'],
    ['a patient without an MRN', { ...example, patient: { family: 'Hon' } }, 'patient.mrn: is required'],
    ['a date of birth that is no date', { ...example, patient: { mrn: 'M1', dob: '1961-02-30' } }, 'patient.dob: is not a real date'],
    [
      'a time that is not ISO 8601',
      { ...example, time: '27/11/2026 09:41' },
      'time: expected an ISO 8601 date and time such as 2026-11-27T09:41:00-05:00, got text',
    ],
    ['a date without a time', { ...example, time: '2026-11-27' }, 'time: expected an ISO 8601 date and time'],
    ['an unknown field', { ...example, battery: 80 }, 'battery: is not a field of this message'],
    ['an unknown measurement field', withMeasurement(0, { vaule: 1 }), 'measurements[0].vaule: is not a field of this message'],
    ['an array instead of an object', [example], 'message: expected an object, got an array'],
  ])('rejects %s, naming the field', (_name, message, expected) => {
    expect(reasonFor(message)).toContain(expected);
  });

  it('rejects what is not JSON, not UTF-8 or empty', () => {
    expect(reasonFor('{"device": "SN-1", ')).toMatch(/^message is not JSON/);
    expect(reasonFor('{"device": "SN-1" "value": 97}')).toBe('message is not JSON: it breaks at character 18');
    expect(reasonFor('BP 128/84 P72')).not.toContain('128');
    expect(reasonFor('hello')).toMatch(/^message is not JSON/);
    const latin1 = decodeReading(Uint8Array.from([0x7b, 0xe9, 0x7d]));
    expect(latin1.ok ? '' : latin1.reason).toBe('message is not UTF-8 text');
    const empty = decodeReading(new Uint8Array());
    expect(empty.ok ? '' : empty.reason).toBe('message is empty');
  });

  it('names several problems at once, up to three', () => {
    const two = reasonFor({ device: 1, measurements: [{ type: 'pulse', value: 'x', unit: 'bpm' }] });
    expect(two.split('; ')).toEqual(['device: expected text, got a number', 'measurements[0].value: expected a number, got text']);
    const four = reasonFor({ device: 1, time: 5, measurements: [{ type: 'pulse', value: 'x', unit: 'bpm' }], extra: true });
    expect(four.split('; ')).toHaveLength(3);
  });

  it('quotes what was sent in the detail (debug, review), never in the reason (logged at warn)', () => {
    const r = decodeReading(json({ ...(withMeasurement(1, { value: '84' }) as object), time: '27/11/2026 09:41', patient: { mrn: 'MRN9471', dob: 5 } }));
    if (r.ok) throw new Error('expected a rejection');
    expect(r.reason).toBe('patient.dob: expected text, got a number; measurements[1].value: expected a number, got text');
    expect(r.detail).toBe("patient.dob: expected text, got 5; measurements[1].value: expected a number, got '84'");
    const meaning = decodeReading(json({ ...example, time: '27/11/2026 09:41' }));
    expect(meaning).toMatchObject({ ok: false, detail: "time: expected an ISO 8601 date and time such as 2026-11-27T09:41:00-05:00, got '27/11/2026 09:41'" });
    expect(meaning.ok ? '' : meaning.reason).not.toContain('27/11');
  });

  it('writes JSON pointer paths the way people read them', () => {
    expect(fieldPath('')).toBe('message');
    expect(fieldPath('/measurements/12/code/loinc')).toBe('measurements[12].code.loinc');
    expect(fieldPath('/a~1b')).toBe('a/b');
  });
});

describe('mqtt-json session', () => {
  it('reports a valid message and resolves once the listener is done', async () => {
    const h = open(driver);
    await h.session.receiveMessage!(json(example), meta());
    expect(h.reports).toHaveLength(1);
    expect(h.errors).toEqual([]);
  });

  it('rejects an invalid message as a protocolError carrying the message, and still resolves', async () => {
    const h = open(driver);
    await expect(h.session.receiveMessage!(json(withMeasurement(1, { value: null })), meta())).resolves.toBeUndefined();
    expect(h.reports).toEqual([]);
    expect(h.errors).toHaveLength(1);
    expect(h.errors[0]?.reason).toBe('measurements[1].value: expected a number, got null');
    expect(h.errors[0]?.bytes).toBe(JSON.stringify(withMeasurement(1, { value: null })));
    await h.session.receiveMessage!(Uint8Array.from([0x7b, 0xe9, 0x7d]), meta());
    expect(h.errors[1]?.bytes).toBe('{\u00e9}');
  });

  it('refuses raw bytes: it takes whole messages only', () => {
    const h = open(driver);
    h.feed('{"device":"x"}');
    expect(h.errors[0]?.reason).toMatch(/takes whole messages/);
  });

  it('stores a message resent with the same id once', async () => {
    const h = open(driver);
    await h.session.receiveMessage!(json(example), meta());
    await h.session.receiveMessage!(json(example), meta(true));
    // Same id and content, written with the fields in another order: still the same message.
    const reordered = { measurements: example.measurements, id: example.id, patient: example.patient, time: example.time, device: example.device };
    await h.session.receiveMessage!(json(reordered), meta());
    expect(h.reports).toHaveLength(1);
  });

  it('stores a reused id with other content as a new reading', async () => {
    const h = open(driver);
    await h.session.receiveMessage!(json(example), meta());
    await h.session.receiveMessage!(json(withMeasurement(0, { value: 131 })), meta());
    expect(h.reports).toHaveLength(2);
  });

  it('without an id, the same device, time and measurements are one reading', async () => {
    const h = open(driver);
    const { id: _id, ...noId } = example;
    await h.session.receiveMessage!(json(noId), meta());
    await h.session.receiveMessage!(json(noId), meta());
    await h.session.receiveMessage!(json({ ...noId, time: '2026-11-27T09:46:00-05:00' }), meta());
    expect(h.reports).toHaveLength(2);
  });

  it('without an id or a time, only a flagged redelivery counts as a repeat', async () => {
    const h = open(driver);
    const weight = { device: 'SCALE-1', measurements: [{ type: 'weight', value: 70.5, unit: 'kg' }] };
    await h.session.receiveMessage!(json(weight), meta());
    await h.session.receiveMessage!(json(weight), meta()); // a second patient who weighs the same
    expect(h.reports).toHaveLength(2);
    await h.session.receiveMessage!(json(weight), meta(true)); // the broker resends: DUP flag
    expect(h.reports).toHaveLength(2);
  });

  it('recognises a message published again after a restart (a new session on the same durable memory)', async () => {
    const memory = linkMemory();
    const before = open(driver, {}, memory);
    await before.session.receiveMessage!(json(example), meta());
    before.session.close();
    const after = open(driver, {}, memory);
    await after.session.receiveMessage!(json(example), meta());
    expect(after.reports).toEqual([]);
    expect(after.logs.filter((l) => l.level === 'info' && /received again/.test(l.msg))).toHaveLength(1);
  });

  it('duplicateMemory 0 turns recognition off', async () => {
    const h = open(driver, { duplicateMemory: 0 });
    await h.session.receiveMessage!(json(example), meta());
    await h.session.receiveMessage!(json(example), meta(true));
    expect(h.reports).toHaveLength(2);
  });

  it('rejects (so the broker resends) when the report could not be stored, and stores the resend', async () => {
    const h = open(driver);
    let fail = true;
    h.session.on('report', () => (fail ? Promise.reject(new Error('disk full')) : Promise.resolve()));
    await expect(h.session.receiveMessage!(json(example), meta())).rejects.toThrow('disk full');
    fail = false;
    await h.session.receiveMessage!(json(example), meta(true));
    expect(h.reports).toHaveLength(2); // the harness listener saw both attempts; the second was stored
    await h.session.receiveMessage!(json(example), meta(true));
    expect(h.reports).toHaveLength(2);
  });

  it('a message that arrives twice at once is stored once', async () => {
    const h = open(driver);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    h.session.on('report', () => gate);
    const first = h.session.receiveMessage!(json(example), meta());
    const second = h.session.receiveMessage!(json(example), meta());
    release();
    await Promise.all([first, second]);
    expect(h.reports).toHaveLength(1);
  });
});

describe('mqtt-json schema and settings', () => {
  it('the committed reading.schema.json is the TypeBox schema (run drivers/mqtt-json/write-schema.ts)', () => {
    const committed = readFileSync(new URL('../../../drivers/mqtt-json/reading.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(readingJsonSchema());
  });

  it('validates its settings', () => {
    expect(driver.validateSettings({})).toEqual([]);
    expect(driver.validateSettings({ duplicateMemory: 10 })).toEqual([]);
    expect(driver.validateSettings({ duplicateMemory: -1 }).join()).toMatch(/settings\.duplicateMemory/);
    expect(driver.transports).toEqual(['mqtt']);
    expect(driver.kind).toBe('vitals');
  });
});
