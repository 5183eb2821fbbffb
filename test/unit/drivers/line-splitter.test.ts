import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LineSplitter, type SplitEvent } from '../../../drivers/_shared/line-splitter.ts';
import { bytes, chunksAt } from './harness.ts';

function run(splitter: LineSplitter, chunks: Uint8Array[]): SplitEvent[] {
  return chunks.flatMap((c) => splitter.push(c));
}

describe('LineSplitter', () => {
  it('ends lines on CR, LF and CRLF and drops empty lines', () => {
    const s = new LineSplitter();
    expect(run(s, [bytes('a\rb\nc\r\nd\r\n\r\ne')])).toEqual([
      { kind: 'line', line: 'a' },
      { kind: 'line', line: 'b' },
      { kind: 'line', line: 'c' },
      { kind: 'line', line: 'd' },
    ]);
    expect(s.pending).toBe(true);
    expect(s.push(bytes('\n'))).toEqual([{ kind: 'line', line: 'e' }]);
  });

  it('keeps a CRLF split across chunks as one terminator', () => {
    const s = new LineSplitter();
    expect(run(s, [bytes('abc\r'), bytes('\ndef\r'), bytes('\n')]).map((e) => e.kind === 'line' && e.line)).toEqual(['abc', 'def']);
  });

  it('discards an over-long line once and resyncs at the next terminator', () => {
    const s = new LineSplitter(8);
    const events = run(s, [bytes('12345678'), bytes('9abc'), bytes('defg\r\nok\r\n')]);
    expect(events).toEqual([
      { kind: 'overflow', bytes: '12345678', maxLength: 8 },
      { kind: 'line', line: 'ok' },
    ]);
  });

  it('accepts a line of exactly the maximum length', () => {
    expect(new LineSplitter(4).push(bytes('abcd\n'))).toEqual([{ kind: 'line', line: 'abcd' }]);
  });

  it('reset() drops the partial line', () => {
    const s = new LineSplitter();
    s.push(bytes('ST,GS,+00'));
    s.reset();
    expect(s.push(bytes('70.50kg\r\n'))).toEqual([{ kind: 'line', line: '70.50kg' }]);
  });

  it('keeps binary bytes 1:1 (latin1)', () => {
    expect(new LineSplitter().push(Uint8Array.of(0x00, 0xff, 0x80, 0x0a))).toEqual([{ kind: 'line', line: '\x00\xff\x80' }]);
  });

  it('gives the same events for any chunking', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.array(fc.nat({ max: 600 })), fc.integer({ min: 1, max: 64 }), (data, cuts, max) => {
        const whole = run(new LineSplitter(max), [data]);
        const chunked = run(new LineSplitter(max), chunksAt(data, cuts));
        expect(chunked).toEqual(whole);
        for (const e of whole) {
          if (e.kind === 'line') expect(e.line.length).toBeLessThanOrEqual(max);
        }
      }),
    );
  });
});
