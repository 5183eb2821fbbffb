// Records -> E1381 frames for sending: each record starts a new frame and ends with CR; a record
// with more text than a frame holds continues in frames ending ETB, its last frame ends ETX; frame
// numbers run 1..7, 0, 1 ... over the whole transmission (docs/protocols.md#astm-e1381-low-level).

import { CR, ETB, ETX, LF, STX, checksum } from './e1381.ts';

/** Characters the chosen encoding cannot carry are sent as `?` rather than silently mangled. */
function encodeText(text: string, encoding: 'latin1' | 'utf8'): Buffer {
  if (encoding === 'utf8') return Buffer.from(text, 'utf8');
  return Buffer.from(text.replace(/[^\u0000-\u00ff]/gu, '?'), 'latin1');
}

/** One frame: `<STX> FN text <ETB|ETX> C1 C2 <CR><LF>`, the checksum over FN..ETB/ETX. */
export function frameBytes(fn: number, text: Uint8Array, final: boolean): Uint8Array {
  const body = Buffer.concat([Buffer.of(0x30 + (fn % 8)), text, Buffer.of(final ? ETX : ETB)]);
  return Uint8Array.from(Buffer.concat([Buffer.of(STX), body, Buffer.from(checksum(body), 'latin1'), Buffer.of(CR, LF)]));
}

/** The frames of one transmission; `maxText` is the most text bytes a frame carries (E1381: 240). */
export function framesOf(records: readonly string[], maxText: number, encoding: 'latin1' | 'utf8'): Uint8Array[] {
  const frames: Uint8Array[] = [];
  let fn = 1;
  for (const r of records) {
    const text = encodeText(`${r}\r`, encoding);
    for (let at = 0; at < text.length; at += maxText) {
      const end = Math.min(text.length, at + maxText);
      frames.push(frameBytes(fn++, text.subarray(at, end), end === text.length));
    }
  }
  return frames;
}
