// HL7 v2 text in a field, component or subcomponent: the one escaping policy, both ways, for every
// path that writes or reads HL7 (the ORU encoders, ACKs, the analyzer driver, the inbound feed, the
// demo EHR and simulators). Sources: HL7 v2.5.1 chapter 2, 2.7 (use of escape sequences in text
// fields: \F\ \S\ \T\ \R\ \E\ are valid in ST as well, \Xdd..\ is hexadecimal data, \H\ \N\
// highlighting, \.br\ a line break in FT); appendix 2.A, ST and TX (printable characters only).
//
// Writing (escapeHl7):
// - a delimiter becomes its escape: | \F\, ^ \S\, & \T\, ~ \R\, the escape character \E\;
// - CR and LF become \X0D\ and \X0A\ (a raw CR ends the segment), and VT and FS, the MLLP frame
//   bytes, \X0B\ and \X1C\: hexadecimal escapes, so a reader gets them back exactly;
// - TAB becomes a space; every other control character (C0, DEL, C1) is dropped: ST and TX hold
//   printable characters only, and these carry nothing a person reads.
// In an FT field (escapeFormattedText) a line break is \.br\ instead, which receivers display.
//
// Reading (unescapeHl7), after the text was split on the delimiters the message declares:
// - the five delimiter escapes give the delimiter back; \Xdd..\ gives one character per pair of hex
//   digits (its code point, as writing made it); \.br\ gives LF; \H\ and \N\ (highlighting) give nothing;
// - any other sequence (\Z..\ local, \C..\ and \M..\ character sets, other formatting commands) is
//   kept as written rather than guessed at, and so is an escape character without its closing one.
// So unescapeHl7(escapeHl7(text)) is text without the characters writing drops.

import { DEFAULT_DELIMITERS, type Delimiters } from './delimiters.ts';

// Everything the default delimiters, the kept control characters or the dropped ones need.
const NEEDS_WORK = /[\\|^~&\x00-\x1f\x7f-\x9f]/;
const SPECIAL = /[\\|^~&\x00-\x1f\x7f-\x9f]/g;

/** What a control character becomes; undefined when the character is not one. */
function controlReplacement(code: number, e: string): string | undefined {
  switch (code) {
    case 0x0d:
      return `${e}X0D${e}`;
    case 0x0a:
      return `${e}X0A${e}`;
    case 0x0b:
      return `${e}X0B${e}`;
    case 0x1c:
      return `${e}X1C${e}`;
    case 0x09:
      return ' ';
    default:
      return code <= 0x1f || (code >= 0x7f && code <= 0x9f) ? '' : undefined;
  }
}

function defaultReplacement(ch: string): string {
  switch (ch) {
    case '\\':
      return '\\E\\';
    case '|':
      return '\\F\\';
    case '^':
      return '\\S\\';
    case '~':
      return '\\R\\';
    case '&':
      return '\\T\\';
    default:
      return controlReplacement(ch.charCodeAt(0), '\\') ?? ch;
  }
}

/** Text for a field, component or subcomponent, with the given delimiters (default `|^~\&`). */
export function escapeHl7(text: string, d: Delimiters = DEFAULT_DELIMITERS): string {
  if (d === DEFAULT_DELIMITERS) {
    // Most values (numbers, codes) need nothing: skip the replace entirely.
    if (!NEEDS_WORK.test(text)) return text;
    return text.replace(SPECIAL, defaultReplacement);
  }
  const e = d.escape;
  let out = '';
  for (const ch of text) {
    if (ch === e) out += `${e}E${e}`;
    else if (ch === d.field) out += `${e}F${e}`;
    else if (ch === d.component) out += `${e}S${e}`;
    else if (ch === d.subcomponent) out += `${e}T${e}`;
    else if (ch === d.repetition) out += `${e}R${e}`;
    else out += controlReplacement(ch.charCodeAt(0), e) ?? ch;
  }
  return out;
}

/**
 * Escaping for FT (formatted text) fields such as NTE-3: a line break (CRLF, CR or LF) becomes
 * `\.br\`, the FT formatting command for a new line, rather than a hex escape a receiver may not
 * render; everything else as escapeHl7.
 */
export function escapeFormattedText(text: string, d: Delimiters = DEFAULT_DELIMITERS): string {
  return text
    .split(/\r\n|\r|\n/)
    .map((line) => escapeHl7(line, d))
    .join(`${d.escape}.br${d.escape}`);
}

const HEX = /^X(?:[0-9A-Fa-f]{2})+$/;

/** The text a field, component or subcomponent carries (already split on the delimiters `d`). */
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
    else if (seq === 'H' || seq === 'N') out += '';
    else if (HEX.test(seq)) for (let h = 1; h < seq.length; h += 2) out += String.fromCharCode(Number.parseInt(seq.slice(h, h + 2), 16));
    else out += `${e}${seq}${e}`;
  }
  return out;
}
