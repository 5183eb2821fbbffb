import { describe, expect, it } from 'vitest';
import type { StoredReading } from '../../../src/store/types.ts';
import { decimate, slimReading, tracingOf } from '../../../src/web/reading-views.ts';

function ekg(samples: number[]): StoredReading {
  return {
    status: 'queued',
    holdReasons: [],
    updatedAt: '2026-11-27T10:00:00Z',
    reading: {
      id: 'R1',
      deviceId: 'ekg-1',
      kind: 'ekg',
      observedAt: '2026-11-27T10:00:00Z',
      receivedAt: '2026-11-27T10:00:00Z',
      raw: 'xml',
      observations: [
        { code: { display: 'HR' }, value: 72, unit: '/min', status: 'F' },
        {
          code: { display: 'ECG' },
          value: {
            kind: 'waveform',
            sampleRateHz: 500,
            unit: 'uV',
            leads: [
              { name: 'II', samples },
              { name: 'V1', samples: samples.map((s) => -s) },
            ],
          },
          status: 'F',
        },
        { code: { display: 'aECG' }, value: { kind: 'attachment', mediaType: 'text/xml', base64: 'QUJDRA==' }, status: 'F' },
      ],
    },
  };
}

describe('slimReading', () => {
  it('replaces samples and attachment content by their sizes and keeps numbers as they are', () => {
    const slim = slimReading(ekg([1, 2, 3]));
    const [hr, wave, file] = slim.reading.observations;
    expect(hr?.value).toBe(72);
    expect(wave?.value).toEqual({
      kind: 'waveform',
      sampleRateHz: 500,
      unit: 'uV',
      leads: [
        { name: 'II', count: 3 },
        { name: 'V1', count: 3 },
      ],
    });
    expect(file?.value).toEqual({ kind: 'attachment', mediaType: 'text/xml', bytes: 6 });
    expect(JSON.stringify(slim)).not.toContain('QUJDRA');
    expect(slim.reading).not.toHaveProperty('raw');
    expect(slim.reading.rawLength).toBe(3);
  });
});

describe('decimate', () => {
  it('keeps short signals whole', () => {
    expect(decimate([3, 1, 2], 10)).toEqual([3, 1, 2]);
  });

  it('keeps a one-sample spike that plain striding would drop', () => {
    const flat = Array.from({ length: 5000 }, () => 0);
    flat[2501] = 1500; // an R wave
    flat[4000] = -300;
    const out = decimate(flat, 500);
    expect(out.length).toBeLessThanOrEqual(500);
    expect(Math.max(...out)).toBe(1500);
    expect(Math.min(...out)).toBe(-300);
  });

  it('puts the two extremes of a bucket in time order', () => {
    const samples = [0, 0, 9, 0, -9, 0, 0, 0];
    expect(decimate(samples, 2)).toEqual([9, -9]);
  });
});

describe('tracingOf', () => {
  it('decimates every lead and scales the sample rate with it', () => {
    const t = tracingOf(ekg(Array.from({ length: 5000 }, (_, i) => i % 100)), 1000);
    expect(t?.leads.map((l) => l.name)).toEqual(['II', 'V1']);
    expect(t?.leads[0]?.samples.length).toBe(1000);
    expect(t?.sampleRateHz).toBeCloseTo(100, 5);
  });

  it('is undefined for a reading without a waveform', () => {
    const r = ekg([1]);
    r.reading.observations = r.reading.observations.slice(0, 1);
    expect(tracingOf(r, 100)).toBeUndefined();
  });
});
