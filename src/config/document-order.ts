// Problems in the order their places appear in the file, so a technician fixes it from top to bottom.

import { isRecord } from '../model/is-record.ts';
import { appendPath, parentPath } from './config-path.ts';
import { MAX_CONFIG_DEPTH } from './nesting.ts';

/**
 * Every path of the document, numbered depth-first in the order of its keys (JSON.parse keeps them),
 * down to MAX_CONFIG_DEPTH: below it a problem takes its ancestor's place, and a document nested
 * thousands deep does not overflow the stack.
 */
function pathOrder(doc: unknown): Map<string, number> {
  const order = new Map<string, number>();
  const visit = (value: unknown, path: string, depth: number) => {
    order.set(path, order.size);
    if (depth >= MAX_CONFIG_DEPTH) return;
    if (Array.isArray(value)) value.forEach((item, i) => visit(item, appendPath(path, `[${i}]`), depth + 1));
    else if (isRecord(value)) for (const [key, item] of Object.entries(value)) visit(item, appendPath(path, key), depth + 1);
  };
  visit(doc, '(root)', 0);
  return order;
}

/** The place of a path, or of its nearest ancestor in the document (a missing setting sits in its parent). */
function placeOf(order: Map<string, number>, path: string): number {
  for (let p = path; p !== ''; p = parentPath(p)) {
    const at = order.get(p);
    if (at !== undefined) return at;
  }
  return 0;
}

/** `problems` sorted by where their paths are in `doc`; ties keep their order. */
export function inDocumentOrder<P extends { path: string }>(doc: unknown, problems: P[]): P[] {
  if (problems.length < 2) return problems;
  const order = pathOrder(doc);
  return problems
    .map((p, i) => ({ p, i, at: placeOf(order, p.path) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map(({ p }) => p);
}
