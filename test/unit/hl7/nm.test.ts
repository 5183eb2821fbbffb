import { describe, expect, it } from 'vitest';
import { nmText } from '../../../src/hl7/nm.ts';

describe('nmText (HL7 NM)', () => {
  it('keeps the device decimals and never writes an exponent', () => {
    expect(nmText(7.5, 2)).toBe('7.50');
    expect(nmText(0.0000001)).toBe('0.0000001');
    expect(nmText(1e21)).toBe('1000000000000000000000');
    expect(nmText(-0.0001, 2)).toBe('0.00');
    for (const v of [1e-7, 2.5e-9, 1.23e22, -4e-8]) expect(nmText(v)).toMatch(/^-?\d+(\.\d+)?$/);
  });

  it('refuses what cannot be sent, naming it', () => {
    expect(() => nmText(Number.NaN, undefined, 'lead V1')).toThrow(/lead V1: value NaN/);
    expect(() => nmText(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});
