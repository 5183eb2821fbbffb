// `medgate backup`: a copy of a gateway's data folder and configuration, taken from outside the
// gateway, while it runs or not, as one state it was in.
//
// Why the command copies the files itself rather than asking the running gateway over its API: the
// person taking the backup may not know the API token (it may come from the service's environment),
// a backup must also work while the gateway is stopped or failing to start (before an upgrade, after
// a crash), and the files are what a restore puts back. What it needs is to read the data folder,
// the service user's right, so it runs as that user (or root). It writes nothing into the folder and
// takes none of its locks; LMDB's reader table (db/lock.mdb) is the one shared file it touches (and
// creates, with the database's owner, when the gateway has not yet: engine-copy.ts).
//
// Order, for consistency (each step says why in its own file): the state first (state-copy.ts), the
// database after it (engine-copy.ts), the two reconciled (reconcile.ts), then the other files
// (data-files.ts): an audit entry is written after the state change it records, so an audit trail
// copied later holds every change of the state copy.

import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { isRecord } from '../model/is-record.ts';
import { within } from '../service/unit.ts';
import { DATA_FORMAT, DataFormatError, medgateVersion, newerFormatMessage, readFormatStamp } from '../store/data-format.ts';
import type { StateDoc } from '../store/types.ts';
import { writeArchive } from './archive.ts';
import { configDocument, dataDirOf } from './config-file.ts';
import { copyDataFiles, TOKEN_FILE } from './data-files.ts';
import { copyEngine } from './engine-copy.ts';
import { externalFiles } from './external-files.ts';
import { CONFIG_DIR, DATA_DIR, digest, listFiles, MANIFEST, type Manifest } from './manifest.ts';
import { realPathOf } from './real-path.ts';
import { clockSetBack, reconcileCopy } from './reconcile.ts';
import { copyState } from './state-copy.ts';

export interface BackupOptions {
  configFile: string;
  /** The archive to write; must not exist. */
  to: string;
  /** Include `<dataDir>/api-token`. */
  withToken?: boolean;
  /** Progress, one line at a time. */
  say?: (line: string) => void;
  /** Runs between reading the state and copying the database (tests widen that window with it). */
  afterStateRead?: () => Promise<void>;
}

export interface BackupResult {
  archive: string;
  manifest: Manifest;
  bytes: number;
}

function asStateDoc(doc: Record<string, unknown>, file: string): StateDoc {
  if (!isRecord(doc.readings) || !isRecord(doc.messages)) throw new Error(`${file} is not a state document (no readings or messages)`);
  return doc as unknown as StateDoc;
}

export async function takeBackup(opts: BackupOptions): Promise<BackupResult> {
  const say = opts.say ?? (() => undefined);
  const configFile = resolve(opts.configFile);
  const archive = resolve(opts.to);
  if (existsSync(archive)) throw new Error(`${archive} exists: choose another name (a backup never replaces a file)`);
  const configText = await readFile(configFile, 'utf8');
  const dataDir = dataDirOf(configText, configFile);
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory()) throw new Error(`${dataDir} (the dataDir of ${configFile}) is not a folder`);
  // The archive and the folder it is assembled in would be copied into the next backup, and so on.
  if (within(await realPathOf(archive), await realpath(dataDir))) {
    throw new Error(
      `${archive} is inside the data folder ${dataDir}: each backup would hold the ones before it. Write it elsewhere (e.g. /var/backups/medgate/)`,
    );
  }
  const stamp = await readFormatStamp(dataDir);
  if (stamp && stamp.format > DATA_FORMAT) throw new DataFormatError(newerFormatMessage(dataDir, stamp));

  // Beside the archive: the same disk, which must hold the archive anyway, and not /tmp (often RAM on a Pi).
  await mkdir(dirname(archive), { recursive: true, mode: 0o700 });
  const staging = await mkdtemp(join(dirname(archive), `.${basename(archive)}.`));
  try {
    const data = join(staging, DATA_DIR);
    await mkdir(data, { mode: 0o700 });
    const notes: string[] = [];

    const stateFile = join(dataDir, 'state.json');
    const state = await copyState(stateFile);
    notes.push(...state.notes);
    await opts.afterStateRead?.();
    const engine = await copyEngine(dataDir, data);
    if (state.doc) {
      const doc = asStateDoc(state.doc, stateFile);
      if (engine) {
        const r = await reconcileCopy(data, doc, state.readAt - clockSetBack({ wall: state.readAt, mono: state.readAtMono }));
        say(
          `matched the database to the state: ${r.archived} reading(s) delivered meanwhile moved to the history, ${r.later} stored after it left out, ${r.forgotten} duplicate-memory entries of those forgotten`,
        );
        await rm(join(data, 'db', 'lock.mdb'), { force: true });
      }
      await writeFile(join(data, 'state.json'), JSON.stringify(doc), { mode: 0o600 });
      say(
        `state: ${Object.keys(doc.readings).length} reading(s) in flight, ${Object.keys(doc.messages).length} message(s)${state.retries > 0 ? ` (read again ${state.retries} time(s): compacted meanwhile)` : ''}`,
      );
    }
    say(engine ? 'database: copied (LMDB copy of one read transaction)' : 'database: none yet');

    const copied = await copyDataFiles(dataDir, data, { withToken: opts.withToken === true });
    for (const path of copied.skipped) notes.push(`${path}: not a regular file, not copied`);
    const tokenIncluded = opts.withToken === true && existsSync(join(data, TOKEN_FILE));
    if (opts.withToken && !tokenIncluded) say(`no ${TOKEN_FILE} file in ${dataDir} (the token comes from MEDGATE_API_TOKEN?): none included`);

    const external = externalFiles(configDocument(configText, configFile), configFile, dataDir);
    if (external.length > 0) {
      say('warning: the configuration names files outside the data folder; they are not in the backup, back them up separately:');
      for (const f of external) say(`  ${f.field}: ${f.path}`);
    }

    await mkdir(join(staging, CONFIG_DIR), { mode: 0o700 });
    const config = `${CONFIG_DIR}/${basename(configFile)}`;
    await writeFile(join(staging, config), configText, { mode: 0o600 });

    const listed: Manifest['files'] = [];
    // One file at a time: a data folder may hold thousands of day files.
    for (const path of (await listFiles(staging)).files) listed.push({ path, ...(await digest(join(staging, path))) });
    const manifest: Manifest = {
      kind: 'medgate-backup',
      manifest: 1,
      medgate: medgateVersion(),
      dataFormat: stamp?.format ?? 0,
      ...(stamp ? { dataWrittenBy: stamp.writtenBy } : {}),
      createdAt: new Date(state.readAt).toISOString(),
      host: hostname(),
      tokenIncluded,
      config,
      dataDir,
      notes,
      external,
      files: listed,
    };
    await writeFile(join(staging, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    await writeArchive(staging, archive);
    for (const note of notes) say(`note: ${note}`);
    return { archive, manifest, bytes: (await stat(archive)).size };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
