// `medgate restore`: puts a backup back, for a gateway that is stopped.
//
// - Where it goes is decided here, never by the archive (whoever can hand one to root would choose
//   where root writes): the data folder the existing configuration names, or --data-dir; without
//   either it refuses. The configuration written names that folder. A system folder is refused, and
//   every file is unpacked 0600, every folder 0700 (archive.ts).
// - A gateway running on the target folder holds the state file's lock (store/file-lock.ts: pid,
//   host and boot id, so a lock left by a crash is recognised as stale). Restore takes that same
//   lock before it unpacks anything and keeps it while it moves the folder aside: a gateway running
//   there makes it refuse, and one started meanwhile fails on the lock. Asking the web port instead
//   would miss a gateway configured with another port, or one still starting.
// - Nothing is deleted: a folder or configuration already there is refused unless --force, which
//   renames them `<name>.before-restore-<time>`.
// - Run as root, what it writes gets the owner of the folder or file it replaces (or of the
//   configuration's folder): the service user must be able to open it.
// - The archive is unpacked beside the target (same disk, so putting it in place is one rename),
//   every file checked against the manifest's size and SHA-256 and made durable first: a damaged
//   archive changes nothing.
// - An archive of a newer data format is refused before anything is unpacked; an older one is
//   restored as it is, and the gateway migrates it at its next start (store/data-format.ts).

import { existsSync, type Stats } from 'node:fs';
import { chown, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { writeDurably } from '../config/config-file.ts';
import { SHARED_FOLDERS, within } from '../service/unit.ts';
import { DATA_FORMAT, DataFormatError, newerFormatMessage } from '../store/data-format.ts';
import { fsyncDir } from '../store/engine.ts';
import { FileLock } from '../store/file-lock.ts';
import { extractArchive, readArchiveHead, verifyExtracted } from './archive.ts';
import { configDocument, dataDirOf, withDataDir } from './config-file.ts';
import { DATA_DIR, parseManifest, type Manifest } from './manifest.ts';
import { realPathOf } from './real-path.ts';
import { errorText } from '../model/error-text.ts';

export interface RestoreOptions {
  from: string;
  /** Where the configuration goes. */
  configFile: string;
  /** The data folder; default: the one the existing `configFile` names. */
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
    throw new Error(`a gateway is running on ${dataDir}: stop it before restoring. ${errorText(err)}`);
  }
}

async function ownerOf(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The data folder, and the `dataDir` the written configuration names: --data-dir, else what the existing configuration says. */
function targetOf(opts: RestoreOptions, configFile: string, existing: string | undefined, manifest: Manifest): { dataDir: string; written: string } {
  if (opts.dataDir) return { dataDir: resolve(opts.dataDir), written: resolve(opts.dataDir) };
  const hint = `name the data folder with --data-dir DIR (the backup was taken of ${manifest.dataDir})`;
  if (existing === undefined) throw new Error(`${configFile} does not exist, so it cannot say where the data goes: ${hint}`);
  try {
    return { dataDir: dataDirOf(existing, configFile), written: configDocument(existing, configFile).dataDir };
  } catch (err) {
    throw new Error(`${errorText(err)}: ${hint}`);
  }
}

async function refuseSystemFolder(dataDir: string): Promise<void> {
  const real = await realPathOf(dataDir);
  if (SHARED_FOLDERS.has(dataDir) || SHARED_FOLDERS.has(real)) {
    throw new Error(
      `${dataDir} is a system folder${real === dataDir ? '' : ` (${real})`}: the data folder must be a folder of its own, such as /var/lib/medgate`,
    );
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
  if (!head.config || head.config.path !== manifest.config)
    throw new Error(`${archive} is damaged: its configuration (${manifest.config}) does not follow the manifest`);
  const configThere = existsSync(configFile);
  const existing = configThere ? await readFile(configFile, 'utf8') : undefined;
  const { dataDir, written } = targetOf(opts, configFile, existing, manifest);
  await refuseSystemFolder(dataDir);
  const configText = withDataDir(head.config.text, configFile, written);
  // A gateway started with the existing configuration runs on its folder, also when --data-dir names another.
  let current: string | undefined;
  try {
    current = existing === undefined ? undefined : dataDirOf(existing, configFile);
  } catch {
    current = undefined; // not a configuration any gateway could have started with
  }
  const other = current !== undefined && (await realPathOf(current)) !== (await realPathOf(dataDir)) ? current : undefined;

  const dataThere = existsSync(dataDir) && !(await isEmptyFolder(dataDir));
  if ((dataThere || configThere) && !opts.force) {
    const what = [dataThere ? `${dataDir} is not empty` : '', configThere ? `${configFile} exists` : ''].filter(Boolean).join(' and ');
    throw new Error(`${what}: restore puts a backup only where nothing is. With --force it moves what is there aside (renamed, never deleted).`);
  }
  // Run as root (renaming in /var/lib needs it), the files would be root's and the service could not
  // open them: they get the owner of the folder or file they replace, read before anything moves.
  const asRoot = process.getuid?.() === 0;
  const dataOwner = asRoot ? await ownerOf(dataDir) : undefined;
  const configOwner = asRoot ? ((await ownerOf(configFile)) ?? (await ownerOf(dirname(configFile)))) : undefined;
  const locks: FileLock[] = [];
  const movedAside: string[] = [];
  let dataAside: string | undefined;
  try {
    // An empty folder has no gateway running on it (one that runs has its state file there).
    if (dataThere) locks.push(await takeLock(dataDir));
    if (other && existsSync(other) && !(await isEmptyFolder(other))) locks.push(await takeLock(other));
    await mkdir(dirname(dataDir), { recursive: true });
    const staging = await mkdtemp(`${dataDir}.restoring-`);
    try {
      say(`unpacking ${archive}`);
      await extractArchive(archive, staging);
      const problems = await verifyExtracted(staging, manifest);
      if (problems.length > 0) {
        throw new Error(
          `${archive} is damaged; nothing was changed:\n  ${problems.slice(0, 10).join('\n  ')}${problems.length > 10 ? `\n  ... and ${problems.length - 10} more` : ''}`,
        );
      }
      const restored = join(staging, DATA_DIR);
      if (!existsSync(restored)) await mkdir(restored, { mode: 0o700 });
      const suffix = `.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      const moves: Array<[from: string, to: string]> = [];
      try {
        // A configuration inside the data folder moves aside with it, under its own name.
        if (configThere && !within(configFile, dataDir)) moves.push([configFile, `${configFile}${suffix}`]);
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
      fsyncDir(dirname(dataDir));
      await mkdir(dirname(configFile), { recursive: true });
      await writeDurably(configFile, configText);
      if (dataOwner) await chownTree(dataDir, dataOwner);
      if (configOwner) await chown(configFile, configOwner.uid, configOwner.gid);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  } finally {
    for (const lock of locks) await lock.release();
    // Ours, moved aside with the old folder while we held it.
    if (dataAside) await rm(join(dataAside, 'state.json.lock'), { force: true });
  }
  say(
    `restored the data folder ${dataDir} and the configuration ${configFile} (backup of ${manifest.createdAt} from ${manifest.host}, medgate ${manifest.medgate})`,
  );
  for (const path of movedAside) say(`what was there is kept: ${path}`);
  if (manifest.dataFormat < DATA_FORMAT) say(`its data format is ${manifest.dataFormat}: the gateway migrates it to ${DATA_FORMAT} when it starts`);
  if (!manifest.tokenIncluded) say('the API token was not in the backup: the gateway makes a new one at its first start (unless MEDGATE_API_TOKEN is set)');
  const unowned = [dataOwner ? '' : dataDir, configOwner ? '' : configFile].filter(Boolean);
  if (asRoot && unowned.length > 0) say(`restored as root: if the gateway runs as another user, give it the files (chown -R USER: ${unowned.join(' ')})`);
  if (manifest.external && manifest.external.length > 0) {
    say('not in the backup (outside the data folder, backed up separately or not at all): put these back if they are missing here');
    for (const f of manifest.external) say(`  ${f.field}: ${f.path}`);
  }
  return { dataDir, configFile, manifest, movedAside };
}
