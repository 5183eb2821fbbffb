// One way to compare people's names: case, accents, whitespace and punctuation do not tell two people
// apart (device keyboards and EHR feeds drop them), so "Müller-O'Brien" and "MULLER OBRIEN" match.

// Letters NFKD does not take apart into a base letter and a mark. Written as escapes so the compiled
// bundle stays ASCII (a single non-ASCII character makes V8 hold the whole source twice as wide).
const FOLD: Record<string, string> = {
  '\u00df': 'ss',
  '\u00e6': 'ae',
  '\u0153': 'oe',
  '\u00f8': 'o',
  '\u0142': 'l',
  '\u0111': 'd',
  '\u00f0': 'd',
  '\u00fe': 'th',
  '\u0131': 'i',
};
const UNFOLDED = /[\u00df\u00e6\u0153\u00f8\u0142\u0111\u00f0\u00fe\u0131]/g;

export function foldName(v: unknown): string {
  if (typeof v !== 'string') return '';
  return v
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(UNFOLDED, (ch) => FOLD[ch] ?? ch)
    .replace(/[^\p{L}\p{N}]/gu, '');
}
