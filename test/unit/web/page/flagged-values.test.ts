// A value the device flagged must not read as normal: on Live's vital tiles and in a device card's
// "Last reading". Also the card's words for a TCP device with no host set.

import { describe, expect, it } from 'vitest';
import type { DeviceView, SlimReading } from '../../../../src/web/api-types.ts';
import { readingSummary, transportSummary } from '../../../../src/web/page/lib/device-words.ts';
import { groupVitals, latestVital } from '../../../../src/web/page/lib/vitals.ts';

type Obs = SlimReading['reading']['observations'][number];

function reading(observations: Obs[], at = '2026-01-01T10:00:00Z'): SlimReading {
  return {
    status: 'queued',
    holdReasons: [],
    updatedAt: at,
    patient: { mrn: 'M1', family: 'Doe', given: 'Jane' },
    reading: { id: `r-${at}`, deviceId: 'ox-1', kind: 'vitals', observedAt: at, receivedAt: at, rawLength: 0, observations },
  };
}

const spo2 = (value: number, flags?: Obs['flags']): Obs => ({
  code: { display: 'SpO2' },
  type: 'spo2',
  value,
  unit: '%',
  status: 'F',
  ...(flags ? { flags } : {}),
});

describe('vital tiles keep the device flags', () => {
  it('an SpO2 of 82 % flagged LL shows the flag and its meaning, marked abnormal', () => {
    const [patient] = groupVitals([reading([spo2(97)], '2026-01-01T10:00:00Z'), reading([spo2(82, ['LL'])], '2026-01-01T10:05:00Z')]);
    const series = patient!.series[0]!;
    expect(series.points.map((p) => p.flags)).toEqual([undefined, ['LL']]);
    expect(latestVital(series)).toEqual({ value: '82', flag: { text: 'LL', meaning: 'critically low', abnormal: true } });
  });

  it('an unflagged latest value shows no flag, even after a flagged one', () => {
    const [patient] = groupVitals([reading([spo2(82, ['LL'])], '2026-01-01T10:00:00Z'), reading([spo2(97)], '2026-01-01T10:05:00Z')]);
    expect(latestVital(patient!.series[0]!)).toEqual({ value: '97' });
  });
});

describe('device card "Last reading" keeps the device flags', () => {
  const glucose = (flags?: Obs['flags']): Obs => ({
    code: { display: 'Glucose' },
    type: 'glucose',
    value: 400,
    unit: 'mg/dL',
    status: 'F',
    ...(flags ? { flags } : {}),
  });

  it('adds the code and its meaning to a flagged value', () => {
    expect(readingSummary(reading([glucose(['HH'])]))).toBe('Glucose 400 mg/dL HH (critically high)');
  });

  it('a value without flags reads as before', () => {
    expect(readingSummary(reading([glucose()]))).toBe('Glucose 400 mg/dL');
  });
});

describe('TCP device with no host', () => {
  it('says the gateway default, 127.0.0.1, for both listening and dialling', () => {
    const tcp = (mode: 'connect' | 'listen') => ({ type: 'tcp', mode, port: 27001 }) as DeviceView['transport'];
    expect(transportSummary(tcp('listen'))).toBe('TCP, listening on 127.0.0.1:27001');
    expect(transportSummary(tcp('connect'))).toBe('TCP, to 127.0.0.1:27001');
  });
});
