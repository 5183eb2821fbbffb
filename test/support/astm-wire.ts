// An analyzer's side of ASTM E1381, written plainly for tests (a third implementation beside the
// driver's and the simulator's, so no shared mistake can hide).

export const ENQ = '\x05';
export const ACK = '\x06';
export const NAK = '\x15';
export const EOT = '\x04';
export const STX = '\x02';
export const ETX = '\x03';
export const ETB = '\x17';

export function checksum(body: string): string {
  let sum = 0;
  for (const ch of body) sum = (sum + ch.charCodeAt(0)) & 0xff;
  return sum.toString(16).toUpperCase().padStart(2, '0');
}

/** One frame: `<STX> FN text <ETX|ETB> C1 C2 <CR><LF>`. */
export function frame(fn: number, text: string, last = true): string {
  const body = `${fn % 8}${text}${last ? ETX : ETB}`;
  return `${STX}${body}${checksum(body)}\r\n`;
}

/** Records (each without its CR) to frames numbered from 1, one record per frame, split at 240 chars. */
export function framesOf(records: string[]): string[] {
  const frames: string[] = [];
  let fn = 1;
  for (const record of records) {
    let text = `${record}\r`;
    while (text.length > 240) {
      frames.push(frame(fn++, text.slice(0, 240), false));
      text = text.slice(240);
    }
    frames.push(frame(fn++, text, true));
  }
  return frames;
}
