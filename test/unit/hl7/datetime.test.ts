import { describe, it, expect } from 'vitest';
import { hl7Date, hl7Timestamp, normalizeIso, parseIso, toIsoWithOffset } from '../../../src/hl7/datetime.ts';

describe('hl7Timestamp', () => {
  it('keeps the offset the ISO text carries', () => {
    expect(hl7Timestamp('2026-11-27T09:41:00.000-05:00')).toBe('20261127094100-0500');
    expect(hl7Timestamp('2026-11-27T09:41:07+05:30')).toBe('20261127094107+0530');
    expect(hl7Timestamp('2011-06-02T04:58:42Z')).toBe('20110602045842+0000');
    expect(hl7Timestamp('2026-11-27T23:59:59.999+0100')).toBe('20261127235959+0100');
  });
  it('writes no offset when the text has none, and a bare date as YYYYMMDD', () => {
    expect(hl7Timestamp('2026-11-27T09:41')).toBe('20261127094100');
    expect(hl7Timestamp('2026-11-27')).toBe('20261127');
  });
  it('writes a Date in the offset asked for', () => {
    const d = new Date('2026-11-27T14:41:06.500Z');
    expect(hl7Timestamp(d, 0)).toBe('20261127144106+0000');
    expect(hl7Timestamp(d, -300)).toBe('20261127094106-0500');
    expect(hl7Timestamp(d, 600)).toBe('20261128004106+1000');
  });
  it('refuses what is not ISO 8601', () => {
    expect(() => hl7Timestamp('27/11/2026 09:41')).toThrow(RangeError);
    expect(() => hl7Timestamp('2026-02-30T10:00:00Z')).toThrow(/not an ISO 8601/);
    expect(() => hl7Timestamp('2026-11-27T25:00:00Z')).toThrow(RangeError);
    expect(() => hl7Timestamp('')).toThrow(RangeError);
  });
});

describe('hl7Date', () => {
  it('turns YYYY-MM-DD into YYYYMMDD', () => {
    expect(hl7Date('1961-01-01')).toBe('19610101');
    expect(hl7Date('19610101')).toBe('19610101');
  });
  it('refuses non-dates', () => {
    expect(() => hl7Date('1961-13-01')).toThrow(RangeError);
    expect(() => hl7Date('01/01/1961')).toThrow(RangeError);
    expect(() => hl7Date('1961-01-01T00:00:00Z')).toThrow(RangeError);
  });
});

describe('toIsoWithOffset', () => {
  const d = new Date('2026-11-27T14:41:00.000Z');
  it('writes the instant in the given offset', () => {
    expect(toIsoWithOffset(d, -300)).toBe('2026-11-27T09:41:00.000-05:00');
    expect(toIsoWithOffset(d, 0)).toBe('2026-11-27T14:41:00.000+00:00');
    expect(toIsoWithOffset(d, 330)).toBe('2026-11-27T20:11:00.000+05:30');
    expect(toIsoWithOffset(d, -570)).toBe('2026-11-27T05:11:00.000-09:30');
  });
  it('defaults to the local offset and names the same instant', () => {
    const text = toIsoWithOffset(d);
    expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$/);
    expect(Date.parse(text)).toBe(d.getTime());
  });
  it('refuses an invalid Date', () => {
    expect(() => toIsoWithOffset(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('normalizeIso / parseIso', () => {
  it('keeps the device offset', () => {
    expect(normalizeIso('2026-11-27T09:41:00-05:00')).toBe('2026-11-27T09:41:00.000-05:00');
    expect(normalizeIso('2026-11-27T14:41:00Z')).toBe('2026-11-27T14:41:00.000+00:00');
  });
  it('takes a time without offset as local time', () => {
    const text = normalizeIso('2026-11-27T09:41:00');
    expect(text).toBeDefined();
    expect(Date.parse(text ?? '')).toBe(new Date(2026, 10, 27, 9, 41, 0).getTime());
  });
  it('refuses dates without time and garbage', () => {
    expect(normalizeIso('2026-11-27')).toBeUndefined();
    expect(normalizeIso('yesterday')).toBeUndefined();
    expect(parseIso('2026-11-27T09:41:00+24:00')).toBeUndefined();
  });
});
