// Whether a regular expression can match only at the start of the text: every alternative begins
// with `^`, directly or inside a group it must pass through. `QC` also matches the patient specimen
// "S12QC9"; `^QC` does not. Pure.

import { classEnd, groupPrefix } from './nested-quantifier.ts';

/**
 * From `from`, the `|` at this level and the `)` that closes it (the text's length when none):
 * groups, classes and escapes kept whole.
 */
function level(source: string, from: number): { bars: number[]; end: number } {
  const bars: number[] = [];
  let depth = 0;
  let i = from;
  while (i < source.length) {
    const c = source[i];
    if (c === '\\') i += 2;
    else if (c === '[') i = classEnd(source, i) + 1;
    else {
      if (c === '(') depth++;
      else if (c === ')' && depth-- === 0) return { bars, end: i };
      else if (c === '|' && depth === 0) bars.push(i);
      i++;
    }
  }
  return { bars, end: source.length };
}

/** The alternatives of `source` at its own level. */
function alternatives(source: string): string[] {
  const { bars, end } = level(source, 0);
  return [-1, ...bars].map((bar, k) => source.slice(bar + 1, bars[k] ?? end));
}

function alternativeAnchored(text: string): boolean {
  if (text.startsWith('^')) return true;
  if (!text.startsWith('(')) return false;
  // A lookaround (`(?=^)x`) is not taken for an anchor: rare in a sample-ID pattern, and safer to warn.
  if (/^\(\?(?:=|!|<=|<!)/.test(text)) return false;
  const prefix = groupPrefix(text, 0);
  const { end } = level(text, 1 + prefix);
  // A group that may be skipped (`(^QC)?`) leaves the start open.
  if (end >= text.length || /^(?:[?*]|\{0[,}])/.test(text.slice(end + 1))) return false;
  return anchoredAtStart(text.slice(1 + prefix, end));
}

/** True when every way the pattern can match begins at the start of the text (`^QC`, `^(QC|CTRL)`, `(?:^QC|^CTRL)-`). */
export function anchoredAtStart(source: string): boolean {
  return alternatives(source).every(alternativeAnchored);
}
