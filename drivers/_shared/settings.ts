// Driver settings: TypeBox schema defaults applied at open(), and schema problems listed with
// JSON-path-like locations (`settings.pattern`) for the config validator.

import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export function schemaProblems(schema: TSchema, settings: unknown): string[] {
  return [...Value.Errors(schema, settings)].map((e) => `${toPath(e.path)}: ${e.message}`);
}

/** Settings with defaults filled in; throws (from open()) when they do not fit the schema. */
export function resolveSettings<T extends TSchema>(driverId: string, schema: T, settings: unknown): Static<T> {
  const value = Value.Default(schema, Value.Clone(settings ?? {}));
  const problems = schemaProblems(schema, value);
  if (problems.length > 0 || !Value.Check(schema, value)) {
    throw new Error(`invalid settings for driver "${driverId}": ${problems.join('; ')}`);
  }
  return value;
}

function toPath(pointer: string): string {
  if (pointer === '' || pointer === '/') return 'settings';
  return (
    'settings' +
    pointer
      .split('/')
      .slice(1)
      .map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p.replace(/~1/g, '/').replace(/~0/g, '~')}`))
      .join('')
  );
}
