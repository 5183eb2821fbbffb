// The storage engine: one LMDB environment (lmdb-js) in `<dataDir>/db/`, with a named database per
// kind of record. LMDB is a copy-on-write B+tree: a commit is atomic, a torn write after a power cut
// is never visible (the last committed root wins), reads are synchronous and cost what they return,
// and writes issued together are committed together (lmdb-js batches every put of an event-loop
// turn into one transaction: group commit, one flush per batch).
//
// Decisions:
// - `overlappingSync: false`: a write's promise resolves only once its transaction is on disk, so
//   "resolved" means durable, the promise a device acknowledgement may wait for.
// - An environment that cannot be opened (a damaged file) is moved aside whole to
//   `db.damaged-<time>/` and a new one is opened: the gateway starts, and the loss is reported
//   (log at error, `damaged` here for /healthz and the page) instead of refusing to run.

import { mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type Key, type RootDatabase } from 'lmdb';
import { silentLogger, type Logger } from '../model/logger.ts';

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
  /** Resolves when every write issued so far is on disk. */
  flushed(): Promise<void>;
  /** Set when the environment found at start could not be read and was moved aside. */
  readonly damaged: EngineDamage | undefined;
  close(): Promise<void>;
}

export interface EngineOptions {
  log?: Logger;
  now?: () => Date;
}

const MAX_DBS = 32;

function openRoot(path: string): RootDatabase<unknown, Key> {
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return open<unknown, Key>({ path, maxDbs: MAX_DBS, overlappingSync: false, compression: false });
}

export function openEngine(dataDir: string, opts: EngineOptions = {}): StorageEngine {
  const log = opts.log ?? silentLogger;
  const now = opts.now ?? (() => new Date());
  const path = join(dataDir, 'db');
  let damaged: EngineDamage | undefined;
  let root: RootDatabase<unknown, Key>;
  try {
    root = openRoot(path);
  } catch (err) {
    const at = now().toISOString();
    const movedTo = join(dataDir, `db.damaged-${at.replace(/[:.]/g, '-')}`);
    const reason = err instanceof Error ? err.message : String(err);
    renameSync(path, movedTo);
    log.error({ movedTo, reason }, 'storage could not be opened: moved aside, starting with an empty store (restore it from a backup)');
    damaged = { movedTo, reason, at };
    root = openRoot(path);
  }
  const dbs = new Map<string, Database<unknown, Key>>();
  return {
    path,
    get damaged() {
      return damaged;
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
    async close() {
      await root.close();
    },
  };
}
