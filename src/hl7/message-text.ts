// HL7 v2 message text split into segments and read field by field, with the delimiters the message
// declares (delimiters.ts) and values unescaped by the one policy (escape.ts): what reads an ACK and
// what the demo EHR reads of a result. Fields are found on demand, nothing is split that is not read.

import { DEFAULT_DELIMITERS, readDelimiters, type Delimiters } from './delimiters.ts';
import { unescapeHl7 } from './escape.ts';

export interface ParsedSegment {
  /** The text before the first field separator. */
  name: string;
  /** The whole segment, its fields read on demand (an ACK is read for three or four of them). */
  line: string;
}

export interface Parsed {
  delimiters: Delimiters;
  segments: ParsedSegment[];
}

function parsedSegment(line: string, field: string): ParsedSegment {
  const end = line.indexOf(field);
  return { name: end === -1 ? line : line.slice(0, end), line };
}

/**
 * Reads the separators from MSH and splits the text into segments; undefined when there is no
 * usable MSH. Reads any layout: a BOM, CR, LF or CRLF segment ends, leading whitespace, any
 * separators MSH-1/MSH-2 declare.
 */
export function splitMessage(text: string): Parsed | undefined {
  // Segment terminators: CR per the standard; LF and CRLF tolerated (files, hand-made test text).
  const lines = text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.replace(/^\s+/, ''));
  const mshLine = lines.find((l) => l.startsWith('MSH'));
  const declared = mshLine === undefined ? undefined : readDelimiters(mshLine);
  if (declared === undefined || !declared.ok) return undefined;
  const { delimiters } = declared;
  const segments: ParsedSegment[] = [];
  for (const line of lines) {
    if (line !== '') segments.push(parsedSegment(line, delimiters.field));
  }
  return { delimiters, segments };
}

const PLAIN_MSH = 'MSH|^~\\&|';

/**
 * splitMessage for the text almost every EHR answers with: MSH first with the default separators,
 * each segment starting with a printable ASCII character (no BOM, no leading whitespace).
 * Undefined for anything else, which splitMessage then reads.
 */
export function splitPlainMessage(text: string): Parsed | undefined {
  if (!text.startsWith(PLAIN_MSH)) return undefined;
  const segments: ParsedSegment[] = [];
  let start = 0;
  while (start <= text.length) {
    let end = start;
    while (end < text.length) {
      const c = text.charCodeAt(end);
      if (c === 0x0d || c === 0x0a) break;
      end++;
    }
    if (end > start) {
      // What splitMessage would trim (any \s, BOM included) starts with a control or non-ASCII character.
      const first = text.charCodeAt(start);
      if (first <= 0x20 || first >= 0x7f) return undefined;
      segments.push(parsedSegment(text.slice(start, end), '|'));
    }
    // After CR of a CRLF, the LF ends an empty line, which is skipped like splitMessage's.
    start = end + 1;
  }
  return { delimiters: DEFAULT_DELIMITERS, segments };
}

/** The first segment of that name. */
export function segmentNamed(p: Parsed, name: string): ParsedSegment | undefined {
  return p.segments.find((s) => s.name === name);
}

/** `text.split(separator)[index] ?? ''` without building the array; separator is one character. */
export function nthPiece(text: string, separator: string, index: number): string {
  let start = 0;
  for (let i = 0; i < index; i++) {
    const at = text.indexOf(separator, start);
    if (at === -1) return '';
    start = at + 1;
  }
  const end = text.indexOf(separator, start);
  return end === -1 ? text.slice(start) : text.slice(start, end);
}

/** Field n of a segment, as text (n >= 1); MSH-1 is the field separator itself, so MSH-n is piece n-1. */
function field(p: Parsed, seg: ParsedSegment, n: number): string {
  const f = p.delimiters.field;
  if (seg.name !== 'MSH') return nthPiece(seg.line, f, n);
  return n === 1 ? f : nthPiece(seg.line, f, n - 1);
}

/** Raw text of field n, first repetition, optional component/subcomponent (1-based). */
export function rawField(p: Parsed, seg: ParsedSegment | undefined, n: number, component?: number, sub?: number): string {
  if (seg === undefined) return '';
  let value = field(p, seg, n);
  if (seg.name === 'MSH' && n <= 2) return value;
  value = nthPiece(value, p.delimiters.repetition, 0);
  if (component !== undefined) value = nthPiece(value, p.delimiters.component, component - 1);
  if (sub !== undefined) value = nthPiece(value, p.delimiters.subcomponent, sub - 1);
  return value;
}

/** rawField unescaped and trimmed. */
export function fieldText(p: Parsed, seg: ParsedSegment | undefined, n: number, component?: number, sub?: number): string {
  return unescapeHl7(rawField(p, seg, n, component, sub), p.delimiters).trim();
}
