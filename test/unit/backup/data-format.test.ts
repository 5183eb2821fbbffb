// The data folder's format stamp: a new folder is stamped, an older one migrated step by step (each
// step once, stamped as it finishes, resumed where a failure stopped it), a newer one or a stamp
// that is not one refused without a byte written.

import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_FORMAT, DataFormatError, FORMAT_FILE, medgateVersion, prepareDataFolder, type Migration } from '../../../src/store/data-format.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import { folderSnapshot } from '../../support/folder-snapshot.ts';
import { tempDir } from '../../support/gateway-process.ts';

const stamp = (dir: string): unknown => JSON.parse(readFileSync(join(dir, FORMAT_FILE), 'utf8'));

/** Steps that note when they ran; `failAt` makes that step throw once. */
function steps(ran: number[], failAt?: number): Migration[] {
  let failed = false;
  return [1, 2, 3].map((to) => ({
    to,
    what: `step ${to}`,
    run: async (dataDir: string) => {
      if (to === failAt && !failed) {
        failed = true;
        throw new Error(`step ${to} broke`);
      }
      ran.push(to);
      writeFileSync(join(dataDir, `step-${to}`), 'done');
    },
  }));
}

describe('data folder format', () => {
  it('stamps a new folder with this format and this version', async () => {
    const dir = tempDir();
    expect(await prepareDataFolder(dir)).toEqual({ from: 0, to: DATA_FORMAT });
    expect(stamp(dir)).toEqual({ format: DATA_FORMAT, writtenBy: `medgate ${medgateVersion()}` });
    // The lock it migrated under is gone.
    expect(readdirSync(dir).sort()).toEqual([FORMAT_FILE]);
    expect(await prepareDataFolder(dir)).toEqual({ from: DATA_FORMAT, to: DATA_FORMAT });
  });

  it('runs the missing steps of an older folder in order, each once, stamping after each', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, FORMAT_FILE), JSON.stringify({ format: 1, writtenBy: 'medgate 0.0.9' }));
    const ran: number[] = [];
    expect(await prepareDataFolder(dir, { migrations: steps(ran), version: '9.9.9' })).toEqual({ from: 1, to: 3 });
    expect(ran).toEqual([2, 3]);
    expect(stamp(dir)).toEqual({ format: 3, writtenBy: 'medgate 9.9.9' });
    await prepareDataFolder(dir, { migrations: steps(ran), version: '9.9.9' });
    expect(ran).toEqual([2, 3]);
  });

  it('resumes an upgrade that failed at the step that failed, without running the earlier ones again', async () => {
    const dir = tempDir();
    const ran: number[] = [];
    const migrations = steps(ran, 2);
    await expect(prepareDataFolder(dir, { migrations, version: '9.9.9' })).rejects.toThrow('step 2 broke');
    expect(stamp(dir)).toEqual({ format: 1, writtenBy: 'medgate 9.9.9' });
    expect(await prepareDataFolder(dir, { migrations, version: '9.9.9' })).toEqual({ from: 1, to: 3 });
    expect(ran).toEqual([1, 2, 3]);
  });

  it('refuses a folder of a newer format, naming both versions and what to do, and writes nothing', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'db'));
    writeFileSync(join(dir, FORMAT_FILE), JSON.stringify({ format: DATA_FORMAT + 1, writtenBy: 'medgate 7.0.0' }));
    writeFileSync(join(dir, 'state.json'), '{"version":2,"seq":0}');
    const before = folderSnapshot(dir);
    const err = await prepareDataFolder(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFormatError);
    const message = (err as Error).message;
    expect(message).toContain(`data format ${DATA_FORMAT + 1}, written by medgate 7.0.0`);
    expect(message).toContain(`this medgate (${medgateVersion()}) knows formats up to ${DATA_FORMAT}`);
    expect(message).toMatch(/restore a backup/);
    // What reaches the console is the message, not a stack trace.
    expect((err as Error).stack).toBe(`DataFormatError: ${message}`);
    expect(folderSnapshot(dir)).toEqual(before);
  });

  it('refuses a stamp that is not one rather than guessing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, FORMAT_FILE), '{"format": "two", "writtenBy": "medgate 1.0.0"}');
    await expect(prepareDataFolder(dir)).rejects.toThrow(/format\.json is not a format stamp \(\/format: /);
    writeFileSync(join(dir, FORMAT_FILE), '{"format": 1');
    await expect(prepareDataFolder(dir)).rejects.toThrow(/format\.json is not JSON/);
  });

  it('does not migrate a folder a gateway has open', async () => {
    const dir = tempDir();
    const store = await StateStore.open(join(dir, 'state.json'));
    try {
      await expect(prepareDataFolder(dir)).rejects.toThrow(/in use by another medgate process/);
      expect(readdirSync(dir)).not.toContain(FORMAT_FILE);
    } finally {
      await store.close();
    }
  });
});
