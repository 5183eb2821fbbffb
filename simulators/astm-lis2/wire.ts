// The analyzer's side of E1381 framing, written apart from the driver's so that one mistake
// cannot hide in both: records to frame texts, frames with their checksum, field escaping.

export const STX = '\x02';
export const ETX = '\x03';
export const EOT = '\x04';
export const ENQ = '\x05';
export const ACK = '\x06';
export const NAK = '\x15';
export const ETB = '\x17';

/** Text per frame (E1381). */
export const FRAME_TEXT = 240;

export interface FrameText {
  text: string;
  /** ETX (end of record) rather than ETB (record continues in the next frame). */
  last: boolean;
}

/** Each record starts a frame; a record (with its CR) longer than 240 chars continues with ETB. */
export function frameTexts(records: readonly string[]): FrameText[] {
  const out: FrameText[] = [];
  for (const record of records) {
    const text = `${record}\r`;
    for (let at = 0; at < text.length; at += FRAME_TEXT) {
      out.push({ text: text.slice(at, at + FRAME_TEXT), last: at + FRAME_TEXT >= text.length });
    }
  }
  return out;
}

export function sum8(text: string): string {
  let total = 0;
  for (let i = 0; i < text.length; i++) total += text.charCodeAt(i);
  return (total % 256).toString(16).toUpperCase().padStart(2, '0');
}

/** `<STX> FN text <ETB|ETX> C1 C2 <CR><LF>`; `badChecksum` sends a checksum off by one. */
export function frame(fn: number, f: FrameText, badChecksum = false): string {
  const body = `${fn % 8}${f.text}${f.last ? ETX : ETB}`;
  let cs = sum8(body);
  if (badChecksum) cs = ((parseInt(cs, 16) + 1) % 256).toString(16).toUpperCase().padStart(2, '0');
  return `${STX}${body}${cs}\r\n`;
}

/** Escapes the delimiters `|\^&` inside a field value (E1394 &F& &R& &S& &E&). */
export function esc(value: string): string {
  return value.replace(/[|\\^&]/g, (c) => ({ '|': '&F&', '\\': '&R&', '^': '&S&', '&': '&E&' })[c] ?? c);
}
