// The watched folder as an attacker uses it: a link swapped in between the check and the read (to a
// private key the gateway's user can read), and a folder that is the data folder itself.

import { execFileSync } from 'node:child_process';
import { promises as fsp, type Stats } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/model/logger.ts';
import { FileDropTransport, readRegularFile } from '../../../src/transports/file.ts';
import { watchedFolderProblem } from '../../../src/transports/watched-folder-rule.ts';
import { eventually } from '../../support/eventually.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  vi.restoreAllMocks();
  for (const c of cleanup.splice(0)) await c();
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'medgate-drop-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function watching(path: string, opts: { dataDir?: string } = {}) {
  const t = new FileDropTransport({ path, pollMs: 3_600_000, log: silentLogger, ...opts });
  const got: string[] = [];
  t.on('message', (_conn, payload, _meta, done) => {
    got.push(payload.toString('utf8'));
    done();
  });
  t.start();
  cleanup.push(() => t.stop());
  await eventually(() => expect(t.status.state).not.toBe('connecting'));
  return { t, got };
}

const KEY = `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(64)}\n-----END PRIVATE KEY-----\n`;

describe('watched folder hardening', () => {
  it('does not follow a link swapped in between the check and the read', async () => {
    const dir = await folder();
    const secrets = await folder();
    await writeFile(join(secrets, 'server.key'), KEY);
    const name = join(dir, 'ECG0001.xml');
    // Same size as the key, so a size check alone would not notice the swap.
    await writeFile(name, 'x'.repeat(KEY.length));
    // The race, made certain: right after the check that finds the file stable (the second), it becomes a link.
    let checks = 0;
    let swapped = false;
    const swapAfter = (real: (p: string) => Promise<Stats>) => async (p: string) => {
      const st = await real(p);
      if (p === name && ++checks === 2) {
        await unlink(name);
        await symlink(join(secrets, 'server.key'), name);
        swapped = true;
      }
      return st;
    };
    const realLstat = fsp.lstat.bind(fsp) as (p: string) => Promise<Stats>;
    const realStat = fsp.stat.bind(fsp) as (p: string) => Promise<Stats>;
    vi.spyOn(fsp, 'lstat').mockImplementation(swapAfter(realLstat) as typeof fsp.lstat);
    vi.spyOn(fsp, 'stat').mockImplementation(swapAfter(realStat) as typeof fsp.stat);
    const { t, got } = await watching(dir);
    for (let i = 0; i < 3; i++) await t.poll();
    expect(swapped).toBe(true);
    expect(got.some((p) => p.includes('PRIVATE KEY'))).toBe(false);
    expect(got).toEqual([]);
  });

  it('reads only a regular file from the descriptor it checked: not a link, not a pipe (without blocking)', async () => {
    const dir = await folder();
    await writeFile(join(dir, 'a.xml'), '<a/>');
    await symlink(join(dir, 'a.xml'), join(dir, 'link.xml'));
    execFileSync('mkfifo', [join(dir, 'pipe.xml')]);
    expect((await readRegularFile(join(dir, 'a.xml')))?.toString()).toBe('<a/>');
    expect(await readRegularFile(join(dir, 'link.xml'))).toBeUndefined();
    expect(await readRegularFile(join(dir, 'pipe.xml'))).toBeUndefined();
  });

  it('refuses to watch the data folder, or a link to it, or a relative folder', async () => {
    const dataDir = await folder();
    await writeFile(join(dataDir, 'users.json'), '{"version":1,"users":[{"name":"admin","passwordHash":"scrypt$..."}]}');
    const links = await folder();
    await symlink(dataDir, join(links, 'ekg'));
    for (const path of [dataDir, join(links, 'ekg')]) {
      const { t, got } = await watching(path, { dataDir });
      await t.poll();
      await t.poll();
      expect(got).toEqual([]);
      expect(t.status.state).toBe('retrying');
      expect(t.status.lastError).toMatch(/inside the data folder/);
    }
    const sub = join(dataDir, 'drop');
    await mkdir(sub);
    expect(watchedFolderProblem(sub, dataDir)).toMatch(/inside the data folder/);
    expect(watchedFolderProblem('ekg-export', undefined)).toMatch(/not an absolute folder/);
    expect(watchedFolderProblem('/srv/ekg-export', dataDir)).toBeUndefined();
  });
});
