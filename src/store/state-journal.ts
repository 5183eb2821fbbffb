// The state document on disk as a snapshot plus an append-only journal of what changed: storing a
// reading costs what the reading weighs, not what the whole queue weighs, and needs only that much
// free space.
//
// - `state.json`: the whole document, as before, plus `generation`: the last write it contains.
// - `state.json.journal`: one line per write, `<crc32 hex> <json>\n`, the json being
//   `{ g, root, ops: [[collection, key, value | null]] }`: the write's generation, the document's
//   own fields (version, seq) and the value of every record that changed (null: removed). A line
//   goes at a known offset through a descriptor opened O_DSYNC: on disk before the write resolves.
// - A record's bulky field that has not changed since an earlier line of the same journal wrote it
//   (a message's body, a stored reading's reading: they are replaced, never edited in place) is left
//   out and named instead, `[collection, key, value, [field, ...]]`: replay takes it from the record
//   as the earlier line left it. So a delivery mark costs its few fields, not the whole message
//   again. A line only points back at lines already on disk in its own journal (what a line holds
//   is remembered once its write succeeded, and forgotten when the journal is emptied), so the
//   journal alone still rebuilds every record. Such a line keeps its ops under `changes`, not `ops`:
//   a version before this one cannot read it (it would take the record without the field) and
//   treats it as a bad line: as damage in the middle, or, at the end, as a write cut short that it
//   drops (those are state changes such as delivery marks: the messages go out again, same control
//   IDs). Stop the gateway cleanly before going back to one: a clean stop empties the journal.
// - Compaction writes the snapshot anew (temp file, fsync, rename: durable-file-adapter.ts) and
//   empties the journal. Lines of a generation the snapshot already holds are skipped on reading,
//   so a crash anywhere between the two steps reads back the same document; a compaction that
//   fails (no room for the second copy) changes nothing, and the line is appended instead.
// - Reading replays the lines newer than the snapshot. A bad line at the end is a write cut short
//   (power cut, full disk): skipped and counted. A bad line followed by good newer ones is damage:
//   what comes before it is kept, the rest is moved aside to `<journal>.damaged-<time>`, and the
//   loss is logged as an error; the gateway starts either way.
// The checksum is CRC-32 as in RFC 1952 (gzip), node:zlib's crc32.

import { constants } from 'node:fs';
import { open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { silentLogger, type Logger } from '../model/logger.ts';
import { errorLine, type DocumentAdapter } from './durable-document.ts';
import { DamagedFileError, DurableFileAdapter } from './durable-file-adapter.ts';
import type { StateDoc } from './types.ts';
import { isRecord } from '../model/is-record.ts';

export const COLLECTIONS = ['bindings', 'readings', 'messages'] as const;
export type Collection = (typeof COLLECTIONS)[number];
/** Keys of each collection whose records changed since they were last written. */
export type ChangedKeys = Record<Collection, Set<string>>;

export function noChanges(): ChangedKeys {
  return { bindings: new Set(), readings: new Set(), messages: new Set() };
}

export function isCollection(key: unknown): key is Collection {
  return (COLLECTIONS as readonly unknown[]).includes(key);
}

/** What the state store hands its file at each write. */
export interface StateWrite {
  /** The live document: read synchronously by write(), never kept. */
  doc: StateDoc;
  changed: ChangedKeys;
  /** Rewrite the snapshot now (at open and close), rather than only append what changed. */
  full: boolean;
  /** doc.seq when the write started: every message with a seq up to it is in this write or an earlier one. */
  seq: number;
}

/** A record's value, or null (removed), and the fields left out because an earlier line holds them. */
type JournalOp = [collection: string, key: string, value: unknown, carried?: string[]];

interface JournalLine {
  g: number;
  root: Record<string, unknown>;
  /** A line with no field left out. */
  ops?: JournalOp[];
  /** A line with some (older versions cannot read it). */
  changes?: JournalOp[];
}

/** The bulky fields worth leaving out of a line when an earlier one holds them. */
const CARRIED: Record<Collection, readonly string[]> = { bindings: [], readings: ['reading'], messages: ['body'] };

/**
 * What the journal's lines hold of each record's bulky fields: the values themselves, compared by
 * identity (a field that changes is replaced). Keyed `<collection> <key>`.
 */
export type LineMemory = Map<string, Record<string, unknown>>;

/** What a line holds of its records' bulky fields, to remember once it is on disk (undefined: nothing, forget it). */
export type LineHolds = Array<[id: string, fields: Record<string, unknown> | undefined]>;

/** The op for one record; adds to `holds` what the line will hold of its bulky fields. */
function opOf(c: Collection, key: string, records: Record<string, unknown>, memory: LineMemory, holds: LineHolds): JournalOp {
  const id = `${c} ${key}`;
  const value = Object.hasOwn(records, key) ? records[key] : null;
  if (value === null || typeof value !== 'object' || CARRIED[c].length === 0) {
    holds.push([id, undefined]);
    return [c, key, value];
  }
  const record = value as Record<string, unknown>;
  const before = memory.get(id);
  const now: Record<string, unknown> = {};
  const carried: string[] = [];
  for (const field of CARRIED[c]) {
    const v = record[field];
    if (v === undefined) continue;
    now[field] = v;
    if (before !== undefined && Object.hasOwn(before, field) && before[field] === v) carried.push(field);
  }
  holds.push([id, now]);
  if (carried.length === 0) return [c, key, value];
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(record)) if (!carried.includes(k)) rest[k] = v;
  return [c, key, rest, carried];
}

export interface EncodedLine {
  bytes: Buffer;
  /** For rememberHolds(), once the line is on disk. */
  holds: LineHolds;
}

/**
 * One journal line for the records `changed` names, with their values as they are now, leaving out
 * the bulky fields `memory` says a line of this journal already on disk holds.
 */
export function encodeLine(generation: number, doc: StateDoc, changed: ChangedKeys, memory: LineMemory = new Map()): EncodedLine {
  const ops: JournalOp[] = [];
  const holds: LineHolds = [];
  let carries = false;
  for (const c of COLLECTIONS) {
    const records: Record<string, unknown> = doc[c];
    for (const key of changed[c]) {
      const op = opOf(c, key, records, memory, holds);
      if (op.length > 3) carries = true;
      ops.push(op);
    }
  }
  const root: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(doc)) if (!isCollection(k)) root[k] = v;
  // Encoded to UTF-8 once, for the checksum and the write both.
  const json = JSON.stringify((carries ? { g: generation, root, changes: ops } : { g: generation, root, ops }) satisfies JournalLine);
  const bytes = Buffer.allocUnsafe(9 + Buffer.byteLength(json) + 1);
  const end = 9 + bytes.write(json, 9, 'utf8');
  bytes.write(`${crc32(bytes.subarray(9, end)).toString(16).padStart(8, '0')} `, 0, 'latin1');
  bytes[end] = 0x0a;
  return { bytes, holds };
}

/** After a line is on disk: what it holds, later lines may leave out. */
export function rememberHolds(memory: LineMemory, holds: LineHolds): void {
  for (const [id, fields] of holds) {
    if (fields === undefined) memory.delete(id);
    else memory.set(id, fields);
  }
}

/** A line without its newline; undefined when its checksum or shape is wrong. */
function parseLine(line: Buffer): JournalLine | undefined {
  if (line.length < 10 || line[8] !== 0x20) return undefined;
  const sum = line.toString('latin1', 0, 8);
  if (!/^[0-9a-f]{8}$/.test(sum)) return undefined;
  const body = line.subarray(9);
  if (crc32(body) !== Number.parseInt(sum, 16)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value.g !== 'number' || !isRecord(value.root)) return undefined;
  if (!Array.isArray(value.ops) && !Array.isArray(value.changes)) return undefined;
  return value as unknown as JournalLine;
}

/** Applies a line; returns the records it had to drop (a left-out field no earlier line holds). */
function apply(doc: Record<string, unknown>, line: JournalLine): string[] {
  const dropped: string[] = [];
  Object.assign(doc, line.root);
  for (const op of line.ops ?? line.changes ?? []) {
    const [c, key, value, carried] = op;
    if (!isCollection(c) || typeof key !== 'string') continue;
    const current = doc[c];
    const records: Record<string, unknown> = isRecord(current) ? current : (doc[c] = {});
    if (value === null) {
      delete records[key];
      continue;
    }
    if (!Array.isArray(carried) || carried.length === 0 || !isRecord(value)) {
      records[key] = value;
      continue;
    }
    const before = records[key];
    if (!isRecord(before) || !carried.every((f) => typeof f === 'string' && Object.hasOwn(before, f))) {
      // Only a journal whose earlier lines were lost gets here; a message without its bytes must never go out.
      delete records[key];
      dropped.push(`${c} ${key}`);
      continue;
    }
    const full: Record<string, unknown> = { ...value };
    for (const f of carried as string[]) full[f] = before[f];
    records[key] = full;
  }
  return dropped;
}

export interface Replay {
  /** Lines applied (newer than the snapshot). */
  applied: number;
  /** The generation of the first line applied (0: none). */
  first: number;
  /** The newest generation read: the snapshot's when no line is newer. */
  generation: number;
  /** Where the last good line ends: the next line goes there. */
  goodLength: number;
  /** A write cut short at the end: its bytes, skipped. */
  tornBytes: number;
  /** A bad line with good newer lines after it: where, and how many of those were not applied. */
  damaged?: { offset: number; linesLost: number };
  /** Records dropped because a field a line left out was not in the document (`<collection> <key>`). */
  dropped: string[];
}

/** Applies to `doc` the journal's lines newer than the snapshot's generation, up to the first bad one. */
export function replayJournal(doc: Record<string, unknown>, journal: Buffer, snapshotGeneration: number): Replay {
  let applied = 0;
  let first = 0;
  let generation = snapshotGeneration;
  let goodLength = 0;
  let bad = false;
  let newerAfterBad = 0;
  const dropped: string[] = [];
  for (let offset = 0; offset < journal.length; ) {
    const nl = journal.indexOf(0x0a, offset);
    const end = nl < 0 ? journal.length : nl;
    const line = nl < 0 ? undefined : parseLine(journal.subarray(offset, end));
    if (!bad && line) {
      if (line.g > snapshotGeneration) {
        dropped.push(...apply(doc, line));
        if (applied++ === 0) first = line.g;
        generation = Math.max(generation, line.g);
      }
      goodLength = end + 1;
    } else if (!bad) {
      bad = true;
    } else if (line && line.g > snapshotGeneration) {
      newerAfterBad++;
    }
    offset = end + 1;
  }
  const replay: Replay = { applied, first, generation, goodLength, tornBytes: 0, dropped };
  if (newerAfterBad > 0) replay.damaged = { offset: goodLength, linesLost: newerAfterBad };
  else replay.tornBytes = journal.length - goodLength;
  return replay;
}

/**
 * Below this the journal is never compacted; above it, once it outgrows twice the snapshot. A
 * compaction costs three fsyncs that the writes behind it wait for: at 200 readings a second (some
 * 6 KB of journal each) 8 MiB is one every seven seconds, and reading it back at start takes ~0.1 s.
 */
const MIN_COMPACT_LENGTH = 8 << 20;
/** A compaction that failed (no room for a second copy) is tried again this much later. */
const COMPACT_RETRY_MS = 60_000;

export interface StateFileOptions {
  log?: Logger;
  now?: () => Date;
  /** Journal length below which it is never compacted (default 8 MiB). */
  minCompactLength?: number;
}

export class StateFile implements DocumentAdapter<StateWrite, StateDoc> {
  readonly journalFile: string;
  /** Journal lines appended and snapshots written; tests and the bench count with them. */
  appends = 0;
  compactions = 0;
  private journal: FileHandle | undefined;
  private length = 0;
  private generation = 0;
  private chain: Promise<void> = Promise.resolve();
  private compactBlockedUntil = 0;
  private compactFailing = false;
  private closed = false;
  /** Records were dropped on reading: the next write rewrites the snapshot, so the next start does not drop (and report) them again. */
  private rewriteNext = false;
  /** Lines handed to write() and not yet on disk: a line written meanwhile points back at nothing. */
  private pending = 0;
  /** What the journal's lines on disk hold of bulky fields (encodeLine); forgotten when it is emptied. */
  private readonly memory: LineMemory = new Map();

  private constructor(
    private readonly snapshot: DurableFileAdapter<Record<string, unknown>>,
    private readonly log: Logger,
    private readonly now: () => Date,
    private readonly minCompactLength: number,
  ) {
    this.journalFile = `${snapshot.file}.journal`;
  }

  /** Takes the lock of `file` (the snapshot) and clears a leftover temp file. */
  static async open(file: string, opts: StateFileOptions = {}): Promise<StateFile> {
    const log = opts.log ?? silentLogger;
    const snapshot = await DurableFileAdapter.open<Record<string, unknown>>(file, { log });
    return new StateFile(snapshot, log, opts.now ?? (() => new Date()), opts.minCompactLength ?? MIN_COMPACT_LENGTH);
  }

  get file(): string {
    return this.snapshot.file;
  }

  /** The snapshot with the journal replayed; null when neither holds anything yet. */
  async read(): Promise<StateDoc | null> {
    const stored = await this.readSnapshot();
    let journal: Buffer;
    try {
      journal = await readFile(this.journalFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      journal = Buffer.alloc(0);
    }
    const doc: Record<string, unknown> = stored ?? {};
    const snapshotGeneration = typeof doc.generation === 'number' ? doc.generation : 0;
    delete doc.generation;
    const replay = replayJournal(doc, journal, snapshotGeneration);
    this.generation = replay.generation;
    this.length = replay.goodLength;
    if (replay.damaged) {
      const movedTo = `${this.journalFile}.damaged-${this.now().toISOString().replace(/[:.]/g, '-')}`;
      // On disk before the journal is cut: after a power cut the lines must be in one place or the other.
      const aside = await open(movedTo, 'wx', 0o600);
      try {
        await aside.writeFile(journal.subarray(replay.goodLength));
        await aside.sync();
      } finally {
        await aside.close();
      }
      await this.snapshot.syncDirectory();
      this.log.error(
        { file: this.journalFile, movedTo, offset: replay.damaged.offset, linesLost: replay.damaged.linesLost },
        'the state journal is damaged: changes after the damage are lost and were moved aside (restore them from a backup if they matter)',
      );
    }
    if (replay.dropped.length > 0) {
      this.rewriteNext = true;
      this.log.error(
        { file: this.journalFile, records: replay.dropped.length, first: replay.dropped[0] },
        'state journal records left out a field that no earlier line holds (earlier lines were lost): those records are dropped (restore them from a backup)',
      );
    }
    if (replay.tornBytes > 0) {
      this.log.warn(
        { file: this.journalFile, bytes: replay.tornBytes },
        'the last state journal line was cut short (a write interrupted): skipped; it was never acknowledged',
      );
    }
    if (journal.length > replay.goodLength) {
      const fh = await this.handle();
      await fh.truncate(replay.goodLength);
      await fh.sync();
    }
    if (stored === null && replay.applied === 0) return null;
    // Generation 1 is the first write ever: a journal that starts there never had a snapshot.
    if (stored === null && replay.first > 1) {
      this.log.error(
        { file: this.file, lines: replay.applied },
        'the state snapshot is missing but its journal is not: starting from the journal alone (what the snapshot held is lost; restore it from a backup)',
      );
    }
    return doc as unknown as StateDoc; // the store checks its shape
  }

  /**
   * The snapshot, or null. A snapshot that is not JSON (a disk that lied about a write) is moved
   * aside whole and the gateway starts from the journal alone: what the journal holds (everything
   * changed since the last compaction) is kept, the loss is logged at error, and the file stays
   * for a person to restore from.
   */
  private async readSnapshot(): Promise<Record<string, unknown> | null> {
    try {
      return await this.snapshot.read();
    } catch (err) {
      if (!(err instanceof DamagedFileError)) throw err;
      const movedTo = `${this.file}.damaged-${this.now().toISOString().replace(/[:.]/g, '-')}`;
      await rename(this.file, movedTo);
      this.log.error(
        { file: this.file, movedTo, reason: err.message },
        'the state snapshot is damaged: moved aside; starting from its journal (restore it from a backup)',
      );
      return null;
    }
  }

  write(w: StateWrite): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.file}: state file is closed`));
    const g = ++this.generation;
    // Both taken now, synchronously: later changes go with a later write. DurableDocument writes one
    // at a time; another caller overlapping writes gets whole records (the one before may fail).
    const line = encodeLine(g, w.doc, w.changed, this.pending === 0 ? this.memory : new Map());
    let compaction: Promise<void> | undefined;
    if (this.compactionDue(w.full)) {
      compaction = this.snapshot.write({ ...w.doc, generation: g });
      compaction.catch(() => undefined); // awaited in persist()
    }
    this.pending++;
    const run = this.chain.then(() => this.persist(line, compaction)).finally(() => this.pending--);
    this.chain = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    await this.journal?.close().catch(() => undefined);
    await this.snapshot.close();
  }

  private compactionDue(full: boolean): boolean {
    if (full || this.rewriteNext) {
      this.rewriteNext = false;
      return true;
    }
    return this.length > Math.max(this.minCompactLength, 2 * this.snapshot.lastLength) && this.now().getTime() >= this.compactBlockedUntil;
  }

  private async persist(line: EncodedLine, compaction: Promise<void> | undefined): Promise<void> {
    if (compaction) {
      try {
        await compaction;
        this.compactions++;
        if (this.compactFailing) this.log.info({ file: this.file }, 'the state journal is compacted again');
        this.compactFailing = false;
        // Emptied or not (its lines are older than the snapshot then), nothing after points into it.
        this.memory.clear();
        await this.emptyJournal();
        return;
      } catch (err) {
        this.compactBlockedUntil = this.now().getTime() + COMPACT_RETRY_MS;
        if (!this.compactFailing)
          this.log.warn(
            { file: this.file, err: errorLine(err) },
            'compacting the state journal failed (it needs room for a second copy of the document); changes go on being appended',
          );
        this.compactFailing = true;
      }
    }
    await this.append(line.bytes);
    rememberHolds(this.memory, line.holds);
  }

  private async append(buf: Buffer): Promise<void> {
    let fh: FileHandle | undefined;
    try {
      fh = await this.handle();
      for (let done = 0; done < buf.length; ) {
        const { bytesWritten } = await fh.write(buf, done, buf.length - done, this.length + done);
        if (bytesWritten === 0) throw Object.assign(new Error('ENOSPC: nothing written'), { code: 'ENOSPC' });
        done += bytesWritten;
      }
      this.length += buf.length;
      this.appends++;
    } catch (err) {
      // A line cut short must not stay in front of the next one (which goes at the same offset anyway).
      await fh?.truncate(this.length).catch(() => undefined);
      throw err;
    }
  }

  /** After a compaction: its lines are in the snapshot now (and would be skipped if they stayed). */
  private async emptyJournal(): Promise<void> {
    if (this.length === 0) return;
    try {
      const fh = await this.handle();
      await fh.truncate(0);
      this.length = 0; // empty now, whether or not the sync below works: the next line goes at 0
      await fh.sync();
    } catch (err) {
      this.log.debug({ file: this.journalFile, err: errorLine(err) }, 'emptying the state journal failed; its lines are skipped as older than the snapshot');
    }
  }

  private async handle(): Promise<FileHandle> {
    if (this.journal) return this.journal;
    // O_DSYNC: a write returns once its bytes are on disk (one system call, where write and
    // fdatasync were two round trips through the thread pool).
    const fh = await open(this.journalFile, constants.O_RDWR | constants.O_CREAT | constants.O_DSYNC, 0o600);
    try {
      await this.snapshot.syncDirectory(); // the journal's name must survive a power cut too
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
    this.journal = fh;
    return fh;
  }
}
