// The database (`<dataDir>/db/`, store/engine.ts) copied while the gateway writes it. Never a plain
// file copy: data.mdb read while a transaction commits can mix pages of two states. LMDB's own
// copy (mdb_env_copy2, which lmdb-js offers as `backup(path, compact)`) writes the state of one read
// transaction, and a separate process may open the environment for that (LMDB keeps its readers in
// lock.mdb, shared between processes). With compaction it walks the B-trees inside that read
// transaction only, so the gateway's writers never wait for it, and free pages stay behind.

import { existsSync, statSync } from 'node:fs';
import { chmod, mkdir, open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import { open } from 'lmdb';
import { metaPagesProblem } from '../store/engine-check.ts';

/**
 * Creates `lock.mdb` when it does not exist yet (a folder restored and not yet started), 0600 with
 * the owner of `data.mdb`. LMDB would create it for this process, and a backup run as root would
 * leave a root-owned file the gateway's user cannot write, on which lmdb-js crashes (SIGSEGV) at
 * every start. An empty file is what LMDB initialises itself.
 */
async function prepareLockFile(source: string, owner: { uid: number; gid: number }): Promise<void> {
  let fh;
  try {
    fh = await openFile(join(source, 'lock.mdb'), 'wx', 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return; // the gateway's own, or one it made meanwhile
    // A read-only folder (a card from a dead Pi, mounted to rescue it): LMDB reads it without a lock file.
    if (code === 'EROFS' || code === 'EACCES') return;
    throw err;
  }
  try {
    if (process.getuid?.() === 0) await fh.chown(owner.uid, owner.gid);
  } finally {
    await fh.close();
  }
}

/** Copies `<dataDir>/db` into `<into>/db`; false when there is no database yet. */
export async function copyEngine(dataDir: string, into: string): Promise<boolean> {
  const source = join(dataDir, 'db');
  const dataFile = join(source, 'data.mdb');
  if (!existsSync(dataFile) || statSync(dataFile).size === 0) return false;
  // lmdb-js ends the process on a file that is not LMDB's (engine-check.ts): look before opening.
  const problem = metaPagesProblem(dataFile);
  if (problem) throw new Error(`${dataFile} is damaged (${problem}): the gateway sets it aside at its next start; there is nothing in it to back up`);
  const target = join(into, 'db');
  // LMDB writes data.mdb into a folder that must exist.
  await mkdir(target, { recursive: true, mode: 0o700 });
  await prepareLockFile(source, statSync(dataFile));
  const env = open({ path: source, readOnly: true });
  try {
    await env.backup(target, true);
  } finally {
    await env.close();
  }
  await chmod(join(target, 'data.mdb'), 0o600);
  return true;
}
