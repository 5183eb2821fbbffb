// The state document (state.json plus state.json.journal, store/state-journal.ts) read from another
// process while the gateway writes it, without its lock, as one state the gateway was in.
//
// - Compaction renames a new snapshot over state.json and only then empties the journal. So the
//   snapshot read and the journal read belong together when, after the journal was read, the path
//   still names the inode the snapshot was read from (kept open meanwhile, so its number cannot be
//   reused). Otherwise a compaction finished in between (the journal may then lack lines the old
//   snapshot needs): read both again.
// - A line being appended while the journal was read is cut short; replay stops at it, as the
//   gateway's own reader does at start: that write had not been acknowledged when it was read.
// - What is read is replayed into one document, which the backup stores as a snapshot with an
//   empty journal: what a compaction at that moment would have written.

import { open, stat } from 'node:fs/promises';
import { isRecord } from '../model/is-record.ts';
import { replayJournal } from '../store/state-journal.ts';

export interface StateCopy {
  /** The document with the journal applied, its `generation` set; null when neither file exists. */
  doc: Record<string, unknown> | null;
  /** When the read that gave it began (ms): everything stored before it is in the document. */
  readAt: number;
  /** The same moment on the monotonic clock (performance.now()), which no clock setting moves. */
  readAtMono: number;
  /** Reads that had to be repeated because a compaction came between snapshot and journal. */
  retries: number;
  /** What the gateway, reading the same files, would report (damage in the journal). */
  notes: string[];
}

export interface StateCopyOptions {
  /** Reads before giving up (each repeat means a compaction finished during the read before). */
  attempts?: number;
  /** Runs between the snapshot read and the journal read (tests make a compaction happen there). */
  afterSnapshot?: () => Promise<void>;
}

const DAMAGE_REREADS = 2;

async function readOrNothing(file: string): Promise<Buffer> {
  try {
    const fh = await open(file, 'r');
    try {
      return await fh.readFile();
    } finally {
      await fh.close();
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw err;
  }
}

async function inodeOf(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).ino;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** One snapshot and journal pair, or undefined when a compaction came between them. */
async function readPair(file: string, afterSnapshot?: () => Promise<void>): Promise<{ snapshot: Buffer | null; journal: Buffer } | undefined> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  try {
    const ino = fh ? (await fh.stat()).ino : undefined;
    const snapshot = fh ? await fh.readFile() : null;
    await afterSnapshot?.();
    const journal = await readOrNothing(`${file}.journal`);
    return (await inodeOf(file)) === ino ? { snapshot, journal } : undefined;
  } finally {
    await fh?.close();
  }
}

/** Reads `file` (a state.json) and its journal as one consistent document. */
export async function copyState(file: string, opts: StateCopyOptions = {}): Promise<StateCopy> {
  const attempts = opts.attempts ?? 20;
  for (let retries = 0; retries < attempts; retries++) {
    const readAt = Date.now();
    const readAtMono = performance.now();
    const pair = await readPair(file, opts.afterSnapshot);
    if (!pair) continue;
    if (pair.snapshot === null && pair.journal.length === 0) return { doc: null, readAt, readAtMono, retries, notes: [] };
    let doc: Record<string, unknown> = {};
    if (pair.snapshot !== null) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(pair.snapshot.toString('utf8'));
      } catch {
        parsed = undefined;
      }
      // Written by rename, so never seen half-written: a snapshot that is not JSON is damaged on disk.
      if (!isRecord(parsed))
        throw new Error(
          `${file} is damaged (not a JSON object): the gateway sets it aside at its next start. Stop the gateway and copy the data folder as it is instead.`,
        );
      doc = parsed;
    }
    const snapshotGeneration = typeof doc.generation === 'number' ? doc.generation : 0;
    const replay = replayJournal(doc, pair.journal, snapshotGeneration);
    // Damage that a second read does not show was a read overlapping a failed append and its retry.
    if (replay.damaged && retries < DAMAGE_REREADS) continue;
    const notes: string[] = [];
    if (replay.damaged) {
      notes.push(
        `${file}.journal is damaged at offset ${replay.damaged.offset}: ${replay.damaged.linesLost} later change(s) are not in the backup (the gateway sets them aside at its next start)`,
      );
    }
    if (replay.dropped.length > 0)
      notes.push(`${file}.journal: ${replay.dropped.length} record(s) could not be rebuilt (earlier journal lines are missing) and are not in the backup`);
    doc.generation = replay.generation;
    return { doc, readAt, readAtMono, retries, notes };
  }
  throw new Error(`${file}: the state was compacted during each of ${attempts} reads; try again`);
}
