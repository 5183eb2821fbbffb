// What a backup archive says about itself, `manifest.json`, its first entry: which medgate and
// which data format wrote it, when and where, whether the API token is in it, and every file with
// its size and SHA-256 (FIPS 180-4), which restore checks before anything is put in place.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

export const MANIFEST = 'manifest.json';
/** The archive's folders: the configuration file, and the data folder's contents. */
export const CONFIG_DIR = 'config';
export const DATA_DIR = 'data';

const ArchivedFile = Type.Object({
  /** Inside the archive, `/`-separated: `config/<name>` or `data/...`. */
  path: Type.String({ minLength: 1 }),
  size: Type.Integer({ minimum: 0 }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
});
export type ArchivedFile = Static<typeof ArchivedFile>;

export const Manifest = Type.Object({
  kind: Type.Literal('medgate-backup'),
  /** This manifest's own layout. */
  manifest: Type.Literal(1),
  /** The medgate version that took the backup. */
  medgate: Type.String(),
  /** The data folder's format (0: a folder from before format stamps). */
  dataFormat: Type.Integer({ minimum: 0 }),
  /** Who wrote that format, as its stamp says (absent for format 0). */
  dataWrittenBy: Type.Optional(Type.String()),
  /** When the copy began: the data is as it was then. */
  createdAt: Type.String(),
  host: Type.String(),
  /** Whether `data/api-token` is in the archive (`--with-token`). */
  tokenIncluded: Type.Boolean(),
  /** The configuration file, as `config/<its name>`. */
  config: Type.String(),
  /** The data folder it came from, as the configuration resolved it. */
  dataDir: Type.String(),
  /** What the copy had to leave out or could not read cleanly (damage the gateway would report too). */
  notes: Type.Array(Type.String()),
  /**
   * Files and folders the configuration names outside the data folder (certificates, keys, watched
   * folders): not in the archive, to be backed up separately (external-files.ts). Absent in
   * archives of releases before it was added.
   */
  external: Type.Optional(Type.Array(Type.Object({ field: Type.String(), path: Type.String() }))),
  files: Type.Array(ArchivedFile),
});
export type Manifest = Static<typeof Manifest>;

/** The manifest, or why it is not one. */
export function parseManifest(text: string): Manifest | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'manifest.json is not JSON';
  }
  if (Value.Check(Manifest, value)) return value;
  const error = Value.Errors(Manifest, value).First();
  return `manifest.json: ${error ? `${error.path || '/'}: ${error.message}` : 'not a medgate backup manifest'}`;
}

/** Size and SHA-256 of a file, read once. */
export async function digest(file: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    const buf = chunk as Buffer;
    size += buf.length;
    hash.update(buf);
  }
  return { size, sha256: hash.digest('hex') };
}

/** Every regular file under `root`, as `/`-separated paths relative to it, sorted; anything else is returned apart. */
export async function listFiles(root: string): Promise<{ files: string[]; other: string[] }> {
  const files: string[] = [];
  const other: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) files.push(path);
      else other.push(path);
    }
  };
  await walk('');
  return { files: files.sort(), other: other.sort() };
}
