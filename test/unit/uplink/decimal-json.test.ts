import { describe, expect, it } from 'vitest';
import { DecimalText, stringifyWithDecimals } from '../../../src/uplink/decimal-json.ts';

describe('stringifyWithDecimals', () => {
  it('writes decimals with their own digits and leaves everything else as JSON.stringify does', () => {
    const value = { a: new DecimalText('70.50'), b: [new DecimalText('-0.010'), 'x"y', 1.5], c: new DecimalText('1e-3'), d: '\u0001' };
    expect(stringifyWithDecimals(value)).toBe('{"a":70.50,"b":[-0.010,"x\\"y",1.5],"c":1e-3,"d":"\\u0001"}');
    expect(JSON.parse(stringifyWithDecimals(value))).toEqual({ a: 70.5, b: [-0.01, 'x"y', 1.5], c: 0.001, d: '\u0001' });
  });

  it('data that looks like a marker stays a string', () => {
    const text = stringifyWithDecimals({ s: '\u0001abc:12', n: new DecimalText('3.00') });
    expect(JSON.parse(text)).toEqual({ s: '\u0001abc:12', n: 3 });
    expect(text).toContain('"n":3.00');
  });

  it('refuses text that is not a JSON number', () => {
    for (const bad of ['70,5', '1.', '.5', '01', 'NaN', '"1"']) expect(() => new DecimalText(bad), bad).toThrow('is not a decimal number');
  });
});
