// A small HL7 v2 splitter: segments, fields, repetitions, components, subcomponents, with the
// separators read from MSH-1/MSH-2 of the message at hand by the gateway's one rule
// (src/hl7/delimiters.ts). Values are unescaped after splitting (src/hl7/escape.ts), so an escaped
// delimiter (\S\, \F\ ...) never splits anything.

import { readDelimiters, type Delimiters } from '../../src/hl7/delimiters.ts';
import { unescapeHl7 } from '../../src/hl7/escape.ts';

export interface Segment {
  name: string;
  /** fields[n] is field n, raw. For MSH, fields[1] is the field separator and fields[2] the encoding characters. */
  fields: string[];
  /** The segment text as received (without its terminator). */
  text: string;
}

export interface Hl7Text {
  delimiters: Delimiters;
  segments: Segment[];
}

/** `inHeader`: the MSH itself is unusable, so nothing in the message can be trusted (not even MSH-10). */
export type SplitResult = { ok: true; value: Hl7Text } | { ok: false; reason: string; detail?: string; inHeader: boolean };

const SEGMENT_NAME = /^[A-Z][A-Z0-9]{2}$/;

export function splitHl7(text: string): SplitResult {
  // CR ends a segment; LF and CRLF are tolerated (some analyzers, hand-made files).
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.replace(/^\s+/, ''))
    .filter((l) => l !== '');
  const msh = lines[0];
  if (msh === undefined) return { ok: false, reason: 'empty message', inHeader: true };
  if (!msh.startsWith('MSH')) return { ok: false, reason: 'message does not start with an MSH segment', inHeader: true };
  const declared = readDelimiters(msh);
  if (!declared.ok) return { ...declared, inHeader: true };
  const { delimiters } = declared;
  const field = delimiters.field;

  const segments: Segment[] = [];
  for (const [i, line] of lines.entries()) {
    const parts = line.split(field);
    const name = parts[0] ?? '';
    if (!SEGMENT_NAME.test(name))
      return { ok: false, reason: `segment ${i + 1} does not start with a segment name (3 capitals/digits then "${field}")`, inHeader: false };
    if (name === 'MSH' && i > 0) return { ok: false, reason: `segment ${i + 1} is a second MSH: two messages in one frame`, inHeader: false };
    // MSH-1 is the separator itself, so MSH fields sit one place later than other segments'.
    const fields = name === 'MSH' ? ['MSH', field, ...parts.slice(1)] : parts;
    segments.push({ name, fields, text: line });
  }
  return { ok: true, value: { delimiters, segments } };
}

/** Accessors bound to one message's separators. Positions are 1-based as in the HL7 standard. */
export class Hl7Reader {
  constructor(readonly delimiters: Delimiters) {}

  /** Raw repetitions of field n (MSH-1 and MSH-2 are never split). */
  repetitions(seg: Segment | undefined, n: number): string[] {
    const value = seg?.fields[n] ?? '';
    if (value === '') return [];
    if (seg?.name === 'MSH' && n <= 2) return [value];
    return value.split(this.delimiters.repetition);
  }

  /** Raw component c (and subcomponent s) of one repetition's raw text. */
  part(raw: string, c?: number, s?: number): string {
    let value = raw;
    if (c !== undefined) value = value.split(this.delimiters.component)[c - 1] ?? '';
    if (s !== undefined) value = value.split(this.delimiters.subcomponent)[s - 1] ?? '';
    return value;
  }

  /** Unescaped, trimmed text of field n, first repetition, optional component/subcomponent. */
  get(seg: Segment | undefined, n: number, c?: number, s?: number): string {
    return this.text(this.part(this.repetitions(seg, n)[0] ?? '', c, s));
  }

  text(raw: string): string {
    return unescapeHl7(raw, this.delimiters).trim();
  }
}

/** `""` is HL7's explicit null (v2.5.1 section 2.5.3): no value. */
export function nonNull(value: string): string {
  return value === '""' ? '' : value;
}
