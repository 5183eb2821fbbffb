// The storage engine: one LMDB environment (lmdb-js) in `<dataDir>/db/`, with a named database per
// kind of record. LMDB is a copy-on-write B+tree: a commit is atomic, a torn write after a power cut
// is never visible (the last committed root wins), reads are synchronous and cost what they return,
// and writes issued together are committed together (lmdb-js batches every put of an event-loop
// turn into one transaction: group commit, one flush per batch).
//
// Decisions:
// - `overlappingSync: false`: a write's promise resolves only once its transaction is on disk, so
//   "resolved" means durable, the promise a device acknowledgement may wait for.
// - A damaged environment must never take the gateway down: lmdb-js dies by SIGSEGV on a data file
//   that is not LMDB's. So before opening it here, its meta pages are checked (cheap, always) and,
//   when the previous run did not leave its clean-shutdown marker, it is opened and sampled in a
//   child process first (engine-check.ts). One that fails either check, or cannot be opened, is
//   moved aside whole to `db.damaged-<time>/` and a new one is opened: the gateway starts, and the
//   loss is reported (log at error, `damaged` here for /healthz) instead of refusing to run.

import { accessSync, closeSync, constants, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { open, type Database, type Key, type RootDatabase } from 'lmdb';
import { silentLogger, type Logger } from '../model/logger.ts';
import { metaPagesProblem, verifyInChild } from './engine-check.ts';
import { StartRefused } from '../model/start-refused.ts';
import { errorText } from '../model/error-text.ts';

export interface EngineDamage {
  /** Where the unreadable environment was moved. */
  movedTo: string;
  reason: string;
  at: string;
}

export interface StorageEngine {
  readonly path: string;
  /** A named database (created on first use). Values are structured-cloneable records. */
  db<V, K extends Key = Key>(name: string, opts?: { dupSort?: boolean }): Database<V, K>;
  /** Resolves when every write this thread issued so far is on disk (not another thread's). */
  flushed(): Promise<void>;
  /** Reads after this see what another thread committed (lmdb-js renews its read snapshot itself only on a timer). */
  resetReads(): void;
  /** Set when the environment found at start could not be read and was moved aside. */
  readonly damaged: EngineDamage | undefined;
  close(): Promise<void>;
}

export interface EngineOptions {
  log?: Logger;
  now?: () => Date;
}

/** Written by close(), removed at open: its absence at open means the last run ended another way. */
export const CLEAN_SHUTDOWN = 'clean-shutdown';

const MAX_DBS = 32;

function openRoot(path: string): RootDatabase<unknown, Key> {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return open<unknown, Key>({ path, maxDbs: MAX_DBS, overlappingSync: false, compression: false });
}

export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Why the environment at `path` must not be opened in this process, or undefined. */
function damageOf(path: string, log: Logger): string | undefined {
  const dataFile = join(path, 'data.mdb');
  // No data yet (or an empty file LMDB initialises): nothing that could crash.
  if (!existsSync(dataFile) || statSync(dataFile).size === 0) return undefined;
  let problem: string | undefined;
  try {
    problem = metaPagesProblem(dataFile);
  } catch (err) {
    return `its data file could not be read: ${errorText(err)}`;
  }
  if (problem) return `not an LMDB data file: ${problem}`;
  const marker = join(path, CLEAN_SHUTDOWN);
  if (existsSync(marker)) {
    // Gone before anything is written, so a crash from here on leaves no marker behind.
    rmSync(marker);
    fsyncDir(path);
    return undefined;
  }
  const verdict = verifyInChild(path);
  if (verdict.ok) return undefined;
  if (verdict.damaged) return verdict.reason;
  log.warn({ reason: verdict.reason }, 'storage not verified after an unclean shutdown; opening it anyway');
  return undefined;
}

export function openEngine(dataDir: string, opts: EngineOptions = {}): StorageEngine {
  const log = opts.log ?? silentLogger;
  const now = opts.now ?? (() => new Date());
  const path = join(dataDir, 'db');
  let damaged: EngineDamage | undefined;
  const moveAside = (reason: string) => {
    const at = now().toISOString();
    const base = join(dataDir, `db.damaged-${at.replace(/[:.]/g, '-')}`);
    // Twice in one millisecond (the header check, then the open) must not collide.
    let movedTo = base;
    for (let n = 2; existsSync(movedTo); n++) movedTo = `${base}-${n}`;
    renameSync(path, movedTo);
    fsyncDir(dirname(path));
    log.error({ movedTo, reason }, 'storage could not be opened: moved aside, starting with an empty store (restore it from a backup)');
    damaged = { movedTo, reason, at };
  };
  // lmdb-js dies by SIGSEGV, logging nothing, on a lock file it cannot write (made by a command run as root): say so instead.
  try {
    accessSync(join(path, 'lock.mdb'), constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const lock = join(path, 'lock.mdb');
    const refuse = (why: string) => {
      log.error({ file: lock, code }, why);
      return new StartRefused(why);
    };
    if (code === 'EROFS')
      throw refuse(`${lock} is on a read-only file system: the data folder must be writable (mounted read-write, and in the service's ReadWritePaths=)`);
    if (code !== 'ENOENT')
      throw refuse(
        `${lock} cannot be written by this process (${(err as Error).message}): with the gateway stopped, give it the gateway's user (chown) or delete it (it holds no data)`,
      );
  }
  const found = damageOf(path, log);
  if (found) moveAside(found);
  let root: RootDatabase<unknown, Key>;
  try {
    root = openRoot(path);
  } catch (err) {
    moveAside(errorText(err));
    root = openRoot(path);
  }
  return engineOver(
    root,
    path,
    () => damaged,
    async () => {
      const marker = join(path, CLEAN_SHUTDOWN);
      writeFileSync(marker, `${now().toISOString()}\n`, { flush: true });
      fsyncDir(path);
    },
  );
}

/**
 * The environment of `<dataDir>/db/` that another thread of this process opened with openEngine()
 * (and so checked): lmdb-js shares one environment between the threads of a process. No checks, and
 * closing it leaves the clean-shutdown marker to the thread that opened it.
 */
export function attachEngine(dataDir: string): StorageEngine {
  const path = join(dataDir, 'db');
  return engineOver(
    openRoot(path),
    path,
    () => undefined,
    async () => undefined,
  );
}

function engineOver(root: RootDatabase<unknown, Key>, path: string, damaged: () => EngineDamage | undefined, afterClose: () => Promise<void>): StorageEngine {
  const dbs = new Map<string, Database<unknown, Key>>();
  return {
    path,
    get damaged() {
      return damaged();
    },
    db<V, K extends Key = Key>(name: string, dbOpts: { dupSort?: boolean } = {}): Database<V, K> {
      let db = dbs.get(name);
      if (!db) {
        db = root.openDB<unknown, Key>({ name, dupSort: dbOpts.dupSort ?? false, compression: false });
        dbs.set(name, db);
      }
      // lmdb-js types a database by its value and key types; one environment serves several.
      return db as unknown as Database<V, K>;
    },
    async flushed() {
      await root.flushed;
    },
    resetReads() {
      root.resetReadTxn();
    },
    async close() {
      await root.close();
      await afterClose();
    },
  };
}
