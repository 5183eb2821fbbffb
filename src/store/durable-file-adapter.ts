// A lowdb adapter that survives power cuts: write <file>.tmp, fsync it, rename it over the file,
// fsync the folder. lowdb's own JSONFile renames without any fsync (docs/dependencies.md#storage).
// A rewrite needs room for a second copy of the document while it runs, so the state store, whose
// document can be large, writes it only to compact its journal (state-journal.ts), never to store a change.

import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Adapter } from 'lowdb';
import { jsonSyntaxError } from '../model/json-syntax.ts';
import { silentLogger, type Logger } from '../model/logger.ts';
import { FileLock } from './file-lock.ts';

export interface DurableFileAdapterOptions {
  log?: Logger;
}

/** Where the JSON breaks, without quoting the text (a state file holds patient data). */
function describeJsonError(text: string): string {
  const found = jsonSyntaxError(text);
  if (found === undefined) return 'unparsable';
  const where = `line ${found.line}, column ${found.column}`;
  return found.endsEarly ? `it ends too early at ${where} (a truncated file?)` : `syntax error at ${where} (offset ${found.at})`;
}

export class DurableFileAdapter<T> implements Adapter<T> {
  readonly file: string;
  readonly tempFile: string;
  /** Completed durable writes; tests and the bench count coalescing with it. */
  writeCount = 0;
  /** Characters of the last document read or written: what rewriting it costs. */
  lastLength = 0;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  private constructor(
    file: string,
    private readonly lock: FileLock,
    private readonly dir: FileHandle,
  ) {
    this.file = file;
    this.tempFile = `${file}.tmp`;
  }

  /** Takes the lock (fails fast if another process holds it) and clears a leftover temp file. */
  static async open<T>(file: string, opts: DurableFileAdapterOptions = {}): Promise<DurableFileAdapter<T>> {
    const log = opts.log ?? silentLogger;
    const abs = resolve(file);
    const lock = await FileLock.acquire(abs, (reason) => log.warn({ file: abs, reason }, 'took over a stale lock file'));
    try {
      const dir = await open(dirname(abs), 'r');
      // Only safe now that we hold the lock, a temp file is from an interrupted write whose
      // promise never resolved, so the renamed file is the last durable state.
      try {
        await rm(`${abs}.tmp`);
        log.warn({ file: `${abs}.tmp` }, 'removed the temp file of an interrupted write');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      return new DurableFileAdapter<T>(abs, lock, dir);
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** The parsed document, null when the file does not exist; throws (naming the file) when it is not JSON. */
  async read(): Promise<T | null> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    this.lastLength = text.length;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new DamagedFileError(
        this.file,
        `${this.file} is not valid JSON: ${describeJsonError(text)}. medgate will not overwrite it; restore it from a backup or move it aside.`,
      );
    }
  }

  /** Resolves once the data is on disk. Writes are serialized: one temp file name, one writer. */
  write(data: T): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`${this.file}: adapter is closed`));
    // Serialize now, synchronously, so later in-memory changes cannot tear this snapshot. Compact:
    // the indent of pretty printing costs time and bytes on every write (bench/store.ts).
    const text = JSON.stringify(data);
    const run = this.chain.then(async () => {
      await this.writeText(text);
      this.lastLength = text.length;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async writeText(text: string): Promise<void> {
    let fh: FileHandle | undefined;
    try {
      fh = await open(this.tempFile, 'w');
      await fh.writeFile(text, 'utf8');
      await fh.sync();
      await fh.close();
      fh = undefined;
      // rename() is atomic; the folder fsync makes the new directory entry itself durable.
      await rename(this.tempFile, this.file);
      await this.dir.sync();
      this.writeCount++;
    } catch (err) {
      await fh?.close().catch(() => undefined);
      await rm(this.tempFile, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  /** Makes a file created in the same folder durable as a name (a new file needs its folder fsync'd). */
  syncDirectory(): Promise<void> {
    return this.dir.sync();
  }

  /** Waits for queued writes, then releases the lock. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.chain;
    await this.dir.close().catch(() => undefined);
    await this.lock.release();
  }
}

/** A file that exists but cannot be read as what it should hold; its owner decides whether to move it aside. */
export class DamagedFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(message);
    this.name = 'DamagedFileError';
  }
}
