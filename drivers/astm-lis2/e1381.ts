// ASTM E1381 / CLSI LIS1-A low-level constants and the frame checksum (docs/protocols.md#astm-e1381-low-level).

export const STX = 0x02;
export const ETX = 0x03;
export const EOT = 0x04;
export const ENQ = 0x05;
export const ACK = 0x06;
export const LF = 0x0a;
export const CR = 0x0d;
export const NAK = 0x15;
export const ETB = 0x17;

/** E1381: at most 240 text chars per frame (247 with STX, FN, ETB/ETX, C1 C2, CR LF). */
export const DEFAULT_MAX_FRAME_TEXT = 240;

/** Sum of the bytes from FN through ETB/ETX inclusive, mod 256, as two uppercase hex chars. */
export function checksum(bytes: ArrayLike<number>): string {
  let sum = 0;
  for (let i = 0; i < bytes.length; i++) sum = (sum + (bytes[i] ?? 0)) & 0xff;
  return sum.toString(16).toUpperCase().padStart(2, '0');
}

/** Checksum of `FN text terminator` given as latin1 text. */
export function checksumOfText(body: string): string {
  return checksum(Buffer.from(body, 'latin1'));
}

/**
 * The offending bytes as a protocol error may carry them: control characters kept, printable text
 * masked, because frame text carries names and results and protocol errors are logged above debug.
 */
export function maskedBytes(bytes: ArrayLike<number>, max = 32): string {
  let out = '';
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) {
    const b = bytes[i] ?? 0;
    out += b >= 0x20 && b < 0x7f ? '.' : String.fromCharCode(b);
  }
  return bytes.length > max ? `${out}…(${bytes.length} bytes)` : out;
}
