// NM text, the one way both encoders write a number (HL7 v2 ch. 2, NM: an optional sign, digits and
// an optional decimal point; no exponent, which JavaScript's own number text uses below 1e-6 and
// above 1e21).

import { formatDecimal } from '../model/units.ts';

/** The device's decimals when known (7.50 stays "7.50"). Throws RangeError for what cannot be sent. */
export function nmText(value: number, decimals?: number, what = 'value'): string {
  if (!Number.isFinite(value)) throw new RangeError(`${what}: value ${value} cannot be sent`);
  const text = formatDecimal(value, decimals);
  if (!/e/i.test(text)) return text;
  return value.toLocaleString('en-US', { useGrouping: false, maximumSignificantDigits: 17 });
}
