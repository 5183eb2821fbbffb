// Schema violations of a configuration as a technician can act on them: one message per path, in
// plain words, and for a union (a transport, a destination, the broker) the problems of the variant
// the value meant, never "Expected union value". The same list goes to check-config and the page.

import type { TSchema } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import { isRecord } from '../model/is-record.ts';
import { closestName, didYouMean } from './close-name.ts';
import { appendPath, joinPointer, parentPath } from './config-path.ts';
import { kindOf, problemText, RANK, type Rank } from './problem-text.ts';

export interface ConfigProblem {
  path: string;
  message: string;
}

interface RankedProblem extends ConfigProblem {
  rank: Rank;
  /** The path of the known setting a misspelt one probably means. */
  meant?: string;
  /** Said of a value that is not there ("is missing", and the type it would need). */
  absent?: boolean;
}

type ObjectSchema = TSchema & { type: 'object'; properties: Record<string, TSchema>; required?: string[]; additionalProperties?: unknown };

const isObjectSchema = (s: TSchema): s is ObjectSchema => s.type === 'object' && isRecord(s.properties);
const hasConst = (s: unknown): s is { const: unknown } => isRecord(s) && 'const' in s;

/** Every problem of `value` against `schema`, paths below `prefix` (`devices[0].settings`). */
export function schemaProblems(schema: TSchema, value: unknown, prefix = ''): ConfigProblem[] {
  return settle(rankedProblems(schema, value, prefix)).map(({ path, message }) => ({ path, message }));
}

function rankedProblems(schema: TSchema, value: unknown, prefix: string): RankedProblem[] {
  const out: RankedProblem[] = [];
  for (const error of Value.Errors(schema, value)) {
    const path = joinPointer(prefix, error.path);
    const variants = variantsOf(error.schema);
    if (error.type === ValueErrorType.Union && variants) out.push(...unionProblems(variants, error.value, path));
    else {
      const { meant, ...text } = problemText(error);
      out.push({
        path,
        ...text,
        ...(meant === undefined ? {} : { meant: appendPath(parentPath(path), meant) }),
        ...(error.value === undefined ? { absent: true } : {}),
      });
    }
  }
  return out;
}

/** One message per path; "certFile is missing" goes unsaid beside "certfile: did you mean certFile?". */
function settle(problems: RankedProblem[]): RankedProblem[] {
  const meant = new Set(problems.flatMap((p) => (p.meant === undefined ? [] : [p.meant])));
  return onePerPath(problems.filter((p) => !(p.absent && meant.has(p.path))));
}

/** Several errors at one path ("is missing", then "must be text"): the surest one, in first-seen order. */
function onePerPath<P extends RankedProblem>(problems: P[]): P[] {
  const best = new Map<string, P>();
  for (const p of problems) {
    const seen = best.get(p.path);
    if (seen === undefined || p.rank < seen.rank) best.set(p.path, p);
  }
  return [...best.values()];
}

function variantsOf(schema: TSchema): TSchema[] | undefined {
  const variants: unknown = schema.anyOf ?? schema.oneOf;
  return Array.isArray(variants) && variants.length > 0 ? (variants as TSchema[]) : undefined;
}

/** The property every variant fixes to its own constant (`type`), which names the variant meant. */
export function discriminatorOf(variants: TSchema[]): string | undefined {
  if (!variants.every(isObjectSchema)) return undefined;
  const [first, ...rest] = variants as ObjectSchema[];
  const keys = Object.keys(first?.properties ?? {}).filter((k) => hasConst(first?.properties[k]));
  const key = keys.includes('type') ? 'type' : keys[0];
  return key !== undefined && rest.every((v) => hasConst(v.properties[key])) ? key : undefined;
}

const quoteList = (values: unknown[]) => values.map((v) => JSON.stringify(v)).join(', ');
const plainList = (values: unknown[]) => values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(', ');

/** "a or b", "a, b or c" */
function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function unionProblems(variants: TSchema[], value: unknown, path: string): RankedProblem[] {
  if (variants.every(hasConst)) {
    const choices = variants.map((v) => v.const);
    const hint = typeof value === 'string' ? didYouMean(value, choices.map(String)) : '';
    return [{ path, rank: RANK.choice, message: `must be one of ${quoteList(choices)}${hint}` }];
  }
  const key = discriminatorOf(variants);
  if (key !== undefined && isRecord(value)) return discriminatedProblems(variants as ObjectSchema[], key, value, path);
  return closestVariantProblems(variants, value, path);
}

/** `transport.type is missing: one of serial, tcp, mqtt, file`, or the problems of the variant named. */
function discriminatedProblems(variants: ObjectSchema[], key: string, value: Record<string, unknown>, path: string): RankedProblem[] {
  const at = appendPath(path, key);
  const constOf = (v: ObjectSchema): unknown => (v.properties[key] as { const?: unknown } | undefined)?.const;
  const names = variants.map(constOf);
  const given = value[key];
  if (given === undefined) {
    // `"Type": "serial"`: the key written is the one to fix, not a `type` to add beside it.
    const written = Object.keys(value).find((k) => k !== key && closestName(k, [key]) !== undefined);
    if (written !== undefined) {
      return [
        {
          path: appendPath(path, written),
          rank: RANK.unknown,
          message: `is not a known setting${didYouMean(written, [key])}: ${key} is one of ${plainList(names)}`,
        },
      ];
    }
    return [{ path: at, rank: RANK.missing, message: `is missing: one of ${plainList(names)}` }];
  }
  const variant = variants.find((v) => constOf(v) === given);
  if (variant) return rankedProblems(variant, value, path);
  const message =
    typeof given === 'string'
      ? `${JSON.stringify(given)} is not a known ${key}: one of ${plainList(names)}${didYouMean(given, names.map(String))}`
      : `must be one of ${plainList(names)}`;
  return [{ path: at, rank: RANK.choice, message }];
}

/** Whether `value` is the kind of thing (object, list, text, ...) the variant describes. */
function fitsKind(variant: TSchema, value: unknown): boolean {
  if (hasConst(variant)) return typeof variant.const === typeof value;
  switch (variant.type) {
    case 'object':
      return isRecord(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
    case 'number':
      return typeof value === 'number';
    case 'string':
    case 'boolean':
      return typeof value === variant.type;
    default:
      return true;
  }
}

/** Keys of the value the variant knows, also misspelt: the surest sign of the variant meant. */
function knownKeys(variant: TSchema, value: unknown): number {
  if (!isObjectSchema(variant) || !isRecord(value)) return 0;
  const known = Object.keys(variant.properties);
  return Object.keys(value).filter((k) => known.includes(k) || closestName(k, known) !== undefined).length;
}

/** "url (an outside broker)", "embedded (the built-in broker)": an object variant named by its required keys and title. */
function variantName(v: ObjectSchema): string {
  return `${(v.required ?? []).join(' and ')}${typeof v.title === 'string' ? ` (${v.title})` : ''}`;
}

/** "needs url (an outside broker) or embedded (...)": the choices of an object union. */
function alternativesText(variants: ObjectSchema[]): string {
  const each = variants.map(variantName);
  return each.some((e) => e.includes(' and ')) ? `needs ${each.join(', or ')}` : `needs ${orList(each)}`;
}

/** How many of the variant's required keys the value has: who wrote `embedded` meant the built-in broker, whatever else is wrong. */
function requiredPresent(variant: TSchema, value: unknown): number {
  if (!isObjectSchema(variant) || !isRecord(value)) return 0;
  return (variant.required ?? []).filter((k) => k in value).length;
}

/** Object variants whose required keys are all there: two of them is a value that means both. */
function completeVariants(objects: ObjectSchema[], value: Record<string, unknown>): ObjectSchema[] {
  return objects.filter((v) => (v.required ?? []).length > 0 && requiredPresent(v, value) === (v.required ?? []).length);
}

/**
 * A union without a discriminator (the broker: url or embedded; a code map entry: one mapping or a
 * list): the variant of the value's kind whose required keys it has most of, then that knows most
 * of its keys, then has the fewest problems. An object that names no key of any variant gets the
 * choices; one that has all the required keys of two gets told to pick one.
 */
function closestVariantProblems(variants: TSchema[], value: unknown, path: string): RankedProblem[] {
  const fitting = variants.filter((v) => fitsKind(v, value));
  const everyKind = (): RankedProblem[] => [{ path, rank: RANK.kind, message: `must be ${orList([...new Set(variants.map(kindOf))])}` }];
  if (fitting.length === 0) return everyKind();
  const objects = fitting.filter(isObjectSchema);
  if (isRecord(value) && objects.length > 1) {
    if (objects.every((v) => knownKeys(v, value) === 0 && (v.required ?? []).length > 0)) {
      return [{ path, rank: RANK.missing, message: alternativesText(objects) }];
    }
    const complete = completeVariants(objects, value);
    if (complete.length > 1) {
      const not = complete.length === 2 ? 'both' : 'several';
      return [{ path, rank: RANK.choice, message: `use ${orList(complete.map(variantName))}, not ${not}` }];
    }
  }
  const [best] = fitting
    .map((variant) => ({
      variant,
      required: requiredPresent(variant, value),
      known: knownKeys(variant, value),
      problems: settle(rankedProblems(variant, value, path)),
    }))
    .sort((a, b) => b.required - a.required || b.known - a.known || a.problems.length - b.problems.length);
  return best === undefined || hasConst(best.variant) ? everyKind() : best.problems;
}
