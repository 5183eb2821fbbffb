// No setting of a configuration lies more than a few levels down. A document nested thousands deep
// (by hand, by a script, in a request to the page's API) is refused at the first place past the
// limit, before a recursive walk (the schema validator, structuredClone) overflows the stack on it.

import { isRecord } from '../model/is-record.ts';
import { appendPath } from './config-path.ts';

export const MAX_CONFIG_DEPTH = 32;

/** A path as deep as a real setting (`devices[0].settings.fields`): where to look, not the 32 steps down. */
const SHOWN_DEPTH = 4;

/** Where (to SHOWN_DEPTH) the first object or list nested deeper than MAX_CONFIG_DEPTH is, or undefined. */
export function tooDeepAt(doc: unknown): string | undefined {
  const walk = (value: unknown, path: string, depth: number, shown: string): string | undefined => {
    if (!Array.isArray(value) && !isRecord(value)) return undefined;
    if (depth >= MAX_CONFIG_DEPTH) return shown;
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, i) => [`[${i}]`, item]) : Object.entries(value);
    for (const [key, item] of entries) {
      const at = appendPath(path, key);
      const found = walk(item, at, depth + 1, depth < SHOWN_DEPTH ? at : shown);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(doc, '', 0, '(root)');
}
