// Line assembly for line-oriented device protocols (chunking of every kind in, whole lines out).
// CR, LF and CRLF all end a line (empty lines are dropped), so a device's terminator choice
// does not matter. Bytes map 1:1 to chars (latin1) so binary garbage keeps its length.

export type SplitEvent =
  | { kind: 'line'; line: string }
  /** A line grew past the limit: its first `maxLength` bytes, the rest is skipped to the next terminator. */
  | { kind: 'overflow'; bytes: string; maxLength: number };

export const DEFAULT_MAX_LINE_LENGTH = 256;

export class LineSplitter {
  readonly maxLength: number;
  private buffer = '';
  private discarding = false;

  constructor(maxLength = DEFAULT_MAX_LINE_LENGTH) {
    if (!Number.isInteger(maxLength) || maxLength < 1) throw new Error(`maxLength must be a positive integer, got ${maxLength}`);
    this.maxLength = maxLength;
  }

  push(chunk: Uint8Array): SplitEvent[] {
    const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    const events: SplitEvent[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0d || c === 0x0a) {
        this.append(text.slice(start, i), events);
        start = i + 1;
        this.endLine(events);
      }
    }
    this.append(text.slice(start), events);
    return events;
  }

  /** Drops a partial line (link down, resync). */
  reset(): void {
    this.buffer = '';
    this.discarding = false;
  }

  /** Whether a partial line is waiting for its terminator. */
  get pending(): boolean {
    return this.buffer.length > 0 || this.discarding;
  }

  private append(piece: string, events: SplitEvent[]): void {
    if (this.discarding || piece.length === 0) return;
    const room = this.maxLength - this.buffer.length;
    if (piece.length <= room) {
      this.buffer += piece;
      return;
    }
    events.push({ kind: 'overflow', bytes: this.buffer + piece.slice(0, room), maxLength: this.maxLength });
    this.buffer = '';
    this.discarding = true;
  }

  private endLine(events: SplitEvent[]): void {
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    if (this.buffer.length > 0) events.push({ kind: 'line', line: this.buffer });
    this.buffer = '';
  }
}
