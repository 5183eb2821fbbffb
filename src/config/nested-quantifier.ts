// Whether a regular expression has a shape behind catastrophic backtracking (OWASP, "Regular
// expression Denial of Service - ReDoS"), where one long input that almost matches takes exponential
// time: a group repeated while it repeats without bound itself, as in `(a+)+` or `(\d*-?)*`; or a
// repeated group whose alternatives plainly match the same text: one written as the start of another,
// as in `(a|a)*`, `(a|ab)*`, `(\d|\d+)*`. A configuration pattern is matched on the gateway's main
// thread against what a device sends, so such a pattern is refused. Not detected: alternatives that
// overlap without one being written as the start of another (`(\w|\d)+`, `(ab|a[b-c])+`). Pure.

interface Frame {
  start: number;
  /** An unbounded quantifier inside (directly or in a nested group). */
  repeats: boolean;
  /** Where each of the group's own alternatives starts. */
  branches: number[];
}

/** What makes a pattern backtrack without end, as written in it (`(a+)+`, `(a|ab)*`). */
export type BacktrackingShape =
  | { kind: 'nested'; text: string }
  | {
      kind: 'overlap';
      text: string;
      /** Two alternatives of the group, the first the start of the second ("" when one is empty). */
      alternatives: [string, string];
    };

interface Quantifier {
  /** More than once: *, +, {n,}, {n,m} with m > 1. */
  many: boolean;
  /** Without an upper bound: *, +, {n,}. */
  unbounded: boolean;
  end: number;
}

function quantifierAt(source: string, i: number): Quantifier {
  const c = source[i];
  let q: Quantifier = { many: false, unbounded: false, end: i };
  if (c === '*' || c === '+') q = { many: true, unbounded: true, end: i + 1 };
  else if (c === '?') q = { many: false, unbounded: false, end: i + 1 };
  else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(i));
    if (m) {
      const unbounded = m[2] !== undefined && m[3] === '';
      const max = unbounded ? Number.POSITIVE_INFINITY : Number(m[3] || m[1]);
      q = { many: max > 1, unbounded, end: i + m[0].length };
    }
  }
  // A lazy quantifier (`+?`) backtracks as much.
  if (q.end > i && source[q.end] === '?') q.end++;
  return q;
}

/** The end of the character class starting at `i` (its `]`), escapes inside honoured. */
export function classEnd(source: string, i: number): number {
  let j = i + 1;
  if (source[j] === '^') j++;
  if (source[j] === ']') j++;
  while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
  return j;
}

/** What follows `(`: the length of `?:`, `?=`, `?!`, `?<=`, `?<!` or `?<name>`. */
export function groupPrefix(source: string, i: number): number {
  if (source[i + 1] !== '?') return 0;
  const m = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(source.slice(i + 1));
  return m ? m[0].length : 0;
}

/** Two alternatives of which one is written as the start of the other (the same text included). */
function prefixPair(alternatives: string[]): [string, string] | undefined {
  for (const [k, a] of alternatives.entries()) {
    for (const [l, b] of alternatives.entries()) if (k !== l && b.startsWith(a)) return [a, b];
  }
  return undefined;
}

/** The group's alternatives as written, from the frame's starts to the `)` at `end`. */
function alternativesOf(source: string, g: Frame, end: number): string[] {
  return g.branches.map((from, k) => source.slice(from, k + 1 < g.branches.length ? (g.branches[k + 1] ?? end) - 1 : end));
}

/** The first group (as written) repeated while it backtracks without end, or undefined. */
export function backtrackingShape(source: string): BacktrackingShape | undefined {
  const stack: Frame[] = [{ start: 0, repeats: false, branches: [0] }];
  const top = () => stack[stack.length - 1]!;
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '(') {
      const from = i + 1 + groupPrefix(source, i);
      stack.push({ start: i, repeats: false, branches: [from] });
      i = from;
      continue;
    }
    if (c === '|') {
      i++;
      top().branches.push(i);
      continue;
    }
    let atomEnd: number;
    let inner = false;
    let groupStart = -1;
    let overlap: [string, string] | undefined;
    if (c === ')' && stack.length > 1) {
      const g = stack.pop()!;
      inner = g.repeats;
      groupStart = g.start;
      overlap = g.branches.length > 1 ? prefixPair(alternativesOf(source, g, i)) : undefined;
      atomEnd = i + 1;
    } else if (c === '[') {
      atomEnd = classEnd(source, i) + 1;
    } else if (c === '\\') {
      atomEnd = i + 2;
    } else {
      atomEnd = i + 1;
    }
    const q = quantifierAt(source, atomEnd);
    if (inner && q.many) return { kind: 'nested', text: source.slice(groupStart, q.end) };
    if (overlap && q.many) return { kind: 'overlap', text: source.slice(groupStart, q.end), alternatives: overlap };
    if (inner || q.unbounded) top().repeats = true;
    i = Math.max(q.end, atomEnd);
  }
  return undefined;
}
