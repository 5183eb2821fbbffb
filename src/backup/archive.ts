// The backup archive on disk: one `.tar.gz` (POSIX ustar with pax headers, gzip RFC 1952, written by
// node-tar) whose first entry is the manifest and second the configuration, so restore reads what
// it needs to decide before it unpacks the rest.

import { createReadStream } from 'node:fs';
import { chmod, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { create, extract, Parser, type ReadEntry } from 'tar';
// A file's too: it opens the path read-only and fsyncs it (a folder's: the names created or renamed in it).
import { fsyncDir as fsyncPath } from '../store/engine.ts';
import { CONFIG_DIR, DATA_DIR, digest, listFiles, MANIFEST, type Manifest } from './manifest.ts';

/**
 * Packs `staging` (manifest.json, config/, data/) into `target`, mode 0600 from the first byte (it
 * holds patient data), under a temporary name until it is complete and on disk.
 */
export async function writeArchive(staging: string, target: string): Promise<void> {
  const partial = `${target}.partial`;
  // Files only, named one by one: node-tar adds them in this order (a folder's entries would follow
  // other folders'), and restore unpacks folders 0700 itself.
  const { files } = await listFiles(staging);
  const inOrder = [MANIFEST, ...files.filter((f) => f.startsWith(`${CONFIG_DIR}/`)), ...files.filter((f) => f.startsWith(`${DATA_DIR}/`))];
  // Created here, exclusively and 0600; node-tar then writes into it (its own open keeps the mode).
  await (await open(partial, 'wx', 0o600)).close();
  try {
    await create({ gzip: true, cwd: staging, portable: true, file: partial, mode: 0o600 }, inOrder);
    await chmod(partial, 0o600);
    fsyncPath(partial);
    await rename(partial, target);
    fsyncPath(dirname(target));
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
}

export interface ArchiveHead {
  manifest: string;
  /** The configuration entry's path and text. */
  config?: { path: string; text: string };
}

/** The manifest and the configuration, read from the start of the archive (the rest is not read). */
export function readArchiveHead(file: string): Promise<ArchiveHead> {
  return new Promise<ArchiveHead>((resolve, reject) => {
    const head: { manifest?: string; config?: { path: string; text: string } } = {};
    const input = createReadStream(file);
    const finish = (): void => {
      input.destroy();
      if (head.manifest === undefined) reject(new Error(`${file} is not a medgate backup: it does not start with ${MANIFEST}`));
      else resolve({ manifest: head.manifest, ...(head.config ? { config: head.config } : {}) });
    };
    const parser = new Parser({
      onReadEntry: (entry: ReadEntry) => {
        const path = entry.path;
        const small = entry.type === 'File' && entry.size <= 16 << 20;
        if (small && (path === MANIFEST || path.startsWith(`${CONFIG_DIR}/`))) {
          const chunks: Buffer[] = [];
          entry.on('data', (c: Buffer) => chunks.push(c));
          entry.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (path === MANIFEST) head.manifest = text;
            else head.config = { path, text };
            if (head.manifest !== undefined && head.config) finish();
          });
          return;
        }
        entry.resume();
        if (entry.type === 'File' && path.startsWith(`${DATA_DIR}/`)) finish();
      },
    });
    parser.on('error', (err: Error) => reject(new Error(`${file} is not a readable archive: ${err.message}`)));
    parser.on('end', finish);
    input.on('error', reject);
    input.pipe(parser);
  });
}

/**
 * Unpacks regular files and folders only (no links or devices, no paths outside `into`: node-tar
 * refuses `..` and absolute names), files 0600 and folders 0700 whatever the archive says: node-tar
 * would otherwise create each with the mode of its header, setuid and setgid bits included.
 */
export async function extractArchive(file: string, into: string): Promise<void> {
  const refused: string[] = [];
  await extract({
    file,
    cwd: into,
    strict: true,
    preserveOwner: false,
    dmode: 0o700,
    // Called for each entry before it is unpacked; the mode set here is the one it is created with.
    filter: (path, entry) => {
      const type = 'type' in entry ? entry.type : undefined;
      const ok = type === 'File' || type === 'Directory';
      if (!ok) refused.push(`${path} (${type ?? 'unknown'})`);
      else if ('type' in entry) entry.mode = type === 'Directory' ? 0o700 : 0o600;
      return ok;
    },
  });
  if (refused.length > 0) throw new Error(`the archive holds entries a medgate backup never has: ${refused.slice(0, 5).join(', ')}`);
}

/**
 * Checks the unpacked files against the manifest (each listed file there, with its size and
 * SHA-256, and nothing else), and makes each durable on the way. Returns the problems; empty when
 * it all matches.
 */
export async function verifyExtracted(into: string, manifest: Manifest): Promise<string[]> {
  const problems: string[] = [];
  const { files, other } = await listFiles(into);
  const listed = new Map(manifest.files.map((f) => [f.path, f]));
  for (const path of files) {
    if (path === MANIFEST) continue;
    const want = listed.get(path);
    if (!want) {
      problems.push(`${path}: not in the manifest`);
      continue;
    }
    listed.delete(path);
    const got = await digest(`${into}/${path}`);
    if (got.size !== want.size) problems.push(`${path}: ${got.size} bytes, the manifest says ${want.size}`);
    else if (got.sha256 !== want.sha256) problems.push(`${path}: its SHA-256 is not the manifest's`);
    else fsyncPath(`${into}/${path}`);
  }
  for (const path of listed.keys()) problems.push(`${path}: missing`);
  for (const path of other) problems.push(`${path}: not a regular file`);
  if (problems.length > 0) return problems;
  // The names must survive a power cut as much as the contents.
  const folders = new Set<string>(['']);
  for (const path of files) for (let d = dirname(path); d !== '.'; d = dirname(d)) folders.add(d);
  for (const d of folders) fsyncPath(`${into}/${d}`);
  return problems;
}
