// MLLP framing (HL7 v2.5.1 Appendix C; docs/protocols.md#mllp-framing): <VT> message <FS><CR>. Encoding is one line; decoding is a
// byte state machine that gives the same result for any chunking of its input.

export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;

/** Big enough for an ORU carrying a base64 EKG PDF; small enough that a runaway peer cannot exhaust memory. */
export const DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

export function encodeFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  const frame = Buffer.allocUnsafe(body.length + 3);
  frame[0] = VT;
  body.copy(frame, 1);
  frame[body.length + 1] = FS;
  frame[body.length + 2] = CR;
  return frame;
}

export interface DecodeResult {
  messages: string[];
  /** Human-readable framing problems; they carry byte counts only, never message content. */
  errors: string[];
  /** Set when a frame grew past the size limit in this chunk (a listener may close the connection). */
  oversized?: true;
}

export interface MllpDecoderOptions {
  maxFrameBytes?: number;
}

type State =
  | 'hunting' // outside a frame, looking for VT
  | 'inFrame' // after VT, collecting message bytes
  | 'sawFs' // inside a frame, the last byte was FS
  | 'discarding' // the frame grew past the limit: skip it up to its end or the next VT
  | 'discardingSawFs';

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Bytes a sender may put between frames (line ends after FS CR, padding) that are not worth a warning. */
function isFiller(byte: number): boolean {
  return byte === CR || byte === 0x0a || byte === 0x20 || byte === 0x09 || byte === 0x00;
}

export class MllpDecoder {
  readonly maxFrameBytes: number;
  private state: State = 'hunting';
  private parts: Buffer[] = [];
  private frameBytes = 0;
  /** The current run of bytes outside a frame: reported once, when it ends, so chunking does not change the report. */
  private noiseBytes = 0;
  private noiseIsFiller = true;

  constructor(opts: MllpDecoderOptions = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  push(chunk: Uint8Array): DecodeResult {
    const out: DecodeResult = { messages: [], errors: [] };
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let i = 0;
    while (i < buf.length) {
      switch (this.state) {
        case 'hunting': {
          const start = buf.indexOf(VT, i);
          const end = start === -1 ? buf.length : start;
          this.noise(buf, i, end);
          if (start === -1) return out;
          this.flushNoise(out);
          this.startFrame();
          i = start + 1;
          break;
        }
        case 'inFrame': {
          let j = i;
          while (j < buf.length && buf[j] !== VT && buf[j] !== FS) j++;
          this.collect(buf.subarray(i, j), out);
          if (j === buf.length) return out;
          if (this.state !== 'inFrame') {
            i = j; // the limit was crossed: let the discarding state see the delimiter
          } else if (buf[j] === FS) {
            this.state = 'sawFs';
            i = j + 1;
          } else {
            out.errors.push(`frame cut after ${this.frameBytes} bytes by a new start byte (VT); partial frame dropped`);
            this.startFrame();
            i = j + 1;
          }
          break;
        }
        case 'sawFs': {
          const byte = buf[i]!;
          if (byte === CR) {
            out.messages.push(this.finishFrame(out));
            this.state = 'hunting';
            i++;
          } else if (byte === VT) {
            out.errors.push(`frame cut after ${this.frameBytes + 1} bytes: end byte FS not followed by CR before a new start byte (VT); partial frame dropped`);
            this.startFrame();
            i++;
          } else {
            // Only the pair FS CR ends a block (MLLP release 1; Mirth's FrameStreamHandler matches the
            // whole end sequence too), so a lone FS is content: keep it and read on. Ending on a bare FS
            // would truncate a message that a spec-conformant engine delivers whole.
            this.state = 'inFrame';
            this.collect(Buffer.from([FS]), out);
          }
          break;
        }
        case 'discarding':
        case 'discardingSawFs': {
          const byte = buf[i]!;
          if (byte === VT) {
            this.startFrame();
          } else if (this.state === 'discardingSawFs' && byte === CR) {
            this.state = 'hunting';
          } else {
            this.state = byte === FS ? 'discardingSawFs' : 'discarding';
          }
          i++;
          break;
        }
      }
    }
    return out;
  }

  /** The stream ended: report what was left unfinished. The decoder is ready for a new stream afterwards. */
  end(): DecodeResult {
    const out: DecodeResult = { messages: [], errors: [] };
    this.flushNoise(out);
    if (this.state === 'inFrame' || this.state === 'sawFs') {
      const bytes = this.frameBytes + (this.state === 'sawFs' ? 1 : 0);
      out.errors.push(`stream ended inside a frame after ${bytes} bytes; partial frame dropped`);
    }
    this.parts = [];
    this.frameBytes = 0;
    this.state = 'hunting';
    return out;
  }

  private startFrame(): void {
    this.parts = [];
    this.frameBytes = 0;
    this.state = 'inFrame';
  }

  private collect(bytes: Buffer, out: DecodeResult): void {
    if (bytes.length === 0) return;
    if (this.frameBytes + bytes.length > this.maxFrameBytes) {
      out.errors.push(`frame larger than ${this.maxFrameBytes} bytes dropped; resyncing at the next start byte (VT)`);
      out.oversized = true;
      this.parts = [];
      this.frameBytes = 0;
      this.state = 'discarding';
      return;
    }
    // Copy: the caller may reuse its chunk buffer after push returns.
    this.parts.push(Buffer.from(bytes));
    this.frameBytes += bytes.length;
  }

  private finishFrame(out: DecodeResult): string {
    const bytes = Buffer.concat(this.parts, this.frameBytes);
    this.parts = [];
    this.frameBytes = 0;
    try {
      return utf8.decode(bytes);
    } catch {
      // Senders declaring MSH-18 8859/1 exist; latin1 keeps every byte as one character, nothing is lost.
      out.errors.push(`frame of ${bytes.length} bytes is not valid UTF-8; decoded as ISO-8859-1`);
      return latin1.decode(bytes);
    }
  }

  private noise(buf: Buffer, from: number, to: number): void {
    for (let k = from; k < to && this.noiseIsFiller; k++) {
      if (!isFiller(buf[k]!)) this.noiseIsFiller = false;
    }
    this.noiseBytes += to - from;
  }

  private flushNoise(out: DecodeResult): void {
    if (this.noiseBytes > 0 && !this.noiseIsFiller) {
      out.errors.push(`skipped ${this.noiseBytes} bytes outside a frame`);
    }
    this.noiseBytes = 0;
    this.noiseIsFiller = true;
  }
}
