// The data folder's files besides the state and the database, copied while the gateway runs, each
// by what writes it:
// - append-only day files (`*.jsonl`: audit/, inbound/, and the day files an earlier version left,
//   store/history.ts) up to their last complete line: a line without its newline is an append under
//   way, not yet acknowledged, which their reader skips as a torn last line anyway;
// - documents rewritten whole (users.json, directory.json, orders.json, qc.json, format.json: temp file and
//   rename, so one open reads one version) and anything else the folder holds (what was set aside as damaged, the
//   folders an import renamed), copied as they are;
// - never: lock files, temp files of writes under way, LMDB's lock.mdb (a running process's
//   readers), the signed-in sessions (sessions.json: a restore signs everyone out, as a credential
//   the token is left out for), and the API token unless asked for.

import { copyFile, chmod, mkdir, open, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export type Handling = 'state' | 'engine' | 'token' | 'skip' | 'append-only' | 'copy';

export const TOKEN_FILE = 'api-token';
/** The signed-in sessions (web/auth/session-file.ts writes it; named here, the web layer sits above this one). */
const SESSIONS_FILE = 'sessions.json';

/** How the backup treats `rel` (a `/`-separated path inside the data folder). */
export function handlingOf(rel: string): Handling {
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  if (rel === 'state.json') return 'state';
  if (rel === 'state.json.journal') return 'state'; // replayed into the state copy (state-copy.ts)
  if (rel === 'db') return 'engine';
  if (rel === TOKEN_FILE) return 'token';
  // `<file>.lock` and the lock's temp and stale names (store/file-lock.ts); `<file>.tmp` (durable-file-adapter.ts).
  if (/\.lock(\.|$)/.test(name) || name.endsWith('.tmp') || name === 'lock.mdb') return 'skip';
  if (rel === SESSIONS_FILE) return 'skip';
  if (name.endsWith('.jsonl')) return 'append-only';
  return 'copy';
}

const CHUNK = 64 * 1024;

/** Copies `from` up to and including its last newline (nothing when it has none). */
async function copyCompleteLines(from: string, to: string): Promise<void> {
  const src = await open(from, 'r');
  try {
    let end = (await src.stat()).size;
    const buf = Buffer.alloc(CHUNK);
    let keep = 0;
    while (end > 0 && keep === 0) {
      const start = Math.max(0, end - CHUNK);
      const { bytesRead } = await src.read(buf, 0, end - start, start);
      const nl = buf.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (nl >= 0) keep = start + nl + 1;
      end = start;
    }
    const dst = await open(to, 'wx', 0o600);
    try {
      for (let at = 0; at < keep; ) {
        const { bytesRead } = await src.read(buf, 0, Math.min(CHUNK, keep - at), at);
        if (bytesRead === 0) break; // cut shorter meanwhile: pruned while copied
        await dst.write(buf, 0, bytesRead);
        at += bytesRead;
      }
    } finally {
      await dst.close();
    }
  } finally {
    await src.close();
  }
}

export interface CopiedFiles {
  files: number;
  /** Entries neither files nor folders (symbolic links, sockets): not copied. */
  skipped: string[];
}

function gone(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Copies what `handlingOf` says to copy from `dataDir` into `into`, with mode 0600 (folders 0700).
 * The documents go first and the day files after: a trail (the audit, the inbound journal) is
 * written after the change it records, so copied later it records every change the copy holds.
 */
export async function copyDataFiles(dataDir: string, into: string, opts: { withToken: boolean }): Promise<CopiedFiles> {
  const out: CopiedFiles = { files: 0, skipped: [] };
  const found: Array<{ path: string; how: Handling }> = [];
  const walk = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(join(dataDir, rel), { withFileTypes: true });
    } catch (err) {
      if (gone(err) && rel !== '') return; // removed meanwhile (renamed by an import)
      throw err;
    }
    for (const e of entries) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      const how = handlingOf(path);
      if (how === 'state' || how === 'engine' || how === 'skip' || (how === 'token' && !opts.withToken)) continue;
      if (e.isDirectory()) await walk(path);
      else if (e.isFile()) found.push({ path, how });
      else out.skipped.push(path);
    }
  };
  await walk('');
  const trailsLast = [...found.filter((f) => f.how !== 'append-only'), ...found.filter((f) => f.how === 'append-only')];
  for (const { path, how } of trailsLast) {
    const target = join(into, path);
    await mkdir(dirname(target), { recursive: true, mode: 0o700 });
    try {
      if (how === 'append-only') await copyCompleteLines(join(dataDir, path), target);
      else await copyFile(join(dataDir, path), target);
    } catch (err) {
      if (gone(err)) continue; // pruned (a day file past retention) while the folder was walked
      throw err;
    }
    await chmod(target, 0o600);
    out.files++;
  }
  return out;
}
