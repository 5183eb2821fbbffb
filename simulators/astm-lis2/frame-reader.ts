// The analyzer as an E1381 receiver: bytes from the host cut into frames
// (`<STX> FN text <ETB|ETX> C1 C2 <CR><LF>`), each with whether its checksum holds, and the
// control characters between frames. Written apart from the driver's reader. Stateful only in the
// bytes it holds between calls.

import { ENQ, EOT, ETB, ETX, STX, sum8 } from './wire.ts';

export type Received =
  | { kind: 'enq' }
  | { kind: 'eot' }
  | { kind: 'frame'; fn: number; text: string; last: boolean; checksumOk: boolean }
  /** A frame cut off by a new STX, or bytes that are no frame: the receiver answers NAK. */
  | { kind: 'bad-frame' };

export class FrameReader {
  #buf = '';

  /** Everything complete in `bytes` (with what was held), in order. */
  push(text: string): Received[] {
    this.#buf += text;
    const out: Received[] = [];
    for (;;) {
      const stx = this.#buf.indexOf(STX);
      // Control characters before the next frame.
      const head = stx === -1 ? this.#buf : this.#buf.slice(0, stx);
      for (const c of head) {
        if (c === ENQ) out.push({ kind: 'enq' });
        else if (c === EOT) out.push({ kind: 'eot' });
      }
      if (stx === -1) {
        this.#buf = '';
        return out;
      }
      this.#buf = this.#buf.slice(stx);
      const next = this.#buf.indexOf(STX, 1);
      const endAt = firstOf(this.#buf, [ETX, ETB]);
      if (next !== -1 && (endAt === -1 || next < endAt)) {
        this.#buf = this.#buf.slice(next);
        out.push({ kind: 'bad-frame' });
        continue;
      }
      // STX FN ... ETX C1 C2 CR LF: the frame is complete four characters after its ETX/ETB.
      if (endAt === -1 || this.#buf.length < endAt + 5) return out;
      const body = this.#buf.slice(1, endAt + 1);
      const checksum = this.#buf.slice(endAt + 1, endAt + 3);
      this.#buf = this.#buf.slice(endAt + 5);
      const fn = Number(body[0]);
      if (!Number.isInteger(fn)) {
        out.push({ kind: 'bad-frame' });
        continue;
      }
      out.push({ kind: 'frame', fn, text: body.slice(1, -1), last: body.endsWith(ETX), checksumOk: sum8(body) === checksum.toUpperCase() });
    }
  }

  clear(): void {
    this.#buf = '';
  }
}

function firstOf(s: string, chars: string[]): number {
  const at = chars.map((c) => s.indexOf(c)).filter((i) => i !== -1);
  return at.length === 0 ? -1 : Math.min(...at);
}
