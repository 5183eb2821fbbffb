import { describe, expect, it } from 'vitest';
import { clampSeconds, describeChunk, explainLinkError, watchBytes, type ByteSource } from '../../../src/devices/link-test.ts';

/** A source the test feeds by hand, recording whether the watch let go of it. */
function handSource(): ByteSource & { push(b: Buffer): void; tapped: boolean } {
  let listener: ((chunk: Buffer) => void) | undefined;
  return {
    tapped: false,
    tap(l) {
      listener = l;
      this.tapped = true;
      return () => {
        listener = undefined;
        this.tapped = false;
      };
    },
    push(b) {
      listener?.(b);
    },
  };
}

describe('describeChunk', () => {
  it('shows control and non-ASCII bytes as <xx> and the hex of every byte', () => {
    const c = describeChunk(Buffer.from([0x02, 0x31, 0x41, 0x0d, 0x0a, 0xb5, 0x7f]), new Date('2024-05-01T10:00:00Z'));
    expect(c).toEqual({ at: '2024-05-01T10:00:00.000Z', text: '<02>1A<0d><0a><b5><7f>', hex: '02 31 41 0d 0a b5 7f', bytes: 7 });
  });

  it('does not shorten long chunks', () => {
    const c = describeChunk(Buffer.alloc(500, 0x41), new Date());
    expect(c.text).toBe('A'.repeat(500));
  });
});

describe('clampSeconds', () => {
  it('keeps the watch between 1 and 30 seconds', () => {
    expect(clampSeconds(0)).toBe(1);
    expect(clampSeconds(-5)).toBe(1);
    expect(clampSeconds(12)).toBe(12);
    expect(clampSeconds(3600)).toBe(30);
    expect(clampSeconds(Number.NaN)).toBe(1);
  });
});

describe('watchBytes', () => {
  it('collects chunks in order for the watch and then lets go', async () => {
    const source = handSource();
    const watching = watchBytes(source, 1);
    source.push(Buffer.from('SPO2=097 HR=072\r\n'));
    source.push(Buffer.from([0x06]));
    const result = await watching;
    expect(source.tapped).toBe(false);
    expect(result.opened).toBe(true);
    expect(result.truncated).toBe(false);
    expect(result.bytes).toBe(18);
    expect(result.chunks.map((c) => c.text)).toEqual(['SPO2=097 HR=072<0d><0a>', '<06>']);
    expect(result.chunks[1]?.hex).toBe('06');
  });

  it('stops at maxBytes and says it cut the data', async () => {
    const source = handSource();
    const watching = watchBytes(source, 30, 10);
    source.push(Buffer.from('123456'));
    source.push(Buffer.from('789abcdef'));
    source.push(Buffer.from('more'));
    const result = await watching; // ends long before 30 s: the limit was reached
    expect(result.truncated).toBe(true);
    expect(result.bytes).toBe(10);
    expect(result.chunks.map((c) => c.text)).toEqual(['123456', '789a']);
    expect(source.tapped).toBe(false);
  });

  it('returns an empty result when nothing arrives', async () => {
    const result = await watchBytes(handSource(), 1);
    expect(result).toEqual({ opened: true, chunks: [], bytes: 0, truncated: false });
  });
});

describe('explainLinkError', () => {
  it('turns system errors into something a technician can act on', () => {
    expect(explainLinkError('Error: No such file or directory, cannot open /dev/ttyUSB9')).toBe('no such port');
    expect(explainLinkError('connect ECONNREFUSED 127.0.0.1:47001')).toBe('connection refused');
    expect(explainLinkError('Error Resource temporarily unavailable Cannot lock port')).toMatch(/in use/);
    expect(explainLinkError('Error: Permission denied, cannot open /dev/ttyS0')).toMatch(/dialout/);
    expect(explainLinkError('something new')).toBe('something new');
  });
});
