// HL7 v2 escaping of text placed in a field, component or subcomponent (HL7 v2 ch. 2.7, with the
// default delimiters `|^~\&`). Device and patient text never reaches the wire unescaped
// (PROTOCOLS.md 3.1): delimiters become \F\ \S\ \R\ \T\ \E\, CR and LF become hex escapes so they
// survive a round trip, VT and FS (the MLLP frame bytes) are hex-escaped, TAB becomes a space, other
// control characters are dropped.

const NEEDS_WORK = /[\\|^~&\x00-\x1f\x7f-\x9f]/;
const SPECIAL = /[\\|^~&\x00-\x1f\x7f-\x9f]/g;

function replacement(ch: string): string {
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
    case '\r':
      return '\\X0D\\';
    case '\n':
      return '\\X0A\\';
    case '\x0b':
      return '\\X0B\\';
    case '\x1c':
      return '\\X1C\\';
    case '\t':
      return ' ';
    default:
      return '';
  }
}

export function escapeHl7(text: string): string {
  // Most values (numbers, codes) need nothing: skip the regex replace entirely.
  if (!NEEDS_WORK.test(text)) return text;
  return text.replace(SPECIAL, replacement);
}

/**
 * Escaping for FT (formatted text) fields such as NTE-3: a line break (CRLF, CR or LF) becomes
 * `\.br\`, the FT formatting command for a new line (HL7 v2 ch. 2), rather than a hex escape a
 * receiver may not render; everything else as escapeHl7.
 */
export function escapeFormattedText(text: string): string {
  return text
    .split(/\r\n|\r|\n/)
    .map(escapeHl7)
    .join('\\.br\\');
}
