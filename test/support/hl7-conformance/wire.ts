// The encoding rules of HL7 v2 (v2.5.1 and v2.6 ch. 2, "Message construction rules"): segments end
// with CR, MSH-1 is the field separator and MSH-2 the other four delimiters, then fields split into
// repetitions, components and subcomponents. Splitting is purely syntactic; what a piece must look
// like is decided by the data type definitions (datatypes.ts) and the checker (check.ts).

export interface Delimiters {
  field: string;
  component: string;
  repetition: string;
  escape: string;
  subcomponent: string;
}

export interface WireSegment {
  /** 0-based position in the message. */
  index: number;
  name: string;
  /** `fields[n]` is SEG-n as sent (MSH-1 and MSH-2 included); `fields[0]` is the name. */
  fields: string[];
}

export interface TextProblem {
  rule: 'terminator' | 'control-char' | 'segment-name';
  where: string;
  message: string;
}

export interface WireMessage {
  delimiters: Delimiters;
  segments: WireSegment[];
  /** Problems found before any segment is read: terminators, control characters, segment names. */
  problems: TextProblem[];
}

/** HL7 v2 ch. 2: the segment name is three characters, an upper-case letter then letters or digits. */
const SEGMENT_NAME = /^[A-Z][A-Z0-9]{2}$/;

/** Splits a message into segments and fields; a message whose MSH cannot be read throws. */
export function readWire(text: string): WireMessage {
  const problems: TextProblem[] = [];
  if (!text.startsWith('MSH')) throw new Error('the message does not start with MSH');
  const d: Delimiters = {
    field: text.charAt(3),
    component: text.charAt(4),
    repetition: text.charAt(5),
    escape: text.charAt(6),
    subcomponent: text.charAt(7),
  };
  // HL7 v2 ch. 2 "Segments": each segment ends with the carriage return (ASCII 13); LF is not a terminator.
  if (!text.endsWith('\r')) problems.push({ rule: 'terminator', where: 'end of message', message: 'the last segment does not end with CR' });
  const body = text.endsWith('\r') ? text.slice(0, -1) : text;
  const rawSegments = body.split('\r');
  const segments: WireSegment[] = [];
  rawSegments.forEach((raw, index) => {
    const where = `segment ${index + 1}`;
    if (raw === '') {
      problems.push({ rule: 'terminator', where, message: 'empty segment (two CRs in a row)' });
      return;
    }
    // Text never carries raw control characters: CR/LF in data travel as \X0D\ \X0A\ (ch. 2 escape sequences).
    for (const [i, ch] of [...raw].entries()) {
      const code = ch.charCodeAt(0);
      if (code < 0x20 || code === 0x7f) {
        problems.push({
          rule: 'control-char',
          where: `${where}, character ${i + 1}`,
          message: `raw control character 0x${code.toString(16).padStart(2, '0')} (LF, TAB or an MLLP byte inside a segment)`,
        });
      }
    }
    const name = raw.slice(0, 3);
    if (!SEGMENT_NAME.test(name) || (raw.length > 3 && raw.charAt(3) !== d.field)) {
      problems.push({ rule: 'segment-name', where, message: `"${raw.slice(0, 8)}" does not start with a segment name and a field separator` });
    }
    const parts = raw.split(d.field);
    // MSH-1 is the field separator itself and MSH-2 the encoding characters: shift by one.
    const fields = name === 'MSH' ? ['MSH', d.field, ...parts.slice(1)] : parts;
    segments.push({ index: segments.length, name, fields });
  });
  return { delimiters: d, segments, problems };
}

/** Repetitions, components, subcomponents of one field (no unescaping). */
export function repetitions(field: string, d: Delimiters): string[] {
  return field === '' ? [] : field.split(d.repetition);
}

export function components(value: string, d: Delimiters): string[] {
  return value.split(d.component);
}

export function subcomponents(value: string, d: Delimiters): string[] {
  return value.split(d.subcomponent);
}

export type EscapeProblem = { kind: 'malformed'; at: number; text: string } | { kind: 'formatting'; at: number; text: string };

// HL7 v2.5.1 / v2.6 ch. 2.7 "Use of escape sequences in text fields": \F\ \S\ \T\ \R\ \E\ delimiters,
// \H\ \N\ highlighting, \Xhh..\ hex data, \Zxx\ locally defined, \Cxxyy\ \Mxxyyzz\ character sets;
// the formatting commands \.br\ \.sp\ \.fi\ \.nf\ \.in\ \.ti\ \.sk\ \.ce\ belong to FT (ch. 2.7 "Formatted text").
const ESCAPE = /^\\(?:[FSTRE]|[HN]|X(?:[0-9A-Fa-f]{2})+|Z[^\\]*|C[0-9A-Fa-f]{4}|M[0-9A-Fa-f]{4}(?:[0-9A-Fa-f]{2})?)\\/;
const FORMATTING = /^\\\.(?:br|fi|nf|ce|sp\d*|in[+-]?\d*|ti[+-]?\d*|sk[+-]?\d*)\\/;

/** Escape sequences in one primitive value: every escape character must open a complete sequence. */
export function escapeProblems(value: string, d: Delimiters, formattedText: boolean): EscapeProblem[] {
  const out: EscapeProblem[] = [];
  const pattern = d.escape === '\\' ? null : new RegExp(`\\${d.escape}`, 'g');
  const text = pattern ? value.replace(pattern, '\\') : value;
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== '\\') continue;
    const rest = text.slice(i);
    const esc = ESCAPE.exec(rest);
    if (esc) {
      i += esc[0].length - 1;
      continue;
    }
    const fmt = FORMATTING.exec(rest);
    if (fmt) {
      if (!formattedText) out.push({ kind: 'formatting', at: i, text: fmt[0] });
      i += fmt[0].length - 1;
      continue;
    }
    out.push({ kind: 'malformed', at: i, text: rest.slice(0, 12) });
    // An unterminated sequence would swallow the rest; report it once.
    break;
  }
  return out;
}

/** The value as the receiver sees it, for length checks: each escape sequence counts as the characters it stands for. */
export function unescapedLength(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    if (value[i] === '\\') {
      const end = value.indexOf('\\', i + 1);
      if (end > i) {
        const body = value.slice(i + 1, end);
        n += body.startsWith('X') ? Math.max(1, (body.length - 1) / 2) : body.startsWith('.') ? 0 : 1;
        i = end;
        continue;
      }
    }
    n++;
  }
  return n;
}
