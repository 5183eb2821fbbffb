// The project's own TypeScript sources, parsed, for the tests that hold a convention across all of them
// (one log key for errors, one error-text helper, imports only downward).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { PACKAGE_ROOT } from '../../src/package-root.ts';

export interface SourceFile {
  /** Relative to the package root, with forward slashes. */
  path: string;
  text: string;
  tree: ts.SourceFile;
}

function tsFiles(dir: string, skip: (path: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (skip(relative(PACKAGE_ROOT, path))) return [];
    if (statSync(path).isDirectory()) return tsFiles(path, skip);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** Every .ts file under the given folders (relative to the package root), except the paths `skip` names. */
export function sourceFiles(roots: readonly string[], skip: (path: string) => boolean = () => false): SourceFile[] {
  return roots.flatMap((root) =>
    tsFiles(join(PACKAGE_ROOT, root), skip).map((file) => {
      const text = readFileSync(file, 'utf8');
      return { path: relative(PACKAGE_ROOT, file).split('\\').join('/'), text, tree: ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true) };
    }),
  );
}

/** Every node of a tree, depth first. */
export function* nodes(node: ts.Node): Generator<ts.Node> {
  yield node;
  const children: ts.Node[] = [];
  ts.forEachChild(node, (child) => {
    children.push(child);
  });
  for (const child of children) yield* nodes(child);
}

/** `file:line` of a node, for a failure message. */
export function where(file: SourceFile, node: ts.Node): string {
  return `${file.path}:${file.tree.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
}
