// HL7 v2 acknowledgements: read what an EHR answered (parseAck) and answer a message we received
// (buildAck). PROTOCOLS.md 3.1-3.2. A small splitter of our own: an ACK is a few fields, and the
// separators must come from MSH-1/MSH-2 of the text at hand, whatever they are.

import { randomBytes } from 'node:crypto';
import type { Ack, AckCode } from './ack-types.ts';
import { hl7Timestamp } from './datetime.ts';

const ACK_CODES: readonly AckCode[] = ['AA', 'AE', 'AR', 'CA', 'CE', 'CR'];

export function isAckCode(value: string): value is AckCode {
  return (ACK_CODES as readonly string[]).includes(value);
}

export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

export const DEFAULT_DELIMITERS: Delimiters = { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&' };

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
  if (mshLine === undefined || mshLine.length < 8) return undefined;
  const field = mshLine.charAt(3);
  const rest = mshLine.slice(4);
  const encEnd = rest.indexOf(field);
  const enc = encEnd === -1 ? rest : rest.slice(0, encEnd);
  if (enc.length < 3) return undefined;
  const delimiters: Delimiters = {
    field,
    component: enc.charAt(0),
    repetition: enc.charAt(1),
    escape: enc.charAt(2),
    subcomponent: enc.length > 3 ? enc.charAt(3) : '&',
  };
  const all = [delimiters.field, delimiters.component, delimiters.repetition, delimiters.escape, delimiters.subcomponent];
  if (new Set(all).size !== all.length || all.some((c) => /[A-Za-z0-9\s]/.test(c))) return undefined;

  const segments: ParsedSegment[] = [];
  for (const line of lines) {
    if (line !== '') segments.push(parsedSegment(line, field));
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

function segment(p: Parsed, name: string): ParsedSegment | undefined {
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
function raw(p: Parsed, seg: ParsedSegment | undefined, n: number, component?: number, sub?: number): string {
  if (seg === undefined) return '';
  let value = field(p, seg, n);
  if (seg.name === 'MSH' && n <= 2) return value;
  value = nthPiece(value, p.delimiters.repetition, 0);
  if (component !== undefined) value = nthPiece(value, p.delimiters.component, component - 1);
  if (sub !== undefined) value = nthPiece(value, p.delimiters.subcomponent, sub - 1);
  return value;
}

function text(p: Parsed, seg: ParsedSegment | undefined, n: number, component?: number, sub?: number): string {
  return unescapeHl7(raw(p, seg, n, component, sub), p.delimiters).trim();
}

export function unescapeHl7(value: string, d: Delimiters = DEFAULT_DELIMITERS): string {
  const e = d.escape;
  if (!value.includes(e)) return value;
  let out = '';
  let i = 0;
  while (i < value.length) {
    const ch = value.charAt(i);
    const close = ch === e ? value.indexOf(e, i + 1) : -1;
    if (close === -1) {
      out += ch;
      i++;
      continue;
    }
    const seq = value.slice(i + 1, close);
    i = close + 1;
    if (seq === 'F') out += d.field;
    else if (seq === 'S') out += d.component;
    else if (seq === 'T') out += d.subcomponent;
    else if (seq === 'R') out += d.repetition;
    else if (seq === 'E') out += d.escape;
    else if (seq === '.br') out += '\n';
    else if (/^X([0-9A-Fa-f]{2})+$/.test(seq)) out += Buffer.from(seq.slice(1), 'hex').toString('latin1');
    else if (seq === 'H' || seq === 'N')
      out += ''; // highlighting on/off: formatting only
    else out += `${e}${seq}${e}`; // unknown sequence: keep it visible rather than guess
  }
  return out;
}

export function escapeHl7(value: string, d: Delimiters = DEFAULT_DELIMITERS): string {
  let out = '';
  for (const ch of value) {
    if (ch === d.escape) out += `${d.escape}E${d.escape}`;
    else if (ch === d.field) out += `${d.escape}F${d.escape}`;
    else if (ch === d.component) out += `${d.escape}S${d.escape}`;
    else if (ch === d.subcomponent) out += `${d.escape}T${d.escape}`;
    else if (ch === d.repetition) out += `${d.escape}R${d.escape}`;
    else if (ch.charCodeAt(0) < 0x20 || ch === '\x7f') {
      // CR would end the segment, VT/FS would break MLLP framing: send them as hex escapes.
      out += `${d.escape}X${ch.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}${d.escape}`;
    } else out += ch;
  }
  return out;
}

/**
 * Reads an acknowledgement. Throws an Error naming what is missing or wrong; the caller (the MLLP
 * client) turns that into a protocol error.
 */
export function parseAck(ackText: string): Ack {
  const p = splitPlainMessage(ackText) ?? splitMessage(ackText);
  if (!p) throw new Error('ACK has no MSH segment (or its MSH-1/MSH-2 separators are unusable)');
  const msa = segment(p, 'MSA');
  if (!msa) throw new Error('ACK has no MSA segment');
  const code = text(p, msa, 1, 1).toUpperCase();
  if (!isAckCode(code)) {
    throw new Error(`ACK MSA-1 is ${code === '' ? 'empty' : `"${code.slice(0, 10)}"`}, expected one of ${ACK_CODES.join('/')}`);
  }
  const controlId = text(p, msa, 2);
  if (controlId === '') throw new Error('ACK MSA-2 (control ID of the acknowledged message) is empty');

  const err = p.segments.find(
    (s) =>
      s.name === 'ERR' &&
      s.line
        .split(p.delimiters.field)
        .slice(1)
        .some((f) => f.trim() !== ''),
  );
  // ERR-3 (v2.5+, CWE) / ERR-1.4 (v2.3-2.4, ELD's CE code) / MSA-6 (v2.3 and older, CE).
  const errorCode = firstNonEmpty(text(p, err, 3, 1), text(p, err, 1, 4, 1), text(p, msa, 6, 1));
  const reason = firstNonEmpty(
    text(p, msa, 3),
    text(p, err, 8), // ERR-8 user message
    text(p, err, 3, 2),
    text(p, err, 1, 4, 2),
    text(p, msa, 6, 2),
  );

  const ack: Ack = { code, controlId, raw: ackText };
  if (reason !== '') ack.text = reason;
  if (errorCode !== '') ack.errorCode = errorCode;
  return ack;
}

function firstNonEmpty(...values: string[]): string {
  return values.find((v) => v !== '') ?? '';
}

export interface BuildAckOptions {
  /** MSA-3 / ERR text (plain text; escaped here). */
  text?: string;
  /** HL7 table 0357 code for ERR-3 (v2.5+) or ERR-1.4 (older), e.g. "207". */
  errorCode?: string;
  /** Our MSH-3 / MSH-4; `^` separates components. Default: the message's MSH-5 / MSH-6. */
  sendingApp?: string;
  sendingFacility?: string;
  /** MSH-10 of the ACK; generated when absent. */
  controlId?: string;
  now?: Date;
}

/**
 * Builds the ACK for a received message. Never throws: a message without a usable MSH gets an ACK
 * with an empty MSA-2, and an accept code (AA/CA) is turned into a reject (AR/CR), because there is
 * nothing we could have accepted.
 */
export function buildAck(message: string, code: AckCode, opts: BuildAckOptions = {}): string {
  const p = splitMessage(message);
  const d = p?.delimiters ?? DEFAULT_DELIMITERS;
  const msh = p ? segment(p, 'MSH') : undefined;
  const rawField = (n: number): string => (p && msh ? raw(p, msh, n) : '');

  let ackCode = code;
  let reason = opts.text;
  let errorCode = opts.errorCode;
  if (!msh) {
    if (ackCode === 'AA') ackCode = 'AR';
    if (ackCode === 'CA') ackCode = 'CR';
    reason ??= 'message has no usable MSH segment';
    errorCode ??= '100';
  }

  const version = unescapeHl7(rawField(12), d).split(d.component)[0] || '2.5';
  const trigger = p && msh ? raw(p, msh, 9, 2) : '';
  const f = d.field;
  const c = d.component;
  const localField = (value: string | undefined, fallback: string): string =>
    value === undefined
      ? fallback
      : value
          .split('^')
          .map((part) => escapeHl7(part, d))
          .join(c);

  const mshFields = [
    'MSH',
    d.component + d.repetition + d.escape + d.subcomponent,
    localField(opts.sendingApp, rawField(5)),
    localField(opts.sendingFacility, rawField(6)),
    rawField(3),
    rawField(4),
    // In UTC (+0000): unambiguous whatever the host's zone.
    hl7Timestamp(opts.now ?? new Date(), 0),
    '',
    trigger === '' ? 'ACK' : `ACK${c}${trigger}${c}ACK`,
    escapeHl7(opts.controlId ?? newControlId(), d),
    rawField(11) || 'P',
    rawField(12) || '2.5',
  ];
  const segments = [mshFields.join(f)];

  const msa = ['MSA', ackCode, rawField(10)];
  if (reason !== undefined && reason !== '') msa.push(escapeHl7(reason, d));
  segments.push(msa.join(f));

  if (errorCode !== undefined && errorCode !== '') {
    const reasonText = escapeHl7(reason ?? '', d);
    const codeText = escapeHl7(errorCode, d);
    if (versionAtLeast(version, 2, 5)) {
      // ERR-3 error code (CWE, table 0357), ERR-4 severity E, ERR-8 user message.
      segments.push(['ERR', '', '', [codeText, reasonText, 'HL70357'].join(c), 'E', '', '', '', reasonText].join(f));
    } else {
      // Before 2.5: ERR-1 is ELD (segment^sequence^field^code as CE in subcomponents).
      const s = d.subcomponent;
      segments.push(['ERR', `${c}${c}${c}${codeText}${s}${reasonText}${s}HL70357`].join(f));
    }
  }
  return segments.join('\r') + '\r';
}

function versionAtLeast(version: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return true;
  const [maj, min] = [Number(m[1]), Number(m[2])];
  return maj > major || (maj === major && min >= minor);
}

/** 20 characters at most (MSH-10 is ST(20) up to v2.6). */
function newControlId(): string {
  return `ACK${Date.now().toString(36).toUpperCase()}${randomBytes(4).toString('hex').toUpperCase()}`.slice(0, 20);
}
