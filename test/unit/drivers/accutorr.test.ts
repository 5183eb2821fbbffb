import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import accutorrDefault, { driver } from '../../../drivers/accutorr/index.ts';
import { decodeAccutorrLine } from '../../../drivers/accutorr/decode.ts';
import { bytes, chunksAt, oneByteAtATime, open, outcome } from './harness.ts';

// Example printed in the Accutorr 3 service manual p.1-53 (docs/protocols.md#datascope-accutorr-host-protocol).
const MANUAL_EXAMPLE = 'P:--,85,120, 45, 80,000,010,000, 5';

const answer = (sys: number | '--', mean: number | '--', dia: number | '--', minutes: number | '--', spo2: number | '--' = '--', pulse: number | '--' = 72) =>
  `P:${spo2},${pulse},${sys},${mean},${dia},000,000,000,${minutes}\r\n>`;

describe('accutorr decode', () => {
  it('decodes the manual example', () => {
    const r = decodeAccutorrLine(MANUAL_EXAMPLE);
    expect(r).toEqual({
      ok: true,
      value: {
        kind: 'patient',
        data: {
          spo2: null,
          pulse: { value: 85, text: '85' },
          systolic: { value: 120, text: '120' },
          mean: { value: 45, text: '45' },
          diastolic: { value: 80, text: '80' },
          status: [0, 10, 0],
          minutesSinceNibp: 5,
        },
      },
    });
  });

  it('skips the prompt, knows the banner and the limits answer', () => {
    expect(decodeAccutorrLine(`>${MANUAL_EXAMPLE}`)).toMatchObject({ ok: true, value: { kind: 'patient' } });
    expect(decodeAccutorrLine('ACCUTORR PC Interface is ready')).toEqual({ ok: true, value: { kind: 'banner' } });
    expect(decodeAccutorrLine('>L:100, 90,150, 50,200, 90,150, 60,120, 40')).toEqual({ ok: true, value: { kind: 'limits' } });
    expect(decodeAccutorrLine('>')).toEqual({ ok: true, value: { kind: 'prompt' } });
  });

  it('names what is wrong', () => {
    const reason = (l: string) => {
      const r = decodeAccutorrLine(l);
      return r.ok ? 'decoded' : r.reason;
    };
    // The value goes in the detail (debug, review), never in the reason (logged at warn).
    expect(decodeAccutorrLine('P:--,85,1A0, 45, 80,000,010,000, 5')).toEqual({
      ok: false,
      reason: 'systolic is not a number (expected 1 to 3 digits or dashes)',
      detail: 'systolic value "1A0" is not a number',
    });
    expect(reason('P:--,85,120, 45, 80,000,010,000')).toBe('answer has 8 fields, expected 9');
    expect(reason('P:--,85,1P:--,85,120, 45, 80,000,010,000, 5')).toBe('answer contains the start of another answer');
    expect(reason('hello')).toBe('unexpected line (expected "P:..." answer)');
  });
});

describe('accutorr session', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('polls with a bare "P" from linkUp, every pollIntervalMs, and stops at linkDown and close', async () => {
    expect(accutorrDefault).toBe(driver);
    const h = open(driver, { pollIntervalMs: 1000 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.writes).toEqual([]);
    h.session.linkUp?.();
    expect(h.writes).toEqual(['P']);
    await vi.advanceTimersByTimeAsync(3000);
    expect(h.writes).toHaveLength(4);
    h.session.linkDown?.();
    await vi.advanceTimersByTimeAsync(3000);
    expect(h.writes).toHaveLength(4);
    h.session.linkUp?.();
    await vi.advanceTimersByTimeAsync(1000);
    expect(h.writes).toHaveLength(6);
    h.session.close();
    await vi.advanceTimersByTimeAsync(5000);
    expect(h.writes).toHaveLength(6);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('uses the default poll interval of 5 s', async () => {
    const h = open(driver);
    h.session.linkUp?.();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(h.writes).toEqual(['P', 'P', 'P']);
    h.session.close();
  });

  it('a failing write does not surface as an unhandled rejection', async () => {
    const h = open(driver);
    const session = driver.open({ ...h.link, write: () => Promise.reject(new Error('port gone')) });
    session.linkUp?.();
    await vi.advanceTimersByTimeAsync(0);
    session.close();
  });

  it('one reading per NIBP measurement, not per poll; nothing while values are absent', () => {
    const h = open(driver);
    h.feed('ACCUTORR PC Interface is ready\r\n>');
    h.feed(answer('--', '--', '--', '--'));
    h.feed(answer(120, 93, 80, 0));
    h.feed(answer(120, 93, 80, 0));
    h.feed(answer(120, 93, 80, 1));
    h.feed(answer('--', '--', '--', '--')); // measuring
    h.feed(answer(131, 99, 83, 0, 97, 66));
    h.feed(answer(131, 99, 83, 0, 97, 66));
    expect(h.errors).toEqual([]);
    expect(h.reports).toEqual([
      {
        measurements: [
          { type: 'bp.systolic', value: 120, unit: 'mmHg', valueText: '120' },
          { type: 'bp.diastolic', value: 80, unit: 'mmHg', valueText: '80' },
          { type: 'bp.mean', value: 93, unit: 'mmHg', valueText: '93' },
          { type: 'pulse.nibp', value: 72, unit: 'bpm', valueText: '72' },
        ],
        raw: 'P:--,72,120,93,80,000,000,000,0',
      },
      {
        measurements: [
          { type: 'bp.systolic', value: 131, unit: 'mmHg', valueText: '131' },
          { type: 'bp.diastolic', value: 83, unit: 'mmHg', valueText: '83' },
          { type: 'bp.mean', value: 99, unit: 'mmHg', valueText: '99' },
          { type: 'pulse.oximetry', value: 66, unit: 'bpm', valueText: '66' },
          { type: 'spo2', value: 97, unit: '%', valueText: '97' },
        ],
        raw: 'P:97,66,131,99,83,000,000,000,0',
      },
    ]);
  });

  it('an identical result is new when minutes-since-NIBP went down', () => {
    const h = open(driver);
    h.feed(answer(120, 93, 80, 0));
    h.feed(answer(120, 93, 80, 3));
    h.feed(answer(120, 93, 80, 0));
    h.feed(answer(120, 93, 80, 0));
    expect(h.reports).toHaveLength(2);
  });

  it('at start, a result older than maxAgeMinutes is not forwarded; a fresh one is', () => {
    const stale = open(driver);
    stale.feed(answer(120, 93, 80, 45));
    stale.feed(answer(120, 93, 80, 46));
    stale.feed(answer(128, 95, 79, 0));
    expect(stale.reports.map((r) => r.measurements[0]?.value)).toEqual([128]);
    expect(stale.logs.some((l) => l.level === 'info' && /older than maxAgeMinutes/.test(l.msg))).toBe(true);

    const fresh = open(driver, { maxAgeMinutes: 5 });
    fresh.feed(answer(120, 93, 80, 5));
    expect(fresh.reports).toHaveLength(1);
    const unknownAge = open(driver);
    unknownAge.feed(answer(120, 93, 80, '--'));
    expect(unknownAge.reports).toHaveLength(1);
  });

  it('a cut answer is reported, never merged into the next one', () => {
    const h = open(driver);
    h.feed('>P:--, 72,1');
    h.feed(answer(118, 90, 76, 0));
    expect(h.errors).toEqual([{ reason: 'incomplete answer fragment discarded', bytes: '>P:--, 72,1' }]);
    expect(h.reports.map((r) => r.measurements.map((m) => m.value))).toEqual([[118, 76, 90, 72]]);
  });

  it('unexpected and malformed lines become protocol errors', () => {
    const h = open(driver);
    h.feed('P:--,85,1A0, 45, 80,000,010,000, 5\r\nwhat\r\n');
    expect(h.errors.map((e) => e.reason)).toEqual(['systolic is not a number (expected 1 to 3 digits or dashes)', 'unexpected line (expected "P:..." answer)']);
    expect(h.errors[0]?.detail).toBe('systolic value "1A0" is not a number');
  });

  it('validates settings', () => {
    expect(driver.validateSettings({})).toEqual([]);
    expect(driver.validateSettings({ pollIntervalMs: 1 })[0]).toMatch(/^settings\.pollIntervalMs: /);
    expect(driver.validateSettings({ nonsense: true })).not.toEqual([]);
  });

  it('gives the same outcome for any chunking', () => {
    vi.useRealTimers();
    const data = bytes(
      'ACCUTORR PC Interface is ready\r\n>' +
        answer(120, 93, 80, 0) +
        answer(120, 93, 80, 1) +
        'P:--,8' +
        answer(130, 97, 81, 0, 98) +
        'junk\r\n' +
        answer('--', '--', '--', '--') +
        answer(140, 100, 80, 0),
    );
    const whole = outcome(driver, {}, [data]);
    expect(whole.reports).toHaveLength(3);
    expect(whole.errors).toHaveLength(2);
    expect(outcome(driver, {}, oneByteAtATime(data))).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: data.length })), (cuts) => {
        expect(outcome(driver, {}, chunksAt(data, cuts))).toEqual(whole);
      }),
    );
  });

  it('never throws on random bytes', () => {
    vi.useRealTimers();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (noise) => {
        const h = open(driver);
        h.session.receive(noise);
        h.feed(`\r\n${answer('--', '--', '--', '--')}${answer(150, 110, 90, 0)}`);
        expect(h.reports.at(-1)?.measurements[0]?.value).toBe(150);
      }),
    );
  });
});
