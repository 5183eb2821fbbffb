import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CR, encodeFrame, FS, MllpDecoder, VT } from '../../../src/mllp/framing.ts';

const ORU =
  'MSH|^~\\&|MEDGATE|CLINIC|EHR|HOSP|20250114093016||ORU^R01^ORU_R01|MG000123|P|2.6|||AL|NE\r' +
  'PID|||HO2009001^^^NIST^PI||Hon^Albert^^^^^L\r' +
  'OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.1.1|120|mm[Hg]^mm[Hg]^UCUM|||||R\r';
const ACK = 'MSH|^~\\&|EHR|HOSP|MEDGATE|CLINIC|20250114093017||ACK^R01^ACK|A77|P|2.6\rMSA|AA|MG000123\r';

function feed(decoder: MllpDecoder, chunks: Uint8Array[]): { messages: string[]; errors: string[] } {
  const messages: string[] = [];
  const errors: string[] = [];
  for (const c of chunks) {
    const r = decoder.push(c);
    messages.push(...r.messages);
    errors.push(...r.errors);
  }
  const end = decoder.end();
  return { messages: [...messages, ...end.messages], errors: [...errors, ...end.errors] };
}

function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of points) {
    out.push(buf.subarray(prev, p));
    prev = p;
  }
  out.push(buf.subarray(prev));
  return out;
}

describe('encodeFrame', () => {
  it('wraps the UTF-8 bytes in VT ... FS CR', () => {
    const f = encodeFrame('MSH|é');
    expect([...f]).toEqual([VT, ...Buffer.from('MSH|é', 'utf8'), FS, CR]);
  });
});

describe('MllpDecoder', () => {
  it('decodes the exchange of docs/protocols.md#mllp-framing', () => {
    const r = feed(new MllpDecoder(), [Buffer.concat([encodeFrame(ORU), encodeFrame(ACK)])]);
    expect(r).toEqual({ messages: [ORU, ACK], errors: [] });
  });

  it('reassembles a frame fed one byte at a time', () => {
    const bytes = encodeFrame(ORU);
    const r = feed(
      new MllpDecoder(),
      [...bytes].map((b) => Uint8Array.of(b)),
    );
    expect(r).toEqual({ messages: [ORU], errors: [] });
  });

  it('gives each message of a merged chunk, and keeps a frame split between chunks', () => {
    const d = new MllpDecoder();
    const all = Buffer.concat([encodeFrame('A'), encodeFrame('B'), encodeFrame('C')]);
    const first = d.push(all.subarray(0, 6)); // A whole, B cut before its FS
    expect(first.messages).toEqual(['A']);
    const second = d.push(all.subarray(6));
    expect(second.messages).toEqual(['B', 'C']);
  });

  it('decodes multi-byte UTF-8 split between chunks', () => {
    const text = 'MSH|^~\\&|Ärztehaus|Zürich\rNTE|1||温度 36.8 °C 😀\r';
    const bytes = encodeFrame(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      const r = feed(new MllpDecoder(), [bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(r.messages).toEqual([text]);
    }
  });

  it('reports one error with a count per run of noise between frames', () => {
    const noise = Buffer.from('garbage!');
    const input = Buffer.concat([noise, encodeFrame('A'), noise, noise, encodeFrame('B')]);
    const r = feed(
      new MllpDecoder(),
      [...input].map((b) => Uint8Array.of(b)),
    );
    expect(r.messages).toEqual(['A', 'B']);
    expect(r.errors).toEqual(['skipped 8 bytes outside a frame', 'skipped 16 bytes outside a frame']);
  });

  it('does not complain about line ends between frames', () => {
    const input = Buffer.concat([encodeFrame('A'), Buffer.from('\n\r\n'), encodeFrame('B'), Buffer.from('\n')]);
    expect(feed(new MllpDecoder(), [input])).toEqual({ messages: ['A', 'B'], errors: [] });
  });

  it('reports trailing noise and an unfinished frame when the stream ends', () => {
    const d = new MllpDecoder();
    expect(d.push(Buffer.from('xx')).errors).toEqual([]);
    expect(d.end().errors).toEqual(['skipped 2 bytes outside a frame']);
    d.push(Buffer.from('\x0bMSH|half'));
    expect(d.end().errors).toEqual(['stream ended inside a frame after 8 bytes; partial frame dropped']);
  });

  it('drops a frame cut by a new VT and takes the next one', () => {
    const input = Buffer.concat([Buffer.from('\x0bMSH|cut'), encodeFrame('MSH|whole')]);
    const r = feed(new MllpDecoder(), [input]);
    expect(r.messages).toEqual(['MSH|whole']);
    expect(r.errors).toEqual(['frame cut after 7 bytes by a new start byte (VT); partial frame dropped']);
  });

  it('keeps a lone FS as content (only FS CR ends a block), but FS VT cuts the frame', () => {
    const lone = Buffer.from([VT, 0x41, FS, 0x42, FS, CR]);
    expect(feed(new MllpDecoder(), [lone])).toEqual({ messages: ['A\x1cB'], errors: [] });
    const fsFs = Buffer.from([VT, 0x41, FS, FS, CR]);
    expect(feed(new MllpDecoder(), [fsFs])).toEqual({ messages: ['A\x1c'], errors: [] });
    const fsVt = Buffer.concat([Buffer.from([VT, 0x41, FS]), encodeFrame('B')]);
    const r = feed(new MllpDecoder(), [fsVt]);
    expect(r.messages).toEqual(['B']);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/FS not followed by CR/);
  });

  it('drops an oversize frame and resyncs at the next VT', () => {
    const d = new MllpDecoder({ maxFrameBytes: 10 });
    const input = Buffer.concat([encodeFrame('0123456789ABC'), encodeFrame('0123456789'), Buffer.from('\x0b0123456789XYZ'), encodeFrame('ok')]);
    const r = feed(
      d,
      [...input].map((b) => Uint8Array.of(b)),
    );
    expect(r.messages).toEqual(['0123456789', 'ok']);
    expect(r.errors).toEqual([
      'frame larger than 10 bytes dropped; resyncing at the next start byte (VT)',
      'frame larger than 10 bytes dropped; resyncing at the next start byte (VT)',
    ]);
  });

  it('decodes invalid UTF-8 as ISO-8859-1 and says so', () => {
    const r = feed(new MllpDecoder(), [Buffer.from([VT, 0x4d, 0xe9, 0x4d, FS, CR])]);
    expect(r.messages).toEqual(['MéM']);
    expect(r.errors).toEqual(['frame of 3 bytes is not valid UTF-8; decoded as ISO-8859-1']);
  });

  it('does not keep a reference to the caller buffer', () => {
    const d = new MllpDecoder();
    const chunk = Buffer.from('\x0bABC');
    d.push(chunk);
    chunk.fill(0x5a);
    expect(d.push(Buffer.from([FS, CR])).messages).toEqual(['ABC']);
  });

  // Message text: printable plus CR/LF, never VT or FS (they cannot appear in HL7 text unescaped).
  const messageArb = fc
    .array(fc.oneof(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.constantFrom('\r', '\n', '|', '^', 'é', '温')), { maxLength: 10 })
    .map((parts) => parts.join('').replace(/[\x0b\x1c]/g, ''));
  const noiseArb = fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a.filter((b) => b !== VT)));

  it('property: any chunking of frames and noise yields the same messages and errors', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(noiseArb, messageArb), { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 12 }), (items, cuts) => {
        const input = Buffer.concat(items.flatMap(([noise, msg]) => [noise, encodeFrame(msg)]));
        const whole = feed(new MllpDecoder(), [input]);
        const chunked = feed(new MllpDecoder(), splitAt(input, cuts));
        expect(whole.messages).toEqual(items.map(([, msg]) => msg));
        expect(chunked).toEqual(whole);
      }),
      { numRuns: 300 },
    );
  });

  it('property: arbitrary bytes never throw and chunking never changes the outcome', () => {
    const byteArb = fc.oneof(fc.constantFrom(VT, FS, CR), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.array(byteArb, { maxLength: 200 }), fc.array(fc.nat(), { maxLength: 20 }), fc.integer({ min: 1, max: 64 }), (bytes, cuts, max) => {
        const input = Buffer.from(bytes);
        const whole = feed(new MllpDecoder({ maxFrameBytes: max }), [input]);
        const chunked = feed(new MllpDecoder({ maxFrameBytes: max }), splitAt(input, cuts));
        expect(chunked).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });
});
