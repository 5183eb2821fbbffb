// An exclusive lock file beside a data file, so a second gateway on the same dataDir fails fast
// instead of racing on the same temp file and silently losing writes.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';

interface LockOwner {
  pid: number;
  host: string;
  /** Linux boot id: a lock from before a reboot is stale even if its pid is alive again. */
  bootId?: string;
  at: string;
}

/** Files locked by this process, so the same pid in a lock means "stale" only when we do not hold it. */
const heldHere = new Set<string>();

function currentBootId(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

function parseOwner(text: string): LockOwner | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const o = value as Partial<LockOwner>;
    if (typeof o.pid !== 'number' || typeof o.host !== 'string') return undefined;
    return { pid: o.pid, host: o.host, bootId: typeof o.bootId === 'string' ? o.bootId : undefined, at: String(o.at ?? '') };
  } catch {
    return undefined;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why the lock's owner is gone, or undefined when it may still be running. */
function staleReason(lockPath: string, owner: LockOwner | undefined, bootId: string | undefined): string | undefined {
  if (!owner) return 'unreadable lock file';
  if (owner.host !== hostname()) return undefined; // another machine on a shared disk: cannot check
  if (bootId && owner.bootId && owner.bootId !== bootId) return 'left over from before a reboot';
  if (owner.pid === process.pid) return heldHere.has(lockPath) ? undefined : 'our own pid, not held (restarted container?)';
  return pidAlive(owner.pid) ? undefined : `process ${owner.pid} is not running`;
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export class FileLock {
  private constructor(
    readonly path: string,
    private readonly content: string,
  ) {}

  /**
   * Takes `<dataFile>.lock`. The content is written to a private temp file and hard-linked into place,
   * so the lock appears atomically with its owner already in it (link fails with EEXIST).
   * `onStale` is told when a dead owner's lock is taken over.
   */
  static async acquire(dataFile: string, onStale?: (reason: string) => void): Promise<FileLock> {
    const lockPath = `${dataFile}.lock`;
    const bootId = currentBootId();
    const owner: LockOwner = { pid: process.pid, host: hostname(), bootId, at: new Date().toISOString() };
    const content = JSON.stringify(owner);
    const mine = `${lockPath}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await writeFile(mine, content, { flag: 'wx' });
    try {
      for (let attempt = 0; attempt < 5; attempt++) {
        try {
          await link(mine, lockPath);
          heldHere.add(lockPath);
          return new FileLock(lockPath, content);
        } catch (err) {
          if (errCode(err) !== 'EEXIST') throw err;
        }
        let existing: string;
        try {
          existing = await readFile(lockPath, 'utf8');
        } catch (err) {
          if (errCode(err) === 'ENOENT') continue; // released meanwhile
          throw err;
        }
        const other = parseOwner(existing);
        const reason = staleReason(lockPath, other, bootId);
        if (!reason) {
          const who = other ? `pid ${other.pid} on ${other.host}, since ${other.at}` : 'unknown owner';
          throw new Error(
            `${dataFile} is in use by another medgate process (${who}; lock file ${lockPath}). ` +
              'Stop that process, or if none is running, delete the lock file.',
          );
        }
        // Move the stale lock aside (atomic: of two racing takers only one moves it), then check we
        // moved the lock we judged stale and not a fresh one someone created in between.
        const aside = `${lockPath}.stale.${process.pid}.${randomBytes(4).toString('hex')}`;
        try {
          await rename(lockPath, aside);
        } catch (err) {
          if (errCode(err) === 'ENOENT') continue;
          throw err;
        }
        const moved = await readFile(aside, 'utf8');
        if (moved !== existing) {
          await link(aside, lockPath).catch(() => undefined); // put the fresh lock back
          await unlink(aside).catch(() => undefined);
          continue;
        }
        await unlink(aside).catch(() => undefined);
        onStale?.(reason);
      }
      throw new Error(`could not take the lock ${lockPath}: it keeps changing (another process starting?)`);
    } finally {
      await unlink(mine).catch(() => undefined);
    }
  }

  /** Removes the lock if it is still ours. */
  async release(): Promise<void> {
    if (!heldHere.delete(this.path)) return;
    try {
      if ((await readFile(this.path, 'utf8')) === this.content) await unlink(this.path);
    } catch (err) {
      if (errCode(err) !== 'ENOENT') throw err;
    }
  }
}
