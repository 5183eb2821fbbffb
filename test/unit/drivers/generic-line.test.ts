import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import genericDefault, { driver, noninExample } from '../../../drivers/generic-line/index.ts';
import { bytes, chunksAt, oneByteAtATime, open, outcome } from './harness.ts';

const nonin = noninExample as unknown as Record<string, unknown>;

describe('generic-line with the Nonin example (docs/protocols.md#generic-line-nonin-oximeter-example)', () => {
  it('reads SPO2=XXX HR=YYY lines with markers and fast mode', () => {
    expect(genericDefault).toBe(driver);
    expect(driver.validateSettings(noninExample)).toEqual([]);
    const h = open(driver, nonin);
    h.feed('SPO2=097 HR=072\r\nSPO2=098 HR=071*\r\nSPO2=096 HR=070 F\r\nSPO2=095 HR=069* F\r\n');
    expect(h.errors).toEqual([]);
    expect(h.reports[0]).toEqual({
      measurements: [
        { type: 'spo2', value: 97, unit: '%', valueText: '097' },
        { type: 'pulse.oximetry', value: 72, unit: 'bpm', valueText: '072' },
      ],
      raw: 'SPO2=097 HR=072',
    });
    expect(h.reports.map((r) => r.measurements.map((m) => m.value))).toEqual([
      [97, 72],
      [98, 71],
      [96, 70],
      [95, 69],
    ]);
  });

  it('skips absent values; a line with none yields nothing', () => {
    const h = open(driver, nonin);
    h.feed('SPO2=--- HR=---\r\nSPO2=--- HR=072\r\n');
    expect(h.errors).toEqual([]);
    expect(h.reports.map((r) => r.measurements.map((m) => m.type))).toEqual([['pulse.oximetry']]);
    expect(h.logs.some((l) => l.level === 'debug' && /without a present value/.test(l.msg))).toBe(true);
  });

  it('a non-matching line is a protocol error naming the line', () => {
    const h = open(driver, nonin);
    h.feed('SPO2=097 PR=072\r\n');
    // The line travels as the bytes (kept for review), not inside the reason (which is logged).
    expect(h.errors).toEqual([{ reason: 'line does not match the configured pattern', bytes: 'SPO2=097 PR=072' }]);
  });

  it('a cut line is reported and not merged into the next', () => {
    const h = open(driver, nonin);
    h.feed('SPO2=09');
    h.feed('SPO2=097 HR=072\r\n');
    expect(h.errors).toEqual([{ reason: 'incomplete line fragment discarded', bytes: 'SPO2=09' }]);
    expect(h.reports).toHaveLength(1);
  });

  it('a present value that is not a number rejects the line', () => {
    const h = open(driver, { pattern: '^T=(?<t>\\S+)$', fields: { t: { type: 'temperature', unit: 'Cel' } } });
    h.feed('T=3x.5\r\nT=36.8\r\n');
    expect(h.errors.map((e) => e.reason)).toEqual(['group t is not a number (4 chars)']);
    expect(h.errors.map((e) => e.detail)).toEqual(['value "3x.5" of group t is not a number']);
    expect(h.reports[0]?.measurements).toEqual([{ type: 'temperature', value: 36.8, unit: 'Cel', valueText: '36.8' }]);
  });

  it('supports codes instead of vocabulary types and reports complete after several lines', () => {
    const settings = {
      pattern: '^(?:SYS (?<sys>\\d+)|DIA (?<dia>\\d+)|GLU (?<glu>\\d+))$',
      fields: {
        sys: { type: 'bp.systolic', unit: 'mmHg' },
        dia: { type: 'bp.diastolic', unit: 'mmHg' },
        glu: { code: { local: { system: 'ACME', code: 'GLU', display: 'Glucose' } }, unit: 'mg/dL' },
      },
      complete: { afterGroups: ['sys', 'dia'] },
    };
    expect(driver.validateSettings(settings)).toEqual([]);
    const h = open(driver, settings);
    h.feed('SYS 120\r\nGLU 99\r\n');
    expect(h.reports).toEqual([]);
    h.feed('DIA 80\r\nSYS 130\r\n');
    expect(h.reports).toHaveLength(1);
    expect(h.reports[0]?.raw).toBe('SYS 120\r\nGLU 99\r\nDIA 80');
    expect(h.reports[0]?.measurements).toEqual([
      { type: 'bp.systolic', value: 120, unit: 'mmHg', valueText: '120' },
      { code: { local: { system: 'ACME', code: 'GLU', display: 'Glucose' } }, value: 99, unit: 'mg/dL', valueText: '99' },
      { type: 'bp.diastolic', value: 80, unit: 'mmHg', valueText: '80' },
    ]);
    h.session.linkDown?.(); // drops the collected SYS 130
    h.feed('DIA 81\r\n');
    expect(h.reports).toHaveLength(1);
  });

  it('validateSettings names each problem with its location', () => {
    expect(driver.validateSettings({ pattern: '(?<a>\\d+', fields: { a: { type: 'pulse' } } })[0]).toMatch(
      /^settings\.pattern: not a valid regular expression/,
    );
    expect(driver.validateSettings({ pattern: '(\\d+)', fields: {} })).toEqual([
      'settings.pattern: has no named groups (write them as (?<name>...))',
      'settings.fields: map at least one group to a measurement',
    ]);
    expect(driver.validateSettings({ pattern: '(?<a>\\d+)', fields: { b: { unit: 'x' } }, complete: { afterGroups: ['c'] } })).toEqual([
      'settings.fields.b: the pattern has no group named "b"',
      'settings.fields.b: needs a type or a code',
      'settings.complete.afterGroups[0]: "c" is not a mapped field',
    ]);
    expect(driver.validateSettings({ pattern: '(?<a>x)', fields: { a: { type: 'not-a-type' } } }).some((p) => p.startsWith('settings.fields.a.type'))).toBe(
      true,
    );
    expect(driver.validateSettings({ pattern: '(?<a>x)', flags: 'g', fields: { a: { type: 'pulse' } } }).some((p) => p.startsWith('settings.flags'))).toBe(
      true,
    );
    expect(driver.validateSettings({})[0]).toMatch(/^settings(\.pattern|\.fields)?: /);
  });

  it('open() throws a clear error on a bad pattern', () => {
    const { link } = open(driver, nonin);
    expect(() => driver.open({ ...link, device: { id: 'x', settings: { pattern: '(?<a>', fields: { a: { type: 'pulse' } } } } })).toThrow(
      /invalid settings for driver "generic-line": settings\.pattern: not a valid regular expression/,
    );
  });

  it('gives the same outcome for any chunking, and never throws on noise', () => {
    const data = bytes('SPO2=097 HR=072\r\nSPO2=--- HR=---\nSPO2=09SPO2=098 HR=071*\rjunk\r\n' + 'q'.repeat(300) + '\r\nSPO2=096 HR=070 F\r\n');
    const whole = outcome(driver, nonin, [data]);
    expect(whole.reports).toHaveLength(3);
    expect(whole.errors).toHaveLength(3);
    expect(outcome(driver, nonin, oneByteAtATime(data))).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: data.length })), (cuts) => {
        expect(outcome(driver, nonin, chunksAt(data, cuts))).toEqual(whole);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1000 }), (noise) => {
        const h = open(driver, nonin);
        h.session.receive(noise);
        h.feed('\r\nSPO2=099 HR=060\r\n');
        expect(h.reports.at(-1)?.raw).toBe('SPO2=099 HR=060');
      }),
    );
  });
});
