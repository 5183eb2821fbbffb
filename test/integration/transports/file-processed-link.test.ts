// The watched folder's processed/ made a link by anyone who can write to the export share: the
// gateway must not move files through it into the folder it points to.

import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/model/logger.ts';
import { FileDropTransport } from '../../../src/transports/file.ts';
import { eventually } from '../../support/eventually.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function folder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'medgate-processed-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

function watching(path: string, beforeAnswer: () => Promise<void> = async () => undefined) {
  const t = new FileDropTransport({ path, pollMs: 3_600_000, log: silentLogger });
  const got: string[] = [];
  t.on('message', (_conn, payload, _meta, done) => {
    got.push(payload.toString('utf8'));
    void beforeAnswer().then(() => done());
  });
  t.start();
  cleanup.push(() => t.stop());
  return { t, got };
}

describe('watched folder processed/', () => {
  it('a processed/ that is a link: nothing is read or moved, the device says why', async () => {
    const dir = await folder();
    const elsewhere = await folder();
    await symlink(elsewhere, join(dir, 'processed'));
    await writeFile(join(dir, 'ECG0001.xml'), '<ecg/>');
    const { t, got } = watching(dir);
    for (let i = 0; i < 3; i++) await t.poll();
    expect(t.status.state).toBe('retrying');
    expect(t.status.lastError).toMatch(/processed\/ in the watched folder is a link/);
    expect(got).toEqual([]);
    expect(await readdir(elsewhere)).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['ECG0001.xml', 'processed']);
  });

  it('a link made while a file is being stored: the file stays where it is', async () => {
    const dir = await folder();
    const elsewhere = await folder();
    await writeFile(join(dir, 'ECG0002.xml'), '<ecg/>');
    const { t, got } = watching(dir, () => symlink(elsewhere, join(dir, 'processed')));
    await eventually(async () => {
      await t.poll();
      expect(got).toHaveLength(1);
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(await readdir(elsewhere)).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(['ECG0002.xml', 'processed']);
  });

  it('a plain processed/ folder still takes the stored files', async () => {
    const dir = await folder();
    await mkdir(join(dir, 'processed'));
    await writeFile(join(dir, 'ECG0003.xml'), '<ecg/>');
    const { t } = watching(dir);
    await eventually(async () => {
      await t.poll();
      expect(await readdir(join(dir, 'processed'))).toEqual(['ECG0003.xml']);
    });
  });
});
