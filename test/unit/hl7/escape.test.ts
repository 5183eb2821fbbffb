import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { escapeHl7 } from '../../../src/hl7/escape.ts';

// An independent reading of the escapes, to check that escaping loses nothing it keeps.
function unescapeReference(text: string): string {
  return text.replace(/\\(F|S|T|R|E|X[0-9A-Fa-f]+)\\/g, (_m, code: string) => {
    switch (code) {
      case 'F':
        return '|';
      case 'S':
        return '^';
      case 'T':
        return '&';
      case 'R':
        return '~';
      case 'E':
        return '\\';
      default:
        return String.fromCharCode(parseInt(code.slice(1), 16));
    }
  });
}

describe('escapeHl7', () => {
  it('escapes the five delimiters', () => {
    expect(escapeHl7('a|b')).toBe('a\\F\\b');
    expect(escapeHl7('a^b')).toBe('a\\S\\b');
    expect(escapeHl7('a&b')).toBe('a\\T\\b');
    expect(escapeHl7('a~b')).toBe('a\\R\\b');
    expect(escapeHl7('a\\b')).toBe('a\\E\\b');
    expect(escapeHl7('|^~\\&')).toBe('\\F\\\\S\\\\R\\\\E\\\\T\\');
  });
  it('does not double-escape an escape sequence in the input', () => {
    expect(escapeHl7('\\F\\')).toBe('\\E\\F\\E\\');
  });
  it('hex-escapes CR, LF and the MLLP frame bytes', () => {
    expect(escapeHl7('line1\r\nline2')).toBe('line1\\X0D\\\\X0A\\line2');
    expect(escapeHl7('\x0bmsg\x1c')).toBe('\\X0B\\msg\\X1C\\');
  });
  it('drops other control characters and turns TAB into a space', () => {
    expect(escapeHl7('a\x00b\x07c\x7fd\x9be')).toBe('abcde');
    expect(escapeHl7('a\tb')).toBe('a b');
  });
  it('leaves ordinary text, including non-ASCII, alone', () => {
    expect(escapeHl7('Müller-Ñúñez 😀 36.8')).toBe('Müller-Ñúñez 😀 36.8');
    expect(escapeHl7('')).toBe('');
  });
  it('never lets a delimiter, CR, LF, VT or FS through, and round-trips what it keeps', () => {
    const unit = fc.oneof(
      fc.constantFrom('|', '^', '~', '\\', '&', '\r', '\n', '\x0b', '\x1c', 'F', 'X', '0', 'D'),
      fc.string({ unit: 'binary', maxLength: 1 }),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 40 }), (text) => {
        const out = escapeHl7(text);
        expect(out).not.toMatch(/[|^~&\r\n\x0b\x1c\x00-\x1f]/);
        // Every backslash belongs to an escape sequence.
        expect(out.replace(/\\(F|S|T|R|E|X[0-9A-F]+)\\/g, '')).not.toContain('\\');
        const kept = text.replace(/\t/g, ' ').replace(/[\x00-\x08\x0c\x0e-\x1b\x1d-\x1f\x7f-\x9f]/g, '');
        expect(unescapeReference(out)).toBe(kept);
      }),
      { numRuns: 500 },
    );
  });
});
