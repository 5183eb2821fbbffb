import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonErrorPosition, lineColumn } from '../../../src/store/json-error-position.ts';

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('jsonErrorPosition', () => {
  it('finds the offset of the first error', () => {
    expect(jsonErrorPosition('{"a":1,}')).toBe(7);
    expect(jsonErrorPosition('{"a":1} x')).toBe(8);
    expect(jsonErrorPosition('{"a":')).toBe(5);
    expect(jsonErrorPosition('{"a":"b\\q"}')).toBe(8);
    expect(jsonErrorPosition('[01]')).toBe(2);
    expect(jsonErrorPosition('')).toBe(0);
  });

  it('agrees with JSON.parse on what is valid, for any JSON value and any truncation or corruption of it', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.nat(), fc.integer({ min: 0, max: 127 }), (value, cut, code) => {
        const text = JSON.stringify(value, null, cut % 3);
        expect(jsonErrorPosition(text)).toBeUndefined();
        const truncated = text.slice(0, cut % (text.length + 1));
        expect(jsonErrorPosition(truncated) === undefined).toBe(parses(truncated));
        const pos = cut % Math.max(1, text.length);
        const corrupted = text.slice(0, pos) + String.fromCharCode(code) + text.slice(pos + 1);
        expect(jsonErrorPosition(corrupted) === undefined).toBe(parses(corrupted));
      }),
      { numRuns: 500 },
    );
  });

  it('turns an offset into line and column', () => {
    expect(lineColumn('ab\ncd', 4)).toBe('line 2, column 2');
    expect(lineColumn('ab', 0)).toBe('line 1, column 1');
  });
});
