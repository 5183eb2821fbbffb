// Upgrade in place: the day files (`<folder>/YYYY-MM-DD.jsonl`, one JSON record a line) that
// versions before the storage engine wrote are imported into it at the first start, in batches
// (the event loop is served between them), then the folder is renamed `<folder>.imported` and kept
// for the administrator; nothing here deletes it.
//
// Interrupted midway (a crash, a power cut), the next start finishes the job: files imported whole
// are marked in the engine and skipped, and the writer makes re-importing the rest of a file
// harmless (records keyed by what they are, not by when they were imported).

import { readdir, readFile, rename, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Logger } from '../model/logger.ts';
import type { StorageEngine } from './engine.ts';
import { DAY_FILE } from './history.ts';

/** One record and where it was read: file and line make a stable key for records without an id. */
export interface ImportedLine<T> {
  record: T;
  file: string;
  line: number;
}

export interface ImportReport {
  folder: string;
  movedTo: string;
  files: number;
  records: number;
  /** An interrupted append's last line, skipped (as the day-file reader always did). */
  torn: number;
  /** Any other line that is not a record. */
  unreadable: number;
}

export interface ImportOptions<T> {
  log: Logger;
  /** Whether a parsed line is a record this journal can keep. */
  accept(value: unknown): value is T;
  /** Stores one batch durably (resolves once on disk). */
  write(batch: ImportedLine<T>[]): Promise<void>;
  batchSize?: number;
}

type MarkKey = [folder: string, file: string];

interface Mark {
  records: number;
  at: string;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

/** `<folder>.imported`, or with the time when an earlier import left one there. */
async function freeTarget(folder: string): Promise<string> {
  const plain = `${folder}.imported`;
  if (!(await isDirectory(plain))) return plain;
  return `${plain}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
}

const yieldTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Writes a batch; when that fails, its records one by one, so that one record the store cannot take
 * costs only itself (returned, to be counted). When none goes in, the trouble is not the records
 * (a full disk): that is thrown, and the import is tried again at the next start.
 */
async function writeBatch<T>(batch: ImportedLine<T>[], write: (batch: ImportedLine<T>[]) => Promise<void>): Promise<ImportedLine<T>[]> {
  try {
    await write(batch);
    return [];
  } catch (err) {
    const refused: ImportedLine<T>[] = [];
    for (const line of batch) await write([line]).catch(() => refused.push(line));
    if (refused.length === batch.length) throw err;
    return refused;
  }
}

/** Imports `folder`'s day files, oldest first; undefined when there is no such folder (nothing to upgrade). */
export async function importDayFolder<T>(engine: StorageEngine, folder: string, opts: ImportOptions<T>): Promise<ImportReport | undefined> {
  if (!(await isDirectory(folder))) return undefined;
  const name = basename(folder);
  const marks = engine.db<Mark, MarkKey>('imported-day-files');
  const batchSize = opts.batchSize ?? 200;
  const report: ImportReport = { folder, movedTo: '', files: 0, records: 0, torn: 0, unreadable: 0 };
  const files = (await readdir(folder)).filter((f) => DAY_FILE.test(f)).sort();
  opts.log.info({ folder, files: files.length }, 'importing the history files of an earlier version into the storage engine');
  for (const file of files) {
    report.files++;
    if (marks.get([name, file]) !== undefined) continue;
    const lines = (await readFile(join(folder, file), 'utf8')).split('\n');
    let batch: ImportedLine<T>[] = [];
    let records = 0;
    let torn = 0;
    let unreadable = 0;
    const flush = async () => {
      const refused = await writeBatch(batch, opts.write);
      for (const r of refused) opts.log.warn({ file: join(folder, r.file), line: r.line }, 'a record could not be stored while importing; skipped');
      records += batch.length - refused.length;
      unreadable += refused.length;
      batch = [];
    };
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i];
      if (!text) continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        // Only the last line can be torn: every complete append ends with a newline.
        if (i === lines.length - 1) torn++;
        else unreadable++;
        continue;
      }
      if (!opts.accept(value)) {
        unreadable++;
        continue;
      }
      batch.push({ record: value, file, line: i + 1 });
      if (batch.length >= batchSize) {
        await flush();
        await yieldTurn();
      }
    }
    if (batch.length > 0) await flush();
    await marks.put([name, file], { records, at: new Date().toISOString() });
    report.records += records;
    report.torn += torn;
    report.unreadable += unreadable;
    if (torn + unreadable > 0) opts.log.warn({ file: join(folder, file), torn, unreadable }, 'skipped lines that are not whole records while importing');
  }
  // Cleared before the rename: a crash in between means only a second, harmless import, while marks
  // left behind would skip the day files of the same names in a folder that appears later (after a
  // downgrade and a new upgrade).
  await marks.transaction(() => {
    for (const key of [...marks.getKeys({ start: [name], end: [name, '\uffff'] })]) void marks.remove(key);
  });
  report.movedTo = await freeTarget(folder);
  await rename(folder, report.movedTo);
  opts.log.info({ ...report }, 'history files imported; the old folder is kept, renamed');
  return report;
}

/** Runs an import; one that fails is logged and left for the next start, which must not be refused for it. */
export async function importOrLater(log: Logger, run: () => Promise<ImportReport | undefined>): Promise<void> {
  try {
    await run();
  } catch (err) {
    log.error({ err }, 'importing the files of an earlier version failed; they are kept and tried again at the next start');
  }
}
