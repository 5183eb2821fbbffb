// The data folder holds patients' names and results, password hashes and the API token: nobody but
// the gateway's own user may read it, whatever umask the service was started with (a distribution's
// default of 022 would leave every file world-readable). New files: the process umask is narrowed,
// because the storage engine and the history thread create files this code never opens itself.
// Existing files (an earlier version's folder, a restored backup): tightened at every start.

import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../model/logger.ts';

export const FOLDER_MODE = 0o700;
export const FILE_MODE = 0o600;
/** Group and others get nothing on anything created after the start. */
export const PRIVATE_UMASK = 0o077;

export interface TightenReport {
  /** Files and folders whose mode was changed. */
  changed: number;
  /** Could not be changed (owned by another user, a read-only mount). */
  failed: number;
}

/** The mode a folder entry should have; undefined: left alone (a symbolic link is never followed). */
export function wantedMode(kind: 'folder' | 'file' | 'other'): number | undefined {
  if (kind === 'folder') return FOLDER_MODE;
  if (kind === 'file') return FILE_MODE;
  return undefined;
}

/** Chmods the folder and everything under it (links not followed) to 0700/0600 where they differ. */
export async function tightenFolder(dir: string, report: TightenReport = { changed: 0, failed: 0 }): Promise<TightenReport> {
  await setMode(dir, FOLDER_MODE, report);
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    report.failed++;
    return report;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) await tightenFolder(path, report);
    else {
      const mode = wantedMode(e.isFile() ? 'file' : 'other');
      if (mode !== undefined) await setMode(path, mode, report);
    }
  }
  return report;
}

async function setMode(path: string, mode: number, report: TightenReport): Promise<void> {
  try {
    const st = await fs.lstat(path);
    if ((st.mode & 0o777) === mode) return;
    await fs.chmod(path, mode);
    report.changed++;
  } catch {
    report.failed++;
  }
}

/** Narrows the umask (where the process may: not on a worker thread) and tightens what is already there. */
export async function keepDataFolderPrivate(dataDir: string, log: Logger): Promise<TightenReport> {
  try {
    process.umask(PRIVATE_UMASK);
  } catch (err) {
    log.warn({ err }, 'could not narrow the umask; files created later may be readable by others');
  }
  const report = await tightenFolder(dataDir);
  if (report.changed > 0) log.info({ dataDir, changed: report.changed }, 'data folder made private to the gateway user (folders 0700, files 0600)');
  if (report.failed > 0) log.warn({ dataDir, failed: report.failed }, 'some files in the data folder could not be made private; check their owner');
  return report;
}
