// JSON with decimals written as the device sent them. FHIR says a decimal's precision is part of its
// meaning (70.50 kg is not 70.5 kg) and JSON numbers may carry it, but JSON.stringify cannot write
// "70.50". So a DecimalText goes through stringify as a marked string and is unquoted afterwards.

import { randomBytes } from 'node:crypto';

const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

export class DecimalText {
  readonly text: string;
  constructor(text: string) {
    // Anything that is not a JSON number would make the output invalid JSON.
    if (!JSON_NUMBER.test(text)) throw new Error(`"${text}" is not a decimal number`);
    this.text = text;
  }
}

/** JSON.stringify, except that DecimalText values come out as bare numbers with their own digits. */
export function stringifyWithDecimals(value: unknown): string {
  // A fresh random marker per call: no string in the data can forge it.
  const marker = `\u0001${randomBytes(12).toString('hex')}:`;
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof DecimalText ? marker + v.text : v));
  const quotedMarker = JSON.stringify(marker).slice(0, -1); // the opening quote and the escaped marker
  let out = '';
  let from = 0;
  for (let at = text.indexOf(quotedMarker, from); at >= 0; at = text.indexOf(quotedMarker, from)) {
    const start = at + quotedMarker.length;
    const end = text.indexOf('"', start); // decimal text holds no quote, so the next one closes it
    out += text.slice(from, at) + text.slice(start, end);
    from = end + 1;
  }
  return out + text.slice(from);
}
