// Pure decoder for the A&D standard weighing output (docs/protocols.md#ad-standard-weighing-output).
//   indicator: `ST,GS,+0070.50kg`  header, data header, 8 data chars (sign + point), 2-char unit
//   balance:   `ST,+00123.45  g`   header, 9 data chars, 3-char unit
//   balance with comparator: `ST,OK,+0001.234 kg`

import { refused } from '../_shared/refusal.ts';
import type { Decoded } from '../_shared/resync.ts';

export type AdStatus = 'stable' | 'unstable' | 'overload' | 'count';
export type AdData = 'gross' | 'net' | 'tare' | 'preset-tare';

export interface AdRecord {
  form: 'indicator' | 'balance';
  status: AdStatus;
  data: AdData;
  /** The data field without its padding spaces, e.g. `+0070.50`. */
  valueText: string;
  /** null when the device blanks the digits (overload). */
  value: number | null;
  /** Unit without padding: `kg`, `lb`, `g`, `t`, or '' when the device sends none. */
  unit: string;
}

const HEADERS: Record<string, AdStatus> = { ST: 'stable', US: 'unstable', OL: 'overload', LO: 'overload', QT: 'count' };
const DATA_HEADERS: Record<string, AdData> = {
  GS: 'gross',
  NT: 'net',
  TR: 'tare',
  PT: 'preset-tare',
  'G ': 'gross',
  'N ': 'net',
  'T ': 'tare',
};
const COMPARATORS = new Set(['OK', 'HI', 'LO', '--']);
const INDICATOR_UNITS = new Set(['', 'kg', 'lb', 'g', 't']);
const BALANCE_UNITS = new Set(['', 'g', 'kg', 'mg', 'lb', 'oz', 'ozt', 'ct', 'mom', 'dwt', 'tl', 't', 'PCS', '%']);
const NUMBER = /^[+-]?\s*(\d+\.?\d*|\.\d+)$/;

export const EXAMPLE_LINE = 'ST,GS,+0070.50kg';

export function decodeAdLine(line: string): Decoded<AdRecord> {
  const parts = line.split(',');
  const h1 = parts[0] ?? '';
  const status = HEADERS[h1];
  if (parts.length < 2 || parts.length > 3) {
    return { ok: false, reason: `not A&D standard format (expected like "${EXAMPLE_LINE}")` };
  }
  if (status === undefined) return refused('unknown header (expected ST, US, OL, LO or QT)', `unknown header "${h1}"`);

  if (parts.length === 3) {
    const h2 = parts[1] ?? '';
    const rest = parts[2] ?? '';
    if (COMPARATORS.has(h2) && rest.length === 12) return decodeData('balance', status, 'gross', rest.slice(0, 9), rest.slice(9));
    const data = DATA_HEADERS[h2];
    if (data === undefined) return refused('unknown data header (expected GS, NT, TR or PT)', `unknown data header "${h2}"`);
    if (rest.length !== 10) return wrongLength(rest, '8 data + 2 unit');
    return decodeData('indicator', status, data, rest.slice(0, 8), rest.slice(8));
  }
  const rest = parts[1] ?? '';
  if (rest.length !== 12) return wrongLength(rest, '9 data + 3 unit');
  return decodeData('balance', status, 'gross', rest.slice(0, 9), rest.slice(9));
}

function decodeData(form: AdRecord['form'], status: AdStatus, data: AdData, field: string, unitField: string): Decoded<AdRecord> {
  const unit = unitField.trim();
  const units = form === 'indicator' ? INDICATOR_UNITS : BALANCE_UNITS;
  if (!units.has(unit)) return refused(`unknown unit in the ${form}'s unit field`, `unknown unit "${unitField}"`);
  const valueText = field.trim();
  if (status === 'overload') {
    // Overload blanks the digits (`+    .  `); a number may or may not be there.
    const parsed = NUMBER.test(valueText) ? Number(valueText.replace(/\s/g, '')) : null;
    return { ok: true, value: { form, status, data, valueText, value: parsed, unit } };
  }
  const value = NUMBER.test(valueText) ? Number(valueText.replace(/\s/g, '')) : NaN;
  if (!Number.isFinite(value)) return refused('data field is not a number', `value "${field}" is not a number`);
  return { ok: true, value: { form, status, data, valueText, value, unit } };
}

// The data field is the weight: its length is safe to log, its text is not.
function wrongLength(rest: string, expected: string): Decoded<AdRecord> {
  const why = `has ${rest.length} chars, expected ${expected}`;
  return refused(`data field ${why}`, `data field "${rest}" ${why}`);
}
