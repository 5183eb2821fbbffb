// Plain words for one schema violation ("needs at least 3 characters (has 2)"), never the value of a
// text field: a password or a URL with credentials must not reach the terminal, the page or the log;
// of a password not even its length.

import type { TSchema } from '@sinclair/typebox';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/value';
import { closestName } from './close-name.ts';
import { lastKey } from './config-path.ts';
import { isRecord } from '../model/is-record.ts';

/** How sure a message is about what to fix: of several at one path, the lowest rank is shown. */
export const RANK = { missing: 0, choice: 1, kind: 2, unknown: 3, bound: 4, form: 5, other: 6 } as const;
export type Rank = (typeof RANK)[keyof typeof RANK];

export interface ProblemText {
  message: string;
  rank: Rank;
  /** For a misspelt setting: the known one it probably means (its "is missing" then goes unsaid). */
  meant?: string;
}

interface Bounds {
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  pattern?: string;
  description?: string;
  const?: unknown;
  properties?: Record<string, unknown>;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** A password, passphrase, token or key: even its length is not said (it narrows the guessing). */
const SECRET_KEY = /pass(word|phrase)|secret|token|key$/i;

/** " (has 7)" for a text or list, nothing for a secret. */
const lengthNow = (path: string, length: number) => (SECRET_KEY.test(lastKey(path)) ? '' : ` (has ${length})`);

/** A number as the file may hold it: numbers are shown (they are ports and limits, never secrets). */
const shownNumber = (value: unknown) => (typeof value === 'number' ? ` (is ${value})` : '');

/** "8080" for a number: the most common slip, a number written in quotes. */
function quotedHint(value: unknown, looksRight: (text: string) => boolean): string {
  return typeof value === 'string' && looksRight(value.trim()) ? ', without quotes' : '';
}

/** What a value of this schema is, in words: for "must be ..." and for the variants of a union. */
export function kindOf(schema: TSchema): string {
  const s = schema as { type?: unknown; const?: unknown };
  if ('const' in s) return JSON.stringify(s.const);
  switch (s.type) {
    case 'integer':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'string':
      return 'text in double quotes';
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list [ ... ]';
    case 'object':
      return 'an object { ... }';
    case 'null':
      return 'null';
    default:
      return 'something else';
  }
}

/** A `pattern` in words where the schema's description says what it means, else the pattern itself. */
function formText(bounds: Bounds): string {
  if (bounds.description) return `is not in the expected form: ${bounds.description}`;
  return `does not match the pattern ${bounds.pattern ?? '?'}`;
}

/** "is missing", with the choices or what the setting is when the schema says. */
function missingText(schema: TSchema): string {
  const variants: unknown = schema.anyOf;
  if (Array.isArray(variants) && variants.length > 0 && variants.every((v) => isRecord(v) && 'const' in v)) {
    return `is missing: one of ${variants.map((v: { const: unknown }) => (typeof v.const === 'string' ? v.const : JSON.stringify(v.const))).join(', ')}`;
  }
  return typeof schema.description === 'string' ? `is missing (${schema.description})` : 'is missing';
}

/** A setting the schema does not know; the key is the last part of the error's path. */
function unknownSettingText(schema: Bounds, key: string): ProblemText {
  const known = isRecord(schema.properties) ? Object.keys(schema.properties) : [];
  if (known.length === 0) return { rank: RANK.unknown, message: 'is not allowed here' };
  const meant = closestName(key, known);
  if (meant === undefined) return { rank: RANK.unknown, message: `is not a known setting (known here: ${known.join(', ')})` };
  return { rank: RANK.unknown, message: `is not a known setting (did you mean "${meant}"?)`, meant };
}

/** The message for one TypeBox error other than a union (unions are resolved by schema-problems.ts). */
export function problemText(error: ValueError): ProblemText {
  const b = error.schema as Bounds;
  const v = error.value;
  const length = typeof v === 'string' || Array.isArray(v) ? v.length : 0;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return { rank: RANK.missing, message: missingText(error.schema) };
    case ValueErrorType.ObjectAdditionalProperties:
      return unknownSettingText(b, lastKey(error.path));
    case ValueErrorType.StringMinLength:
      return {
        rank: RANK.bound,
        message:
          b.minLength === 1 ? 'must not be empty' : `needs at least ${plural(b.minLength ?? 0, 'character', 'characters')}${lengthNow(error.path, length)}`,
      };
    case ValueErrorType.StringMaxLength:
      return { rank: RANK.bound, message: `may have at most ${plural(b.maxLength ?? 0, 'character', 'characters')}${lengthNow(error.path, length)}` };
    case ValueErrorType.StringPattern:
      return { rank: RANK.form, message: formText(b) };
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return { rank: RANK.bound, message: `must be at least ${b.minimum}${shownNumber(v)}` };
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return { rank: RANK.bound, message: `must be at most ${b.maximum}${shownNumber(v)}` };
    case ValueErrorType.IntegerExclusiveMinimum:
    case ValueErrorType.NumberExclusiveMinimum:
      return { rank: RANK.bound, message: `must be more than ${b.exclusiveMinimum}${shownNumber(v)}` };
    case ValueErrorType.IntegerExclusiveMaximum:
    case ValueErrorType.NumberExclusiveMaximum:
      return { rank: RANK.bound, message: `must be less than ${b.exclusiveMaximum}${shownNumber(v)}` };
    case ValueErrorType.Integer:
      return {
        rank: RANK.kind,
        message: `must be a whole number${typeof v === 'number' ? shownNumber(v) : quotedHint(v, (t) => /^-?\d+$/.test(t))}`,
      };
    case ValueErrorType.Number:
      return { rank: RANK.kind, message: `must be a number${quotedHint(v, (t) => t !== '' && Number.isFinite(Number(t)))}` };
    case ValueErrorType.Boolean:
      return { rank: RANK.kind, message: `must be true or false${quotedHint(v, (t) => t === 'true' || t === 'false')}` };
    case ValueErrorType.String:
      return { rank: RANK.kind, message: 'must be text in double quotes' };
    case ValueErrorType.Object:
      return { rank: RANK.kind, message: Array.isArray(v) ? 'must be an object { ... }, not a list' : 'must be an object { ... }' };
    case ValueErrorType.Array:
      return { rank: RANK.kind, message: 'must be a list [ ... ]' };
    case ValueErrorType.Literal:
      return { rank: RANK.choice, message: `must be ${JSON.stringify(b.const)}` };
    case ValueErrorType.ArrayMinItems:
      return { rank: RANK.bound, message: `needs at least ${plural(b.minItems ?? 0, 'entry', 'entries')} (has ${length})` };
    case ValueErrorType.ArrayMaxItems:
      return { rank: RANK.bound, message: `may have at most ${plural(b.maxItems ?? 0, 'entry', 'entries')} (has ${length})` };
    case ValueErrorType.ArrayUniqueItems:
      return { rank: RANK.bound, message: 'lists the same value twice' };
    case ValueErrorType.ObjectMinProperties:
      return { rank: RANK.bound, message: `needs at least ${plural(b.minProperties ?? 0, 'entry', 'entries')}` };
    default:
      return { rank: RANK.other, message: error.message };
  }
}
