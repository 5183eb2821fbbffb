// Checks that an LMDB environment can be opened before this process opens it: lmdb-js kills the
// process (SIGSEGV) on a data file that is not LMDB's, and a damaged B-tree may do the same on the
// first read. First a cheap look at the two meta pages, in-process; then, when the previous run did
// not shut down cleanly, an open and a sample read of every database in a short-lived child
// process, whose crash costs nothing but the verdict.

import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { errorText } from '../model/error-text.ts';

// LMDB's file layout (mdb.c, liblmdb as vendored by lmdb-js 3.5): pages 0 and 1 are meta pages;
// each starts with a 24-byte page header (pgno, txnid, pad, flags, lower/upper), then MDB_meta:
// mm_magic (uint32, MDB_MAGIC 0xBEEFC0DE), mm_version (uint32, MDB_DATA_VERSION 2), mm_address,
// mm_mapsize, then mm_dbs[FREE_DBI] whose md_pad is the page size (mm_psize). Little-endian here
// (x86-64, arm64, armv7).
const PAGE_HEADER = 24;
const MDB_MAGIC = 0xbeefc0de;
const MDB_DATA_VERSION = 2;
const PSIZE_OFFSET = PAGE_HEADER + 4 + 4 + 8 + 8;
const P_META = 0x08;
const FLAGS_OFFSET = 18;

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n);
}

function metaProblem(page: Buffer, which: number): string | undefined {
  if (page.length < PSIZE_OFFSET + 4) return `meta page ${which} is cut short`;
  if ((page.readUInt16LE(FLAGS_OFFSET) & P_META) === 0) return `page ${which} is not a meta page`;
  const magic = page.readUInt32LE(PAGE_HEADER);
  if (magic !== MDB_MAGIC) return `meta page ${which} has magic 0x${magic.toString(16)}, not LMDB's`;
  const version = page.readUInt32LE(PAGE_HEADER + 4);
  if (version !== MDB_DATA_VERSION) return `meta page ${which} has format version ${version}, expected ${MDB_DATA_VERSION}`;
  return undefined;
}

/** Why `dataFile` is not an LMDB data file, or undefined when both meta pages look right. */
export function metaPagesProblem(dataFile: string): string | undefined {
  const fd = openSync(dataFile, 'r');
  try {
    const first = readAt(fd, 0, PSIZE_OFFSET + 4);
    const problem = metaProblem(first, 0);
    if (problem) return problem;
    const psize = first.readUInt32LE(PSIZE_OFFSET);
    // The OS page size, a power of two no larger than MAX_PAGESIZE (0x10000 in mdb.c).
    if (psize < 512 || psize > 0x10000 || (psize & (psize - 1)) !== 0) return `meta page 0 names an impossible page size ${psize}`;
    return metaProblem(readAt(fd, psize, PSIZE_OFFSET + 4), 1);
  } finally {
    closeSync(fd);
  }
}

export type ChildVerdict = { ok: true } | { ok: false; damaged: true; reason: string } | { ok: false; damaged: false; reason: string };

/** Entries read from each end of every database: enough to walk the tree from its root to both edges. */
const SAMPLE = 1000;

// Plain CommonJS so the child needs no loader. Values are read as raw bytes (every database, whatever
// its encoding); names are collected before any database is opened (a cursor on the main database is
// invalidated by opening a named one).
const CHILD = `
const [lmdb, path, sample] = process.argv.slice(1);
const { open } = require(lmdb);
const root = open({ path, readOnly: true, maxDbs: 64 });
for (const name of [...root.getKeys({})]) {
  if (typeof name !== 'string') continue;
  const db = root.openDB({ name, encoding: 'binary', keyEncoding: 'binary' });
  for (const reverse of [false, true]) for (const e of db.getRange({ limit: Number(sample), reverse })) void e.value.length;
}
root.close().then(() => process.exit(0));
`;

/**
 * Opens the environment at `path` read-only in a child process and reads a sample of every
 * database. `damaged: false` when the check itself could not run (no verdict on the data).
 */
export function verifyInChild(path: string, timeoutMs = 30_000): ChildVerdict {
  let lmdb: string;
  try {
    lmdb = createRequire(import.meta.url).resolve('lmdb');
  } catch (err) {
    return { ok: false, damaged: false, reason: `the check could not run: ${errorText(err)}` };
  }
  const r = spawnSync(process.execPath, ['-e', CHILD, lmdb, path, String(SAMPLE)], {
    encoding: 'utf8',
    timeout: timeoutMs,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  if (r.error) return { ok: false, damaged: false, reason: `the check could not run: ${r.error.message}` };
  if (r.signal) return { ok: false, damaged: true, reason: `opening it killed a test process (${r.signal})` };
  if (r.status !== 0) {
    const line = /^(?:Error|\w+Error): .*$/m.exec(r.stderr ?? '')?.[0] ?? `exit code ${r.status}`;
    return { ok: false, damaged: true, reason: `it could not be read: ${line}` };
  }
  return { ok: true };
}
