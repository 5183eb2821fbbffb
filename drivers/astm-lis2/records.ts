// E1394 / LIS2-A2 record text: the delimiters the H record declares, fields, repeats, components
// and escape sequences (docs/protocols.md#astm-e1394-records-lis2-a2). Field numbers are 1-based with the record type as field 1,
// as in the standard (R.3 is the universal test id).

export interface Delimiters {
  field: string;
  repeat: string;
  component: string;
  /** Empty when the header declares none: no escape processing. */
  escape: string;
}

export const DEFAULT_DELIMITERS: Delimiters = { field: '|', repeat: '\\', component: '^', escape: '&' };

/** The delimiters declared right after `H` (`H|\^&`), or undefined when the record cannot declare them. */
export function delimitersOf(header: string): Delimiters | undefined {
  if (header.length < 2 || header[0]?.toUpperCase() !== 'H') return undefined;
  const field = header[1] ?? '';
  const rest = header.slice(2);
  const end = rest.indexOf(field);
  const declared = end < 0 ? rest : rest.slice(0, end);
  const [repeat, component, escapeChar] = [declared[0], declared[1], declared[2]];
  if (repeat === undefined || component === undefined) return undefined;
  const all = [field, repeat, component, escapeChar ?? ''].filter((c) => c !== '');
  if (new Set(all).size !== all.length || /[A-Za-z0-9\s]/.test(all.join(''))) return undefined;
  return { field, repeat, component, escape: escapeChar ?? '' };
}

/** Resolves `&F&` `&S&` `&R&` `&E&` and `&Xhh..&`; other sequences (highlighting) stay as sent. */
export function unescapeText(text: string, d: Delimiters): string {
  const esc = d.escape;
  if (esc === '' || !text.includes(esc)) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf(esc, i);
    if (start < 0) {
      out += text.slice(i);
      break;
    }
    out += text.slice(i, start);
    const end = text.indexOf(esc, start + 1);
    if (end < 0) {
      out += text.slice(start);
      break;
    }
    const seq = text.slice(start + 1, end);
    const replacement = escapeMeaning(seq, d);
    if (replacement === undefined) {
      // Not a sequence we know: keep the escape char literally and go on after it.
      out += esc;
      i = start + 1;
      continue;
    }
    out += replacement;
    i = end + 1;
  }
  return out;
}

function escapeMeaning(seq: string, d: Delimiters): string | undefined {
  switch (seq) {
    case 'F':
      return d.field;
    case 'S':
      return d.component;
    case 'R':
      return d.repeat;
    case 'E':
      return d.escape;
  }
  const hex = /^X((?:[0-9A-Fa-f]{2})+)$/.exec(seq);
  if (hex?.[1]) return Buffer.from(hex[1], 'hex').toString('latin1');
  return undefined;
}

export class AstmRecord {
  readonly type: string;
  private readonly fields: string[];

  constructor(
    readonly text: string,
    readonly delimiters: Delimiters,
  ) {
    this.fields = text.split(delimiters.field);
    this.type = (this.fields[0] ?? '').trim().charAt(0).toUpperCase();
  }

  /** Field n as sent (escapes unresolved); '' when absent. */
  raw(n: number): string {
    return this.fields[n - 1] ?? '';
  }

  /** Field n as text, escapes resolved, components and repeats left as sent. */
  field(n: number): string {
    return unescapeText(this.raw(n), this.delimiters);
  }

  /** The repeats of field n, each as sent. */
  repeats(n: number): string[] {
    return this.raw(n).split(this.delimiters.repeat);
  }

  /** Components of one repeat of field n, escapes resolved. */
  components(n: number, repeat = 0): string[] {
    const r = this.repeats(n)[repeat] ?? '';
    return r.split(this.delimiters.component).map((c) => unescapeText(c, this.delimiters));
  }

  /** Component c (1-based) of the first repeat of field n, trimmed. */
  component(n: number, c: number): string {
    return (this.components(n)[c - 1] ?? '').trim();
  }

  /**
   * Sequence number (field 2) for messages about this record, which are logged: digits per ASTM
   * E1394 (field 2 of every record); anything else the sender put there is not repeated.
   */
  get seq(): string {
    const text = this.raw(2).trim();
    return /^\d{1,8}$/.test(text) ? text : '?';
  }
}

/** The record type letter of a record's text (`L|1|N` -> `L`), before delimiters are known. */
export function recordType(text: string): string {
  return text.trimStart().charAt(0).toUpperCase();
}
