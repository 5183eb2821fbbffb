// Pure matching of one line against a configured pattern: named groups -> measurements.

import type { Measurement } from '../../src/model/driver.ts';
import { refused } from '../_shared/refusal.ts';
import type { Decoded } from '../_shared/resync.ts';
import type { GenericField } from './settings.ts';

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)$/;

export interface LineMatch {
  /** Values per mapped group (absent values left out), in `fields` order. */
  measurements: Array<{ group: string; measurement: Measurement }>;
}

export interface CompiledPattern {
  regex: RegExp;
  fields: Record<string, GenericField>;
}

/** Group names declared in a pattern source (`(?<name>...)`). */
export function namedGroups(source: string): string[] {
  return [...source.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1] ?? '');
}

export function decodeGenericLine(line: string, pattern: CompiledPattern): Decoded<LineMatch> {
  const m = pattern.regex.exec(line);
  if (m === null) return { ok: false, reason: `line does not match the configured pattern` };
  const groups = m.groups ?? {};
  const measurements: LineMatch['measurements'] = [];
  for (const [group, field] of Object.entries(pattern.fields)) {
    const raw = groups[group];
    if (raw === undefined) continue;
    const text = raw.trim();
    if (text === '' || (field.absent ?? []).includes(text) || (field.absent ?? []).includes(raw)) continue;
    if (!NUMBER.test(text)) return refused(`group ${group} is not a number (${raw.length} chars)`, `value "${raw}" of group ${group} is not a number`);
    const measurement: Measurement = { value: Number(text), valueText: text };
    if (field.type !== undefined) measurement.type = field.type;
    if (field.code !== undefined) measurement.code = field.code;
    if (field.unit !== undefined) measurement.unit = field.unit;
    measurements.push({ group, measurement });
  }
  return { ok: true, value: { measurements } };
}
