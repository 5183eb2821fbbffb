// `medgate restore`: puts a backup back, for a gateway that is stopped.
//
// - A gateway running on the target folder holds the state file's lock (store/file-lock.ts: pid,
//   host and boot id, so a lock left by a crash is recognised as stale). Restore takes that same
//   lock before it unpacks anything and keeps it while it moves the folder aside: a gateway running
//   there makes it refuse, and one started meanwhile fails on the lock. Asking the web port instead
//   would miss a gateway configured with another port, or one still starting.
// - Nothing is deleted: a folder or configuration already there is refused unless --force, which
//   renames them `<name>.before-restore-<time>`.
// - The archive is unpacked beside the target (same disk, so putting it in place is one rename),
//   every file checked against the manifest's size and SHA-256 and made durable first: a damaged
//   archive changes nothing.
// - An archive of a newer data format is refused before anything is unpacked; an older one is
//   restored as it is, and the gateway migrates it at its next start (store/data-format.ts).

import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DATA_FORMAT, DataFormatError, newerFormatMessage } from '../store/data-format.ts';
import { FileLock } from '../store/file-lock.ts';
import { extractArchive, fsyncPath, readArchiveHead, verifyExtracted } from './archive.ts';
import { dataDirOf, withDataDir } from './config-file.ts';
import { DATA_DIR, parseManifest, type Manifest } from './manifest.ts';

export interface RestoreOptions {
  from: string;
  /** Where the configuration goes. */
  configFile: string;
  /** The data folder; default: the one the archived configuration names (relative to `configFile`). */
  dataDir?: string;
  /** Move a folder or configuration that is there aside instead of refusing. */
  force?: boolean;
  say?: (line: string) => void;
}

export interface RestoreResult {
  dataDir: string;
  configFile: string;
  manifest: Manifest;
  /** Where what was there went. */
  movedAside: string[];
}

async function isEmptyFolder(path: string): Promise<boolean> {
  return (await readdir(path)).length === 0;
}

/** Writes `text` to `file` durably, 0600 (a configuration holds passwords). */
async function writeDurably(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  await fsyncPath(dirname(file));
}

/** Gives `path` and everything under it the owner of `like`. */
async function chownTree(path: string, like: { uid: number; gid: number }): Promise<void> {
  await chown(path, like.uid, like.gid);
  if (!(await stat(path)).isDirectory()) return;
  for (const e of await readdir(path, { withFileTypes: true })) await chownTree(join(path, e.name), like);
}

async function takeLock(dataDir: string): Promise<FileLock> {
  try {
    return await FileLock.acquire(join(dataDir, 'state.json'));
  } catch (err) {
    throw new Error(`a gateway is running on ${dataDir}: stop it before restoring. ${err instanceof Error ? err.message : String(err)}`);
  }
}

export async function restoreBackup(opts: RestoreOptions): Promise<RestoreResult> {
  const say = opts.say ?? (() => undefined);
  const archive = resolve(opts.from);
  const configFile = resolve(opts.configFile);
  const head = await readArchiveHead(archive);
  const manifest = parseManifest(head.manifest);
  if (typeof manifest === 'string') throw new Error(`${archive} is not a medgate backup: ${manifest}`);
  if (manifest.dataFormat > DATA_FORMAT) {
    throw new DataFormatError(newerFormatMessage(archive, { format: manifest.dataFormat, writtenBy: manifest.dataWrittenBy ?? `medgate ${manifest.medgate}` }));
  }
  if (!head.config || head.config.path !== manifest.config) throw new Error(`${archive} is damaged: its configuration (${manifest.config}) does not follow the manifest`);
  const dataDir = opts.dataDir ? resolve(opts.dataDir) : dataDirOf(head.config.text, configFile);
  const configText = opts.dataDir ? withDataDir(head.config.text, configFile, dataDir) : head.config.text;

  const dataThere = existsSync(dataDir) && !(await isEmptyFolder(dataDir));
  const configThere = existsSync(configFile);
  if ((dataThere || configThere) && !opts.force) {
    const what = [dataThere ? `${dataDir} is not empty` : '', configThere ? `${configFile} exists` : ''].filter(Boolean).join(' and ');
    throw new Error(`${what}: restore puts a backup only where nothing is. With --force it moves what is there aside (renamed, never deleted).`);
  }
  // An empty folder has no gateway running on it (one that runs has its state file there).
  const lock = dataThere ? await takeLock(dataDir) : undefined;
  const movedAside: string[] = [];
  let dataAside: string | undefined;
  try {
    await mkdir(dirname(dataDir), { recursive: true });
    const staging = await mkdtemp(`${dataDir}.restoring-`);
    try {
      say(`unpacking ${archive}`);
      await extractArchive(archive, staging);
      const problems = await verifyExtracted(staging, manifest);
      if (problems.length > 0) {
        throw new Error(`${archive} is damaged; nothing was changed:\n  ${problems.slice(0, 10).join('\n  ')}${problems.length > 10 ? `\n  ... and ${problems.length - 10} more` : ''}`);
      }
      const restored = join(staging, DATA_DIR);
      if (!existsSync(restored)) await mkdir(restored, { mode: 0o700 });
      const suffix = `.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const moves: Array<[from: string, to: string]> = [];
      try {
        // The configuration first: when it lives inside the data folder, it then moves aside with it.
        if (configThere) moves.push([configFile, `${configFile}${suffix}`]);
        if (dataThere) moves.push([dataDir, (dataAside = `${dataDir}${suffix}`)]);
        for (const [from, to] of moves) {
          await rename(from, to);
          movedAside.push(to);
        }
        await rename(restored, dataDir);
      } catch (err) {
        // Put back what was moved, so a failure leaves things as they were.
        for (const [from, to] of moves.slice(0, movedAside.length).reverse()) await rename(to, from).catch(() => undefined);
        throw err;
      }
      await fsyncPath(dirname(dataDir));
      await mkdir(dirname(configFile), { recursive: true });
      await writeDurably(configFile, configText);
      // Run as root (renaming in /var/lib needs it), the files would be root's and the service could
      // not open them: they get the owner of what they replace.
      if (process.getuid?.() === 0) {
        if (dataAside) await chownTree(dataDir, await stat(dataAside));
        if (configThere) await chownTree(configFile, await stat(`${configFile}${suffix}`));
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  } finally {
    await lock?.release();
    // Ours, moved aside with the old folder while we held it.
    if (lock && dataAside) await rm(join(dataAside, 'state.json.lock'), { force: true });
  }
  say(`restored the data folder ${dataDir} and the configuration ${configFile} (backup of ${manifest.createdAt} from ${manifest.host}, medgate ${manifest.medgate})`);
  for (const path of movedAside) say(`what was there is kept: ${path}`);
  if (manifest.dataFormat < DATA_FORMAT) say(`its data format is ${manifest.dataFormat}: the gateway migrates it to ${DATA_FORMAT} when it starts`);
  if (!manifest.tokenIncluded) say('the API token was not in the backup: the gateway makes a new one at its first start (unless MEDGATE_API_TOKEN is set)');
  if (process.getuid?.() === 0 && !dataThere) say(`restored as root: if the gateway runs as another user, give it the files (chown -R USER: ${dataDir} ${configFile})`);
  return { dataDir, configFile, manifest, movedAside };
}
