// The two forms a code map entry takes in the configuration (one mapping, or a list of mappings
// per specimen or instrument), read and written in one place for the server and the page.

import type { CodeMappingT } from './schema.ts';

export type CodeMapEntry = CodeMappingT | readonly CodeMappingT[];

/** Every mapping of one code, in configuration order. */
export function mappingsOf(entry: CodeMapEntry | undefined): readonly CodeMappingT[] {
  if (entry === undefined) return [];
  return Array.isArray(entry) ? entry : [entry as CodeMappingT];
}

/** The entry to store for a code's mappings: the plain object when there is one, so simple maps stay simple. */
export function codeMapEntry(mappings: readonly CodeMappingT[]): CodeMappingT | CodeMappingT[] | undefined {
  if (mappings.length === 0) return undefined;
  return mappings.length === 1 ? { ...mappings[0]! } : mappings.map((m) => ({ ...m }));
}
