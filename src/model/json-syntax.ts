// Where a JSON text (RFC 8259) stops being JSON, and what the usual slip there is: a trailing comma,
// a comment, single quotes, a Windows path with single backslashes. V8's JSON.parse gives no position
// for some of these and quotes the text around the error instead; a configuration holds passwords
// and a state file patient data, so this reader names the place and never the content.

export interface JsonSyntaxError {
  /** Character offset of the error. */
  at: number;
  line: number;
  column: number;
  message: string;
  /** The text ended inside the document: a file cut short (a missing "}", a truncated write). */
  endsEarly: boolean;
}

class Stop {
  constructor(
    readonly at: number,
    readonly message: string,
    readonly endsEarly = false,
  ) {}
}

/** Deeper than any real document; past it the recursive reader would overflow the stack. */
export const MAX_JSON_DEPTH = 2000;

const ENDS_EARLY = 'the file ends too early (a missing "}" or "]"?)';
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't', 'u']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** What a character that cannot start a value most likely is. */
function unexpected(c: string): string {
  if (c === '/') return 'JSON has no comments: remove it';
  if (c === "'") return 'text must be in double quotes, not single quotes';
  if (/[A-Za-z_]/.test(c)) return 'unexpected word: text values need double quotes';
  return 'unexpected character';
}

/** A recursive-descent reader that only finds the first error; the document itself comes from JSON.parse. */
function scan(text: string): void {
  let i = 0;
  let depth = 0;
  const skipSpace = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i] ?? '')) i++;
  };
  const expectMore = () => {
    if (i >= text.length) throw new Stop(text.length, ENDS_EARLY, true);
  };

  const string = () => {
    const start = i;
    i++;
    for (;;) {
      if (i >= text.length) throw new Stop(start, 'text that never ends (a missing closing quote?)', true);
      const c = text[i] ?? '';
      if (c === '"') {
        i++;
        return;
      }
      if (c === '\\') {
        const next = text[i + 1] ?? '';
        if (!ESCAPES.has(next)) throw new Stop(i, 'a backslash in text must be doubled (write C:\\\\data, or use /)');
        if (next === 'u' && !/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6))) throw new Stop(i, '\\u must be followed by 4 hexadecimal digits');
        i += next === 'u' ? 6 : 2;
        continue;
      }
      if (c < ' ') throw new Stop(i, 'a line break or tab inside text (a missing closing quote?)');
      i++;
    }
  };

  const members = (close: '}' | ']', member: () => void) => {
    if (++depth > MAX_JSON_DEPTH) throw new Stop(i, `nested too deeply (more than ${MAX_JSON_DEPTH} levels of "{" and "[")`);
    i++;
    skipSpace();
    if (text[i] === close) {
      i++;
      depth--;
      return;
    }
    for (;;) {
      member();
      skipSpace();
      expectMore();
      const c = text[i];
      if (c === close) {
        i++;
        depth--;
        return;
      }
      if (c !== ',') throw new Stop(i, `expected "," or "${close}" (a missing comma?)`);
      const comma = i;
      i++;
      skipSpace();
      if (text[i] === close) throw new Stop(comma, `a comma before "${close}": JSON allows none there, remove it`);
    }
  };

  const property = () => {
    skipSpace();
    expectMore();
    const c = text[i] ?? '';
    if (c !== '"') throw new Stop(i, c === "'" || c === '/' ? unexpected(c) : 'a setting name must be in double quotes');
    string();
    skipSpace();
    expectMore();
    if (text[i] !== ':') throw new Stop(i, 'expected ":" after the setting name');
    i++;
    value();
  };

  const value = (): void => {
    skipSpace();
    expectMore();
    const c = text[i] ?? '';
    if (c === '{') members('}', property);
    else if (c === '[') members(']', value);
    else if (c === '"') string();
    else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const number = NUMBER.exec(text);
      if (!number) throw new Stop(i, 'not a valid number');
      if (/^-?0$/.test(number[0]) && /[0-9]/.test(text[NUMBER.lastIndex] ?? '')) throw new Stop(i, 'a number must not start with 0');
      i = NUMBER.lastIndex;
    } else {
      const word = ['true', 'false', 'null'].find((w) => text.startsWith(w, i));
      if (word === undefined) throw new Stop(i, unexpected(c));
      i += word.length;
    }
  };

  if (text.trim() === '') throw new Stop(0, 'the file is empty');
  value();
  skipSpace();
  if (i < text.length) throw new Stop(i, 'more after the end of the document (a missing comma, or one "}" too many?)');
}

/** Line and column (1-based, in characters) of an offset. */
export function lineAndColumn(text: string, at: number): { line: number; column: number } {
  const before = text.slice(0, at);
  return { line: before.split('\n').length, column: at - before.lastIndexOf('\n') };
}

/** The first syntax error in `text`, or undefined when it is JSON. */
export function jsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    scan(text);
    return undefined;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    return { at: err.at, ...lineAndColumn(text, err.at), message: err.message, endsEarly: err.endsEarly };
  }
}
