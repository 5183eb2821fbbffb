import { describe, it, expect } from 'vitest';
import type { DeviceReport } from '../../../src/model/driver.ts';
import type { HoldCode, HoldReason } from '../../../src/model/hold.ts';
import { normalize } from '../../../src/pipeline/normalize.ts';
import type { NormalizeContext } from '../../../src/pipeline/normalize.ts';

const receivedAt = new Date('2026-11-27T14:41:05.000Z');
const ctx: NormalizeContext = { deviceId: 'scale-1', kind: 'scale', receivedAt, id: 'READING000000001' };
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/;

/** What normalize names is always of kind 'value': only a person who checked the values releases it. */
function value(code: HoldCode, text: string, observations: number[]): HoldReason {
  return { kind: 'value', code, text, observations };
}

function report(measurements: DeviceReport['measurements'], extra: Partial<DeviceReport> = {}): DeviceReport {
  return { measurements, raw: 'RAW TEXT', ...extra };
}

describe('normalize', () => {
  it('codes a Tanita-style report from the vocabulary and keeps the device precision', () => {
    const { reading, problems } = normalize(
      report(
        [
          { type: 'weight', value: 70.5, valueText: '0070.50', unit: 'kg' },
          { type: 'height', value: 172, valueText: '172.0', unit: 'cm' },
          { type: 'bmi', value: 23.8, unit: 'kg/m2' },
        ],
        { observedAt: '2026-11-27T09:41:00-05:00', equipment: 'SC-240 00000002' },
      ),
      ctx,
    );
    expect(problems).toEqual([]);
    expect(reading).toMatchObject({
      id: 'READING000000001',
      deviceId: 'scale-1',
      kind: 'scale',
      observedAt: '2026-11-27T09:41:00.000-05:00',
      raw: 'RAW TEXT',
    });
    const [weight, height, bmi] = reading.observations;
    expect(weight).toEqual({
      code: { mdc: { ref: 'MDC_MASS_BODY_ACTUAL', code: 188736 }, loinc: '29463-7', display: 'Body weight' },
      type: 'weight',
      value: 70.5,
      precision: 2,
      unit: 'kg',
      status: 'F',
      equipment: 'SC-240 00000002',
      original: { value: '0070.50', unit: 'kg' },
    });
    expect(height?.precision).toBe(1);
    expect(height?.value).toBe(172);
    // Same text, same unit: nothing to keep for audit.
    expect(bmi?.original).toBeUndefined();
    expect(bmi?.precision).toBe(1);
  });

  it('converts lb to kg, degF to Cel, kPa to mm[Hg], in to cm, keeping the original', () => {
    const { reading, problems } = normalize(
      report([
        { type: 'weight', value: 155.2, unit: 'lb' },
        { type: 'temperature', value: '98.6', unit: '°F' },
        { type: 'bp.systolic', value: 16.0, valueText: '16.0', unit: 'kPa' },
        { type: 'height', value: 70, valueText: '70.0', unit: 'in' },
        { type: 'weight', value: 70500, unit: 'g' },
      ]),
      ctx,
    );
    expect(problems).toEqual([]);
    const got = reading.observations.map((o) => [o.value, o.precision, o.unit, o.original]);
    expect(got).toEqual([
      [70.4, 1, 'kg', { value: '155.2', unit: 'lb' }],
      [37, 1, 'Cel', { value: '98.6', unit: '°F' }],
      [120, 0, 'mm[Hg]', { value: '16.0', unit: 'kPa' }],
      [177.8, 1, 'cm', { value: '70.0', unit: 'in' }],
      [70.5, 3, 'kg', { value: '70500', unit: 'g' }],
    ]);
  });

  it('records a respelled unit as an original even when the value is unchanged', () => {
    const { reading } = normalize(report([{ type: 'bp.diastolic', value: 80, unit: 'mmHg' }]), ctx);
    expect(reading.observations[0]).toMatchObject({ value: 80, unit: 'mm[Hg]', original: { value: '80', unit: 'mmHg' } });
  });

  it('keeps an unconvertible unit as sent and names it as a problem', () => {
    const { reading, problems } = normalize(report([{ type: 'weight', value: 11, unit: 'stone' }]), ctx);
    expect(problems).toEqual([value('unit', "weight: unit 'stone' cannot be converted to kg", [0])]);
    expect(reading.observations[0]).toMatchObject({ value: 11, unit: 'stone' });
  });

  it('does not convert glucose between mmol/L and mg/dL', () => {
    const { reading, problems } = normalize(report([{ type: 'glucose', value: 5.5, unit: 'mmol/L' }]), ctx);
    expect(problems).toEqual([value('unit', "glucose: unit 'mmol/L' cannot be converted to mg/dL", [0])]);
    expect(reading.observations[0]).toMatchObject({ value: 5.5, unit: 'mmol/L' });
  });

  it('names non-numeric values of numeric types and unknown types', () => {
    const { reading, problems } = normalize(
      report([
        { type: 'spo2', value: '---', unit: '%' },
        // A driver bug: a type the vocabulary does not know.
        { type: 'sweat' as 'spo2', value: 3 },
        { value: 1 },
      ]),
      ctx,
    );
    expect(problems).toEqual([
      value('not-a-number', "spo2: value '---' is not a number", [0]),
      value('unknown-type', "measurement 2: unknown measurement type 'sweat'", [1]),
      value('unknown-type', 'measurement 3: has neither a type nor a code', [2]),
    ]);
    expect(reading.observations[0]?.value).toBe('---');
    expect(reading.observations[1]?.code.local).toEqual({ system: 'MEDGATE', code: 'sweat' });
  });

  it('names non-finite numbers', () => {
    const { problems } = normalize(report([{ type: 'pulse', value: Number.POSITIVE_INFINITY }]), ctx);
    expect(problems).toEqual([value('not-a-number', 'pulse: value Infinity is not a finite number', [0])]);
  });

  it('uses a measurement code as given and finds its vocabulary entry for conversion', () => {
    const { reading, problems } = normalize(
      report([
        { code: { mdc: { ref: 'MDC_TEMP_BODY', code: 150364 } }, value: 98.6, unit: 'degF' },
        { code: { local: { system: 'UA-200', code: 'PH', display: 'Urine pH' } }, value: '6.5' },
      ]),
      ctx,
    );
    expect(problems).toEqual([]);
    expect(reading.observations[0]).toMatchObject({ value: 37, unit: 'Cel', code: { display: 'Body temperature' } });
    // No vocabulary entry: the driver's value and code go through untouched.
    expect(reading.observations[1]).toMatchObject({ value: '6.5', code: { display: 'Urine pH' } });
  });

  it('does not modify the report it was given', () => {
    const input = report([{ type: 'temperature', code: { mdc: { ref: 'MDC_TEMP_TYMP', code: 150392 } }, value: 98.6, unit: 'degF' }]);
    const before = structuredClone(input);
    const { reading } = normalize(input, ctx);
    expect(input).toEqual(before);
    expect(reading.observations[0]).toMatchObject({
      code: { mdc: { ref: 'MDC_TEMP_TYMP', code: 150392 }, display: 'Body temperature' },
      value: 37,
      unit: 'Cel',
    });
  });

  it('gives locally coded vocabulary types a MEDGATE code', () => {
    const { reading } = normalize(report([{ type: 'body.bone.mass', value: 3.3, unit: 'kg' }]), ctx);
    expect(reading.observations[0]?.code).toEqual({
      display: 'Bone mass',
      local: { system: 'MEDGATE', code: 'body.bone.mass', display: 'Bone mass' },
    });
  });

  it('falls back to receipt time, always with an offset', () => {
    const none = normalize(report([{ type: 'pulse', value: 60 }]), ctx);
    expect(none.reading.observedAt).toMatch(ISO_WITH_OFFSET);
    expect(Date.parse(none.reading.observedAt)).toBe(receivedAt.getTime());
    expect(none.reading.receivedAt).toMatch(ISO_WITH_OFFSET);

    const bad = normalize(report([{ type: 'pulse', value: 60 }], { observedAt: '27/11/2026' }), ctx);
    expect(bad.problems).toEqual([{ kind: 'value', code: 'time', text: "device time '27/11/2026' is not an ISO 8601 date-time; receipt time used" }]);
    expect(Date.parse(bad.reading.observedAt)).toBe(receivedAt.getTime());

    const local = normalize(report([{ type: 'pulse', value: 60 }], { observedAt: '2026-11-27T09:41:00' }), ctx);
    expect(local.reading.observedAt).toMatch(ISO_WITH_OFFSET);
    expect(Date.parse(local.reading.observedAt)).toBe(new Date(2026, 10, 27, 9, 41).getTime());
  });

  it('carries per-measurement time, status, flags, range, method and the context equipment', () => {
    const { reading, problems } = normalize(
      report(
        [
          {
            type: 'pulse',
            value: 130,
            observedAt: '2026-11-27T09:40:00+01:00',
            status: 'P',
            flags: ['H'],
            referenceRange: '50-120',
            method: 'MMEAS',
          },
        ],
        { equipment: 'from-report' },
      ),
      { ...ctx, equipment: 'from-config' },
    );
    expect(problems).toEqual([]);
    expect(reading.observations[0]).toMatchObject({
      observedAt: '2026-11-27T09:40:00.000+01:00',
      status: 'P',
      flags: ['H'],
      referenceRange: '50-120',
      method: 'MMEAS',
      equipment: 'from-config',
    });
  });

  it('carries subject, specimen and order, and makes an id when none is given', () => {
    const { reading } = normalize(
      report([{ type: 'pulse', value: 60 }], {
        subject: { mrn: '123', family: 'Doe' },
        specimen: { id: 'S1' },
        order: { placer: 'P1', code: { system: 'LN', code: '2339-0' } },
      }),
      { deviceId: 'd', kind: 'vitals', receivedAt },
    );
    expect(reading.id).toMatch(/^[0-9A-Z]{16}$/);
    expect(reading.subject).toEqual({ mrn: '123', family: 'Doe' });
    expect(reading.specimen).toEqual({ id: 'S1' });
    expect(reading.order).toEqual({ placer: 'P1', code: { system: 'LN', code: '2339-0' } });
  });

  it('survives a value outside the type contract', () => {
    const bogus = JSON.parse('{"type":"pulse","value":null}') as DeviceReport['measurements'][number];
    const { reading, problems } = normalize(report([bogus]), ctx);
    expect(problems).toEqual([value('not-a-number', 'pulse: value null is neither a number nor text', [0])]);
    expect(reading.observations[0]?.value).toBe('null');
  });

  it('names an unreadable observation time and specimen collection time', () => {
    const { problems } = normalize(
      report(
        [
          { type: 'pulse', value: 60 },
          { type: 'pulse', value: 61, observedAt: 'yesterday' },
        ],
        { specimen: { id: 'S1', collectedAt: '31.12.2026' } },
      ),
      ctx,
    );
    expect(problems).toEqual([
      value('time', "pulse: observation time 'yesterday' is not an ISO 8601 date-time", [1]),
      { kind: 'value', code: 'time', text: "specimen collection time '31.12.2026' is not an ISO 8601 date-time" },
    ]);
  });

  it('names an empty report', () => {
    expect(normalize(report([]), ctx).problems).toEqual([{ kind: 'value', code: 'no-measurement', text: 'the report carries no measurements' }]);
  });
});
