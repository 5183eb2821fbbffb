// The repository stands alone: nothing in it points at notes kept outside it, and every
// `docs/<file>.md#anchor` a file cites is a heading of that file, so whoever inherits the code keeps
// the protocol references the decoders cite section by section.

import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/package-root.ts';
import { anchors } from '../../support/markdown.ts';

interface TextFile {
  path: string;
  text: string;
}

/** What .gitignore leaves out, for a copy of the repository without its .git (an unpacked archive). */
const IGNORED = /(^|\/)(node_modules|dist|dist\.next|dist\.old|data|\.git)(\/|$)|^tmp\/|\.log$/;

/** Tracked files and new ones not ignored (what the next commit may hold); every file outside the ignored folders when there is no git. */
function repositoryPaths(): string[] {
  try {
    const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: PACKAGE_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return [...new Set(listed.split('\0'))].filter((path) => path !== '');
  } catch {
    return walk('');
  }
}

function walk(dir: string): string[] {
  return readdirSync(join(PACKAGE_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = dir === '' ? entry.name : `${dir}/${entry.name}`;
    if (IGNORED.test(path)) return [];
    if (entry.isDirectory()) return walk(path);
    return entry.isFile() ? [path] : [];
  });
}

/** The repository's text files (binary ones, such as the screenshots, left out). */
function repositoryTextFiles(): TextFile[] {
  return repositoryPaths()
    .filter((path) => !IGNORED.test(path))
    .flatMap((path) => {
      const file = join(PACKAGE_ROOT, path);
      if (!existsSync(file)) return []; // deleted in the working tree, not yet in the index
      const bytes = readFileSync(file);
      if (bytes.subarray(0, 8000).includes(0)) return [];
      return [{ path, text: bytes.toString('utf8') }];
    });
}

// Spelled in pieces so that this file does not name them itself.
const OUTSIDE_NOTES = ['DESIGN', 'PROTOCOLS', 'DEPENDENCIES'].map((name) => `${name}.md`);
const OUTSIDE_FOLDER = ['..', 'shared'].join('/');

function outsideReferences(file: TextFile): string[] {
  return file.text.split('\n').flatMap((line, i) => {
    const named = [...OUTSIDE_NOTES, OUTSIDE_FOLDER].filter((name) => line.includes(name));
    return named.map((name) => `${file.path}:${i + 1} cites ${name}`);
  });
}

/** `docs/<file>.md#anchor` anywhere (a comment, a README link `../../docs/...`), and in docs/ also `](file.md#anchor)` and `](#anchor)`. */
function citedAnchors(file: TextFile): Array<{ where: string; doc: string; anchor: string }> {
  const found: Array<{ where: string; doc: string; anchor: string }> = [];
  file.text.split('\n').forEach((line, i) => {
    const where = `${file.path}:${i + 1}`;
    for (const m of line.matchAll(/(?<![\w/.-])(?:\.\.\/)*docs\/([\w.-]+\.md)#([\w-]+)/g)) {
      found.push({ where, doc: `docs/${m[1]}`, anchor: m[2] ?? '' });
    }
    if (file.path.startsWith('docs/') && file.path.endsWith('.md')) {
      for (const m of line.matchAll(/\]\((?:\.\/)?([\w-]+\.md)?#([\w-]+)\)/g)) {
        const doc = m[1] === undefined ? file.path : posix.join(dirname(file.path), m[1]);
        found.push({ where, doc, anchor: m[2] ?? '' });
      }
    }
  });
  return found;
}

describe('the repository stands alone', () => {
  const files = repositoryTextFiles();

  it('reads the repository', () => {
    // A listing that came back empty would make the checks below pass on nothing.
    expect(files.map((f) => f.path)).toEqual(expect.arrayContaining(['README.md', 'src/gateway.ts', 'docs/protocols.md', 'docs/architecture.md']));
  });

  it('cites no notes kept outside the repository', () => {
    expect(files.flatMap(outsideReferences)).toEqual([]);
  });

  it('cites only docs sections that exist', () => {
    const headingsOf = new Map<string, Set<string> | undefined>();
    const missing: string[] = [];
    let checked = 0;
    for (const file of files) {
      for (const { where, doc, anchor } of citedAnchors(file)) {
        if (!headingsOf.has(doc)) {
          const path = join(PACKAGE_ROOT, doc);
          headingsOf.set(doc, existsSync(path) ? anchors(readFileSync(path, 'utf8')) : undefined);
        }
        const known = headingsOf.get(doc);
        checked += 1;
        if (known === undefined) missing.push(`${where}: ${doc} does not exist`);
        else if (!known.has(anchor)) missing.push(`${where}: ${doc} has no heading #${anchor}`);
      }
    }
    expect(missing).toEqual([]);
    // The decoders cite the protocol notes section by section; a pattern that stopped matching them would check nothing.
    expect(checked).toBeGreaterThan(50);
  });
});
