import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import adScaleDefault, { driver } from '../../../drivers/ad-scale/index.ts';
import { decodeAdLine } from '../../../drivers/ad-scale/decode.ts';
import { bytes, chunksAt, oneByteAtATime, open, outcome } from './harness.ts';

const ok = (line: string) => {
  const r = decodeAdLine(line);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
};
const reason = (line: string) => {
  const r = decodeAdLine(line);
  return r.ok ? 'decoded' : r.reason;
};
/** The refusal's detail, which may quote the line (debug and review only). */
const detail = (line: string) => {
  const r = decodeAdLine(line);
  return r.ok ? 'decoded' : r.detail;
};

describe('ad-scale decode (wire text of docs/protocols.md#ad-standard-weighing-output)', () => {
  it('decodes the indicator forms', () => {
    expect(ok('ST,GS,+0070.50kg')).toEqual({ form: 'indicator', status: 'stable', data: 'gross', valueText: '+0070.50', value: 70.5, unit: 'kg' });
    expect(ok('ST,GS,+0012345kg')).toMatchObject({ status: 'stable', data: 'gross', value: 12345, unit: 'kg' });
    expect(ok('ST,GS,+0123.45kg')).toMatchObject({ value: 123.45 });
    expect(ok('ST,NT,+0010000kg')).toMatchObject({ data: 'net', value: 10000 });
    expect(ok('ST,TR,+0002345kg')).toMatchObject({ data: 'tare' });
    expect(ok('ST,PT,+0002345kg')).toMatchObject({ data: 'preset-tare' });
    expect(ok('US,GS,+0123.45kg')).toMatchObject({ status: 'unstable', value: 123.45 });
    expect(ok('ST,GS,-0001.20lb')).toMatchObject({ value: -1.2, unit: 'lb', valueText: '-0001.20' });
    expect(ok('ST,GS,+00123.4 g')).toMatchObject({ value: 123.4, unit: 'g' });
    expect(ok('ST,G ,+0070.50kg')).toMatchObject({ data: 'gross' });
  });

  it('decodes overload with blanked digits', () => {
    expect(ok('OL,GS,+    .  kg')).toMatchObject({ status: 'overload', value: null, unit: 'kg' });
    expect(ok('LO,GS,+    .  kg')).toMatchObject({ status: 'overload' });
  });

  it('decodes the balance forms', () => {
    expect(ok('ST,+00123.45  g')).toEqual({ form: 'balance', status: 'stable', data: 'gross', valueText: '+00123.45', value: 123.45, unit: 'g' });
    expect(ok('QT,+00000123PCS')).toMatchObject({ status: 'count', unit: 'PCS' });
    expect(ok('ST,OK,+0001.234 kg')).toMatchObject({ form: 'balance', value: 1.234, unit: 'kg' });
  });

  it('names what is wrong', () => {
    expect(reason('XX,GS,+0070.50kg')).toBe('unknown header (expected ST, US, OL, LO or QT)');
    expect(reason('ST,ZZ,+0070.50kg')).toBe('unknown data header (expected GS, NT, TR or PT)');
    expect(reason('ST,GS,+00A0.50kg')).toBe('data field is not a number');
    expect(reason('ST,GS,+0070.50kgx')).toBe('data field has 11 chars, expected 8 data + 2 unit');
    expect(reason('ST,GS,+0070.50xy')).toBe("unknown unit in the indicator's unit field");
    expect(detail('XX,GS,+0070.50kg')).toBe('unknown header "XX"');
    expect(detail('ST,ZZ,+0070.50kg')).toBe('unknown data header "ZZ"');
    expect(detail('ST,GS,+00A0.50kg')).toBe('value "+00A0.50" is not a number');
    expect(detail('ST,GS,+0070.50kgx')).toBe('data field "+0070.50kgx" has 11 chars, expected 8 data + 2 unit');
    expect(detail('ST,GS,+0070.50xy')).toBe('unknown unit "xy"');
    expect(reason('hello')).toMatch(/not A&D standard format/);
    expect(reason('ST,GS,+007ST,GS,+0070.50kg')).toMatch(/not A&D standard format/);
  });
});

function stream(lines: string[]): string {
  return lines.map((l) => `${l}\r\n`).join('');
}

describe('ad-scale session', () => {
  it('is exported as default and named, with its defaults', () => {
    expect(adScaleDefault).toBe(driver);
    expect(driver.serialDefaults).toEqual({ baudRate: 2400, dataBits: 7, parity: 'even', stopBits: 1 });
    expect(driver.validateSettings({})).toEqual([]);
    expect(driver.validateSettings({ mode: 'sometimes' })[0]).toMatch(/^settings\.mode: /);
    const { link } = open(driver);
    expect(() => driver.open({ ...link, device: { id: 'x', settings: { mode: 'x' } } })).toThrow(/invalid settings for driver "ad-scale"/);
  });

  it('stream mode: one reading per weighing, however often the weight repeats', () => {
    const h = open(driver);
    h.feed(
      stream([
        'ST,GS,+0000.00kg',
        'US,GS,+0030.10kg',
        'US,GS,+0069.90kg',
        'ST,GS,+0070.50kg',
        'ST,GS,+0070.50kg',
        'ST,GS,+0070.55kg',
        'ST,GS,+0070.50kg',
        'US,GS,+0020.00kg',
        'ST,GS,+0000.00kg',
        'ST,GS,+0000.00kg',
        'ST,GS,+0070.50kg', // same weight again after the platform emptied: a new weighing
        'ST,GS,+0070.50kg',
      ]),
    );
    expect(h.errors).toEqual([]);
    expect(h.reports).toEqual([
      { measurements: [{ type: 'weight', value: 70.5, unit: 'kg', valueText: '+0070.50' }], raw: 'ST,GS,+0070.50kg' },
      { measurements: [{ type: 'weight', value: 70.5, unit: 'kg', valueText: '+0070.50' }], raw: 'ST,GS,+0070.50kg' },
    ]);
    // One info line per settling (not one per unstable line), the rest at debug.
    expect(h.logs.filter((l) => l.level === 'info' && l.msg === 'scale settling: unstable weights are not forwarded')).toHaveLength(2);
    expect(h.logs.filter((l) => l.level === 'debug' && l.msg === 'unstable weight ignored')).toHaveLength(1);
  });

  it('stream mode: a change beyond changeThreshold is a new reading, an unstable near-zero re-arms', () => {
    const h = open(driver, { changeThreshold: 2 });
    h.feed(stream(['ST,GS,+0070.50kg', 'ST,GS,+0072.00kg', 'ST,GS,+0072.60kg', 'US,GS,+0000.20kg', 'ST,GS,+0072.60kg']));
    expect(h.reports.map((r) => r.measurements[0]?.value)).toEqual([70.5, 72.6, 72.6]);
  });

  it('print mode: every stable weight is a reading, zero is not', () => {
    const h = open(driver, { mode: 'print' });
    h.feed(stream(['ST,GS,+0070.50kg', 'ST,GS,+0070.50kg', 'ST,GS,+0000.00kg', 'ST,NT,+0010.00kg']));
    expect(h.reports.map((r) => r.measurements[0]?.value)).toEqual([70.5, 70.5, 10]);
  });

  it('overload is a protocol error; tare and count lines are ignored quietly', () => {
    const h = open(driver);
    h.feed(stream(['OL,GS,+    .  kg', 'ST,TR,+0002.00kg', 'QT,+00000123PCS', 'US,GS,+0012.00kg']));
    expect(h.reports).toEqual([]);
    expect(h.errors).toEqual([{ reason: 'scale overload or out of range: weight ignored', bytes: 'OL,GS,+    .  kg' }]);
  });

  it('rejects non-numeric values, unknown headers and weights without a unit', () => {
    const h = open(driver);
    h.feed(stream(['ST,GS,+00A0.50kg', 'XX,GS,+0070.50kg', 'ST,GS,+0070.50  ']));
    expect(h.reports).toEqual([]);
    expect(h.errors.map((e) => e.reason)).toEqual([
      'data field is not a number',
      'unknown header (expected ST, US, OL, LO or QT)',
      'weight without unit ignored',
    ]);
    expect(h.errors.map((e) => e.detail)).toEqual(['value "+00A0.50" is not a number', 'unknown header "XX"', undefined]);
  });

  it('a line cut mid-way is reported, never merged into the next weight', () => {
    const h = open(driver);
    h.feed('ST,GS,+007');
    h.feed('ST,GS,+0070.50kg\r\n');
    expect(h.errors).toEqual([{ reason: 'incomplete line fragment discarded', bytes: 'ST,GS,+007' }]);
    expect(h.reports).toHaveLength(1);
    expect(h.reports[0]).toEqual({ measurements: [{ type: 'weight', value: 70.5, unit: 'kg', valueText: '+0070.50' }], raw: 'ST,GS,+0070.50kg' });
  });

  it('discards an over-long line and resyncs at the next terminator', () => {
    const h = open(driver);
    h.feed('x'.repeat(300));
    h.feed('yyy\r\nST,GS,+0070.50kg\r\n');
    expect(h.errors).toEqual([{ reason: 'line over 256 bytes discarded', bytes: 'x'.repeat(256) }]);
    expect(h.reports).toHaveLength(1);
  });

  it('linkDown discards the partial line and forgets the last weight', () => {
    const h = open(driver);
    h.feed('ST,GS,+0070.50kg\r\nST,GS,+00');
    h.session.linkDown?.();
    h.feed('70.50kg\r\n');
    h.feed('ST,GS,+0070.50kg\r\n');
    expect(h.reports).toHaveLength(2);
    expect(h.errors.map((e) => e.reason)).toEqual([expect.stringMatching(/not A&D standard format/)]);
  });

  it('a listener that throws or rejects does not break the session', async () => {
    const h = open(driver);
    h.session.on('report', () => {
      throw new Error('boom');
    });
    h.session.on('report', () => Promise.reject(new Error('async boom')));
    h.feed('ST,GS,+0070.50kg\r\n');
    h.feed('ST,GS,+0000.00kg\r\nST,GS,+0080.00kg\r\n');
    await new Promise((r) => setTimeout(r, 0));
    expect(h.reports).toHaveLength(2);
    expect(h.logs.filter((l) => l.level === 'warn')).toHaveLength(4);
  });

  it('gives the same reports and errors for any chunking', () => {
    const text =
      stream(['ST,GS,+0000.00kg', 'US,GS,+0050.00kg', 'ST,GS,+0070.50kg', 'ST,GS,+0070.50kg', 'OL,GS,+    .  kg', 'XX,GS,+0070.50kg', 'ST,GS,+0000.00kg']) +
      'ST,GS,+00' +
      'ST,GS,+0081.20kg\r\n' +
      'z'.repeat(400) +
      '\n' +
      stream(['ST,GS,+0000.00kg', 'ST,+00123.45  g']);
    const data = bytes(text);
    const whole = outcome(driver, {}, [data]);
    expect(whole.reports).toHaveLength(3);
    expect(whole.errors).toHaveLength(4);
    expect(outcome(driver, {}, oneByteAtATime(data))).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: data.length })), (cuts) => {
        expect(outcome(driver, {}, chunksAt(data, cuts))).toEqual(whole);
      }),
    );
  });

  it('never throws on random bytes, and recovers afterwards', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (noise) => {
        const h = open(driver);
        h.session.receive(noise);
        h.feed('\r\nST,GS,+0000.00kg\r\nST,GS,+0070.50kg\r\n');
        expect(h.reports.at(-1)?.raw).toBe('ST,GS,+0070.50kg');
      }),
    );
  });
});
