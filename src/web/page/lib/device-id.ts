// A device's ID while it is typed: the rule it must follow, whether another device has it, and an
// example that is free (never one that exists, so it cannot be mistaken for a value to keep). The
// rule is the device schema's `id` pattern as /api/schemas sends it (config/schema.ts), not a copy.

import type { ConfigProblem } from '../../api-types.ts';

/** The schema's pattern as a RegExp; undefined when there is none or it does not compile (the server still checks). */
export function idRuleOf(pattern: string | undefined): RegExp | undefined {
  if (pattern === undefined) return undefined;
  try {
    return new RegExp(pattern);
  } catch {
    return undefined;
  }
}

/** "scale-2" when scale-1 exists: the kind and the first free number. */
export function exampleId(kind: string | undefined, taken: ReadonlySet<string>): string {
  const stem = (kind ?? 'device').toLowerCase().replace(/[^a-z0-9]+/g, '-') || 'device';
  let n = 1;
  while (taken.has(`${stem}-${n}`)) n++;
  return `${stem}-${n}`;
}

/** What is wrong with `id` for a new device: empty, against `rule`, or another device's (named by its label). */
export function idProblem(id: string, taken: ReadonlyMap<string, string | undefined>, example: string, rule: RegExp | undefined): ConfigProblem | undefined {
  if (!id) return { path: 'id', message: `enter an ID, for example ${example} (letters, digits, _ . -)` };
  if (rule && !rule.test(id)) return { path: 'id', message: 'use letters, digits, _ . - only, starting with a letter or digit, at most 64' };
  if (taken.has(id)) {
    const label = taken.get(id);
    return { path: 'id', message: `device ${label ? `"${label}" ` : ''}already has the ID ${id}: choose another` };
  }
  return undefined;
}
