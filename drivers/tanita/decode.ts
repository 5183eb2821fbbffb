// Pure decoder for Tanita's comma-separated record (docs/protocols.md#tanita-csv-record):
//   {0,16,~0,1,~1,1,~2,1,MO,"SC-240",SN,"00000002",...,Wk,82.7,...,CS,FD
// The whole record is key/value pairs; `{`/`~` keys are control fields. Unknown codes are ignored.

import type { Measurement } from '../../src/model/driver.ts';
import type { VitalType } from '../../src/model/vocabulary.ts';
import { refused } from '../_shared/refusal.ts';
import type { Decoded } from '../_shared/resync.ts';

export interface TanitaRecord {
  model?: string;
  serial?: string;
  /** `Da` + `TI` as sent (device local time, no offset); informational only. */
  date?: string;
  time?: string;
  checksum?: string;
  measurements: Measurement[];
}

type MassUnit = 'kg' | 'lb';
interface FieldMap {
  type: VitalType;
  /** A fixed unit, or 'mass' for the unit the weight came in. */
  unit: string | 'mass';
}

const WEIGHT_KEYS: Record<string, string> = { Wk: 'kg', Wp: 'lb', Wg: 'g' };
const FIELDS: Record<string, FieldMap> = {
  Hm: { type: 'height', unit: 'cm' },
  MI: { type: 'bmi', unit: 'kg/m2' },
  FW: { type: 'body.fat.percent', unit: '%' },
  fW: { type: 'body.fat.mass', unit: 'mass' },
  MW: { type: 'body.fatfree.mass', unit: 'mass' },
  mW: { type: 'body.muscle.mass', unit: 'mass' },
  bW: { type: 'body.bone.mass', unit: 'mass' },
  wW: { type: 'body.water.mass', unit: 'mass' },
  ww: { type: 'body.water.percent', unit: '%' },
  ZF: { type: 'body.impedance', unit: 'Ohm' },
};
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

/** Splits on commas outside double quotes and unquotes. */
export function splitFields(line: string): string[] | null {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of line) {
    if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  if (quoted) return null;
  out.push(current);
  return out;
}

export function decodeTanitaLine(line: string): Decoded<TanitaRecord> {
  if (!line.startsWith('{')) return { ok: false, reason: 'record does not start with "{"' };
  // A second "{" means a cut record ran into the next one: never pair fields across the seam.
  if (line.indexOf('{', 1) !== -1) return { ok: false, reason: 'record contains the start of another record' };
  const fields = splitFields(line);
  if (fields === null) return { ok: false, reason: 'unterminated quoted field' };
  if (fields.length % 2 !== 0) return { ok: false, reason: `odd number of fields (${fields.length}): record cut or corrupted` };

  const record: TanitaRecord = { measurements: [] };
  const numeric: Array<{ key: string; text: string }> = [];
  let massUnit: MassUnit | undefined;
  let weight: { key: string; text: string } | undefined;
  const seen = new Set<string>();
  for (let i = 0; i < fields.length; i += 2) {
    const key = (fields[i] ?? '').trim();
    const text = (fields[i + 1] ?? '').trim();
    // The name is the device's text too: its position is what is safe to log.
    if (seen.has(key)) return refused(`field name ${i / 2 + 1} appears twice`, `field ${key} appears twice`);
    seen.add(key);
    if (key.startsWith('{') || key.startsWith('~')) continue;
    if (key === 'MO') record.model = text;
    else if (key === 'SN') record.serial = text;
    else if (key === 'Da') record.date = text;
    else if (key === 'TI') record.time = text;
    else if (key === 'CS') record.checksum = text;
    else if (key in WEIGHT_KEYS) {
      if (weight !== undefined) continue; // one weight per record: the first one sent
      weight = { key, text };
      if (key === 'Wk') massUnit = 'kg';
      if (key === 'Wp') massUnit = 'lb';
    } else if (key in FIELDS) numeric.push({ key, text });
  }
  if (weight === undefined) return { ok: false, reason: 'record has no weight field (Wk, Wp or Wg)' };

  for (const { key, text } of [weight, ...numeric]) {
    // key is one of WEIGHT_KEYS or FIELDS: a field name of the protocol, not the device's text.
    if (!NUMBER.test(text)) return refused(`value of ${key} is not a number`, `value "${text}" of ${key} is not a number`);
  }
  const weightUnit = WEIGHT_KEYS[weight.key] ?? 'kg';
  record.measurements.push({ type: 'weight', value: Number(weight.text), unit: weightUnit, valueText: weight.text });
  for (const { key, text } of numeric) {
    const map = FIELDS[key];
    if (map === undefined) continue;
    // Body masses follow the weight's unit (UNVERIFIED for lb mode); on a gram baby scale they do not occur.
    const unit = map.unit === 'mass' ? (massUnit ?? weightUnit) : map.unit;
    record.measurements.push({ type: map.type, value: Number(text), unit, valueText: text });
  }
  return { ok: true, value: record };
}

export function equipmentOf(record: TanitaRecord): string | undefined {
  if (record.model === undefined && record.serial === undefined) return undefined;
  const parts = ['Tanita'];
  if (record.model) parts.push(record.model);
  if (record.serial) parts.push(`SN${record.serial}`);
  return parts.join(' ');
}
