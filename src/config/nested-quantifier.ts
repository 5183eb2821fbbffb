// Whether a regular expression repeats a group that itself repeats without bound, as in `(a+)+` or
// `(\d*-?)*`: the shape behind catastrophic backtracking (OWASP, "Regular expression Denial of
// Service - ReDoS"), where one long input that almost matches takes exponential time. A
// configuration pattern is matched on the gateway's main thread against what a device sends, so
// such a pattern is refused. Overlapping alternatives (`(a|a)+`) are not detected. Pure.

interface Frame {
  start: number;
  /** An unbounded quantifier inside (directly or in a nested group). */
  repeats: boolean;
}

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
function classEnd(source: string, i: number): number {
  let j = i + 1;
  if (source[j] === '^') j++;
  if (source[j] === ']') j++;
  while (j < source.length && source[j] !== ']') j += source[j] === '\\' ? 2 : 1;
  return j;
}

/** What follows `(`: the length of `?:`, `?=`, `?!`, `?<=`, `?<!` or `?<name>`. */
function groupPrefix(source: string, i: number): number {
  if (source[i + 1] !== '?') return 0;
  const m = /^\?(?::|=|!|<=|<!|<[A-Za-z_$][\w$]*>)/.exec(source.slice(i + 1));
  return m ? m[0].length : 0;
}

/** The first group (as written) repeated while it holds an unbounded quantifier, or undefined. */
export function nestedQuantifier(source: string): string | undefined {
  const stack: Frame[] = [{ start: 0, repeats: false }];
  const top = () => stack[stack.length - 1]!;
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    if (c === '(') {
      stack.push({ start: i, repeats: false });
      i += 1 + groupPrefix(source, i);
      continue;
    }
    if (c === '|') {
      i++;
      continue;
    }
    let atomEnd: number;
    let inner = false;
    let groupStart = -1;
    if (c === ')' && stack.length > 1) {
      const g = stack.pop()!;
      inner = g.repeats;
      groupStart = g.start;
      atomEnd = i + 1;
    } else if (c === '[') {
      atomEnd = classEnd(source, i) + 1;
    } else if (c === '\\') {
      atomEnd = i + 2;
    } else {
      atomEnd = i + 1;
    }
    const q = quantifierAt(source, atomEnd);
    if (inner && q.many) return source.slice(groupStart, q.end);
    if (inner || q.unbounded) top().repeats = true;
    i = Math.max(q.end, atomEnd);
  }
  return undefined;
}
