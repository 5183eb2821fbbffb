// LMDB's lock file (db/lock.mdb) and the user the gateway runs as. A backup run as root on a folder
// whose database has no lock file yet (restored, not yet started) must not leave one the service
// user cannot write: lmdb-js crashes (SIGSEGV, nothing logged) on it at every start. The service
// user is played by a child process running as another uid; it opens the database as the gateway does.

import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { takeBackup } from '../../../src/backup/take-backup.ts';
import { CLEAN_SHUTDOWN } from '../../../src/store/engine.ts';
import { ROOT, tempDir } from '../../support/gateway-process.ts';
import { gatewayFolder } from './backup-folder.ts';
import { IS_ROOT, SKIP_UNLESS_ROOT } from '../../support/as-root.ts';

const SERVICE = 4321;

/** Opens the folder's database as the gateway does (openEngine, read and write), as the service user. */
function openAsService(dataDir: string): { status: number | null; signal: string | null; stderr: string } {
  const script = `const { openEngine } = await import(${JSON.stringify(join(ROOT, 'src/store/engine.ts'))});
const engine = openEngine(${JSON.stringify(dataDir)});
await engine.db('probe').put('k', 1);
await engine.close();`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: ROOT,
    uid: SERVICE,
    gid: SERVICE,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, HOME: dataDir },
  });
  return { status: r.status, signal: r.signal, stderr: r.stderr };
}

/** A stopped gateway's folder owned by the service user, its database without lock.mdb and without clean-shutdown marker (as restore leaves it). */
async function restoredFolder(): Promise<{ dir: string; config: string; dataDir: string }> {
  const folder = await gatewayFolder();
  rmSync(join(folder.dataDir, 'db', 'lock.mdb'));
  rmSync(join(folder.dataDir, 'db', CLEAN_SHUTDOWN), { force: true });
  const own = (p: string): void => chownSync(p, SERVICE, SERVICE);
  for (const p of [folder.dir, folder.dataDir, join(folder.dataDir, 'db'), join(folder.dataDir, 'db', 'data.mdb'), join(folder.dataDir, 'state.json')]) own(p);
  return folder;
}

describe.skipIf(SKIP_UNLESS_ROOT)('lock.mdb and the service user', () => {
  it('runs as root', () => expect(IS_ROOT).toBe(true));

  it('a backup run as root creates it with the owner of data.mdb, 0600, and the service user then opens the database', { timeout: 90_000 }, async () => {
    const { config, dataDir } = await restoredFolder();
    await takeBackup({ configFile: config, to: join(tempDir(), 'backup.tar.gz') });
    const lock = statSync(join(dataDir, 'db', 'lock.mdb'));
    expect({ uid: lock.uid, gid: lock.gid, mode: (lock.mode & 0o777).toString(8) }).toEqual({ uid: SERVICE, gid: SERVICE, mode: '600' });
    const r = openAsService(dataDir);
    expect(r.signal).toBeNull();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('one the service user cannot write stops the gateway with a message naming it, instead of a crash', { timeout: 90_000 }, async () => {
    const { dataDir } = await restoredFolder();
    const lockFile = join(dataDir, 'db', 'lock.mdb');
    writeFileSync(lockFile, '');
    chmodSync(lockFile, 0o644);
    const r = openAsService(dataDir);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${lockFile} cannot be written by this process`);
    // Not taken for damage: the database is where it was.
    expect(existsSync(join(dataDir, 'db', 'data.mdb'))).toBe(true);
  });
});
