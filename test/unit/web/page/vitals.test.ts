import { describe, expect, it } from 'vitest';
import type { SlimReading } from '../../../../src/web/api-types.ts';
import { formatNumber, formatValue, observationName, unitLabel } from '../../../../src/web/page/lib/reading-format.ts';
import { groupVitals } from '../../../../src/web/page/lib/vitals.ts';

function reading(id: string, at: string, mrn: string | undefined, obs: Array<[string, number | string, number?]>): SlimReading {
  return {
    status: mrn ? 'queued' : 'held',
    holdReasons: mrn ? [] : [{ kind: 'patient', code: 'no-patient', text: 'no patient: the device is not bound to a patient' }],
    updatedAt: at,
    ...(mrn ? { patient: { mrn, family: 'Doe', given: 'Jane' } } : {}),
    reading: {
      id,
      deviceId: 'bp-1',
      kind: 'bp',
      observedAt: at,
      receivedAt: at,
      rawLength: 0,
      observations: obs.map(([type, value, precision]) => ({
        code: { display: type.toUpperCase() },
        type,
        value,
        status: 'F',
        unit: 'mm[Hg]',
        ...(precision !== undefined ? { precision } : {}),
      })),
    },
  };
}

describe('reading format', () => {
  it('keeps the decimals the device sent', () => {
    expect(formatNumber(70.5, 2)).toBe('70.50');
    expect(formatNumber(70.5)).toBe('70.5');
    expect(formatValue({ value: 120, precision: 0 })).toBe('120');
    expect(formatValue({ value: { kind: 'waveform', sampleRateHz: 500, unit: 'uV', leads: [{ name: 'II', count: 5000 }] } })).toBe('EKG tracing, 1 lead, 10 s');
  });

  it('names a measurement by its display, else MDC, else LOINC', () => {
    expect(observationName({ mdc: { ref: 'MDC_PULS_RATE' }, display: 'Pulse rate' })).toBe('Pulse rate');
    expect(observationName({ mdc: { ref: 'MDC_PULS_RATE' } })).toBe('MDC_PULS_RATE');
    expect(observationName({ loinc: '2345-7' })).toBe('LOINC 2345-7');
    expect(unitLabel('mm[Hg]')).toBe('mmHg');
    expect(unitLabel('Cel')).toBe('°C');
  });
});

describe('groupVitals', () => {
  it('groups by MRN, one series per type, oldest point first, vitals in clinical order', () => {
    const groups = groupVitals([
      reading('b', '2026-01-01T10:05:00Z', 'M1', [
        ['pulse', 70],
        ['bp.systolic', 125],
      ]),
      reading('a', '2026-01-01T10:00:00Z', 'M1', [
        ['bp.systolic', 120, 0],
        ['note', 'text'],
      ]),
      reading('c', '2026-01-01T10:10:00Z', undefined, [['bp.systolic', 300]]),
      reading('d', '2026-01-01T09:00:00Z', 'M2', [['weight', 70.5, 2]]),
    ]);
    expect(groups.map((g) => g.patient.mrn)).toEqual(['M1', 'M2']);
    const m1 = groups[0]!;
    expect(m1.series.map((s) => s.key)).toEqual(['bp.systolic', 'pulse']);
    expect(m1.series[0]!.points.map((p) => p.value)).toEqual([120, 125]);
    expect(groups[1]!.series[0]!.points[0]).toMatchObject({ value: 70.5, precision: 2 });
  });

  it('keeps at most maxPoints per series, the newest', () => {
    const many = Array.from({ length: 5 }, (_, i) => reading(`r${i}`, `2026-01-01T10:0${i}:00Z`, 'M1', [['pulse', 60 + i]]));
    expect(groupVitals(many, 3)[0]!.series[0]!.points.map((p) => p.value)).toEqual([62, 63, 64]);
  });
});
