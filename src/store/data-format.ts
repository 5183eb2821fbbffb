// The data folder's format version: `<dataDir>/format.json`, `{ "format": N, "writtenBy": "medgate x.y.z" }`.
// A folder without it is format 0, as every release before format stamps wrote it. At start, before
// any store opens the folder, an older format is migrated one step at a time (each step stamped as
// it finishes, so an interrupted upgrade resumes at the step it stopped in) and a newer one is
// refused without a byte written: its files may mean something this version cannot read, and
// "upgrading" them backwards would lose what the newer version wrote.

import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { silentLogger, type Logger } from '../model/logger.ts';
import { PACKAGE_ROOT } from '../package-root.ts';
import { DurableFileAdapter } from './durable-file-adapter.ts';
import { FileLock } from './file-lock.ts';
import { StartRefused } from '../model/start-refused.ts';

export const FORMAT_FILE = 'format.json';

const FormatStamp = Type.Object({
  format: Type.Integer({ minimum: 1 }),
  writtenBy: Type.String(),
});
export type FormatStamp = Static<typeof FormatStamp>;

/** One step from format `to - 1` to `to`: changes files only, runs with the folder locked, may be run again after a crash. */
export interface Migration {
  to: number;
  /** For the log: what the step changes. */
  what: string;
  run(dataDir: string, log: Logger): Promise<void>;
}

/**
 * The steps; the highest `to` is the format this version writes.
 *
 * 1: the layout of the last release without stamps, recorded as it is. The upgrades those releases
 * already needed stay where they were, in the stores, because they are per record and resumable:
 * a `state.json` of state version 1 is converted when the state store opens it (hold-migration.ts), and
 * `history/` and `rejected/` day files are imported into the database when those stores open
 * (journal-import.ts). A folder of any earlier release is therefore format 0 and needs nothing more.
 *
 * 2: the history lists its messages by device and by patient. The step itself changes nothing: the
 * lists of messages archived before are built in the background once the gateway is up, resumably
 * (history-index-upgrade.ts). It is a format because an older medgate would archive messages without
 * those list entries, and this version, finding its lists done, would never list them: the older
 * one must refuse the folder.
 */
export const MIGRATIONS: readonly Migration[] = [
  { to: 1, what: 'record the unstamped layout as format 1', run: async () => undefined },
  { to: 2, what: 'list archived messages by device and patient (built in the background after start)', run: async () => undefined },
];

/** The format the steps lead to. */
export function newestFormat(migrations: readonly Migration[]): number {
  return Math.max(0, ...migrations.map((m) => m.to));
}

export const DATA_FORMAT = newestFormat(MIGRATIONS);

let version: string | undefined;

/** This medgate's version, from its package.json. */
export function medgateVersion(): string {
  version ??= String((JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  return version;
}

/** A folder or archive this version must not use; the message says what to do. */
export class DataFormatError extends StartRefused {
  constructor(message: string) {
    super(message);
    this.name = 'DataFormatError';
    this.stack = `${this.name}: ${message}`;
  }
}

/** The message for data written by a newer format (a folder, or an archive's data). */
export function newerFormatMessage(what: string, stamp: FormatStamp, current = DATA_FORMAT, mine = medgateVersion()): string {
  return (
    `${what} holds data format ${stamp.format}, written by ${stamp.writtenBy}; this medgate (${mine}) knows formats up to ${current}. ` +
    `Nothing was changed. Run ${stamp.writtenBy} or newer on it, or, to go back to this version, restore a backup taken before the upgrade (medgate restore).`
  );
}

/** Checks a parsed stamp; the error names the file and what is wrong. */
export function parseFormatStamp(value: unknown, file: string): FormatStamp {
  if (Value.Check(FormatStamp, value)) return value;
  const error = Value.Errors(FormatStamp, value).First();
  throw new DataFormatError(
    `${file} is not a format stamp (${error ? `${error.path || '/'}: ${error.message}` : 'unreadable'}). medgate will not guess which version wrote this folder: fix the file or restore the folder from a backup.`,
  );
}

/** The folder's stamp; undefined for a folder (or no folder) without one: format 0. */
export async function readFormatStamp(dataDir: string): Promise<FormatStamp | undefined> {
  const file = join(dataDir, FORMAT_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DataFormatError(`${file} is not JSON. medgate will not guess which version wrote this folder: fix the file or restore the folder from a backup.`);
  }
  return parseFormatStamp(value, file);
}

export function stampOf(format: number, by = medgateVersion()): FormatStamp {
  return { format, writtenBy: `medgate ${by}` };
}

/** Writes the stamp durably (temp file, fsync, rename, folder fsync). */
export async function writeFormatStamp(dataDir: string, stamp: FormatStamp): Promise<void> {
  const file = await DurableFileAdapter.open<FormatStamp>(join(dataDir, FORMAT_FILE));
  try {
    await file.write(stamp);
  } finally {
    await file.close();
  }
}

/** The steps that take format `from` to the newest of `migrations`, in order. */
export function stepsFrom(from: number, migrations: readonly Migration[] = MIGRATIONS): Migration[] {
  return migrations.filter((m) => m.to > from).sort((a, b) => a.to - b.to);
}

export interface PrepareOptions {
  log?: Logger;
  /** Replaces MIGRATIONS (tests). */
  migrations?: readonly Migration[];
  /** This medgate's version, for stamps and messages (default: package.json's). */
  version?: string;
}

export interface Prepared {
  /** The format found (0: no stamp). */
  from: number;
  to: number;
}

/**
 * Makes `dataDir` (which exists) ready for this version: refuses a newer format untouched, runs the
 * missing migrations of an older one, stamps a new folder. The migrations run holding the state
 * file's lock, the one a running gateway holds: a second medgate started on a folder in use changes
 * nothing in it and fails on that lock as before.
 */
export async function prepareDataFolder(dataDir: string, opts: PrepareOptions = {}): Promise<Prepared> {
  const log = opts.log ?? silentLogger;
  const migrations = opts.migrations ?? MIGRATIONS;
  const current = newestFormat(migrations);
  const by = opts.version ?? medgateVersion();
  const refuseNewer = (found: FormatStamp | undefined): void => {
    if (!found || found.format <= current) return;
    const message = newerFormatMessage(dataDir, found, current, by);
    log.error({ dataDir, format: found.format, writtenBy: found.writtenBy, knows: current }, message);
    throw new DataFormatError(message);
  };
  const found = await readFormatStamp(dataDir);
  refuseNewer(found);
  const from = found?.format ?? 0;
  if (from === current) return { from, to: current };
  const lock = await FileLock.acquire(join(dataDir, 'state.json'));
  try {
    // Read again under the lock: another medgate may have changed it meanwhile.
    const now = await readFormatStamp(dataDir);
    refuseNewer(now);
    let at = now?.format ?? 0;
    for (const step of stepsFrom(at, migrations)) {
      log.info({ dataDir, from: at, to: step.to, what: step.what }, 'data folder: migrating');
      await step.run(dataDir, log);
      await writeFormatStamp(dataDir, stampOf(step.to, by));
      at = step.to;
    }
    log.info({ dataDir, from, to: at }, `data folder is format ${at} now`);
    return { from, to: at };
  } finally {
    await lock.release();
  }
}
