// Recovery from a line that carries a cut-off fragment in front of a good record (a device that
// lost the end of one line, or noise without a newline): try the line's tails, shortest prefix
// first, and keep the first tail that decodes. The fragment is reported, never merged into a value.

import type { Refusal } from '../../src/model/driver.ts';

export type Decoded<T> = { ok: true; value: T } | ({ ok: false } & Refusal);

export interface Resynced<T> {
  result: Decoded<T>;
  /** The leading bytes dropped to reach a valid record, if any. */
  discarded?: string;
}

export function decodeWithResync<T>(
  line: string,
  decode: (text: string) => Decoded<T>,
  /** Which decoded tails count as a real record (not, say, a bare prompt). */
  isRecord: (value: T) => boolean = () => true,
): Resynced<T> {
  const whole = decode(line);
  if (whole.ok) return { result: whole };
  for (let i = 1; i < line.length; i++) {
    const tail = decode(line.slice(i));
    if (tail.ok && isRecord(tail.value)) return { result: tail, discarded: line.slice(0, i) };
  }
  return { result: whole };
}
