// Backup and restore of a data folder the real stores wrote (the gateway stopped): what goes into
// the archive and what does not, that restore gives back the same data, and every refusal: a
// damaged archive, a newer data format, a folder that is not empty, a gateway running on it.

import { appendFileSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, extract, list } from 'tar';
import { describe, expect, it } from 'vitest';
import { AuditJournal } from '../../../src/audit/journal.ts';
import { takeBackup } from '../../../src/backup/take-backup.ts';
import { restoreBackup } from '../../../src/backup/restore.ts';
import type { Manifest } from '../../../src/backup/manifest.ts';
import { DATA_FORMAT, FORMAT_FILE, prepareDataFolder } from '../../../src/store/data-format.ts';
import { openEngine } from '../../../src/store/engine.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import { tempDir } from '../../support/gateway-process.ts';
import { historyRecord } from '../../support/history-records.ts';
import { WEIGHT, writeLegacyDataDir } from '../../support/legacy-data.ts';

const TOKEN = 'restored-token-0123456789abcdef';

/** A stopped gateway's folder: config `<dir>/medgate.json` with dataDir `data`, each store with something in it. */
async function gatewayFolder(): Promise<{ dir: string; config: string; dataDir: string; auditDay: string }> {
  const dir = tempDir();
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  await prepareDataFolder(dataDir);
  const store = await StateStore.open(join(dataDir, 'state.json'));
  await store.update((doc) => {
    doc.bindings['scale-1'] = { patient: { mrn: 'MRN4711' }, createdAt: '2026-03-01T10:00:00.000Z' };
  });
  await store.close();
  const engine = openEngine(dataDir);
  await new HistoryStore(engine).append([historyRecord({ at: '2026-03-01T10:00:00.000Z', id: 'R1', mrn: 'MRN4711' })]);
  await engine.close();
  const audit = new AuditJournal(join(dataDir, 'audit'), { now: () => new Date('2026-03-01T10:00:00.000Z') });
  await audit.record({ who: 'mary', action: 'bind', device: 'scale-1', patient: { mrn: 'MRN4711' } });
  const auditDay = join(dataDir, 'audit', '2026-03-01.jsonl');
  const complete = readFileSync(auditDay, 'utf8');
  // An append under way: no newline yet.
  appendFileSync(auditDay, '{"at":"2026-03-01T10:00:01.000Z","who":"ma');
  writeFileSync(join(dataDir, 'api-token'), `${TOKEN}\n`, { mode: 0o600 });
  writeFileSync(join(dataDir, 'users.json.tmp'), 'a write under way');
  const config = join(dir, 'medgate.json');
  writeFileSync(config, JSON.stringify({ dataDir: 'data', web: { port: 0 }, devices: [], destinations: [] }));
  return { dir, config, dataDir, auditDay: complete };
}

async function entriesOf(archive: string): Promise<string[]> {
  const paths: string[] = [];
  await list({ file: archive, onReadEntry: (e) => paths.push(e.path) });
  return paths;
}

/** The archive unpacked, changed by `edit`, and packed again as it was made (manifest first). */
async function repacked(archive: string, edit: (dir: string) => void): Promise<string> {
  const dir = tempDir();
  await extract({ file: archive, cwd: dir });
  const order = await entriesOf(archive);
  edit(dir);
  const out = join(tempDir(), 'edited.tar.gz');
  await create({ gzip: true, cwd: dir, file: out, portable: true }, order);
  return out;
}

function filesUnder(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk('');
  return out.sort();
}

describe('backup', () => {
  it('writes one archive, 0600, with the manifest first and without token, locks, temp files or torn lines', async () => {
    const { dir, config, dataDir, auditDay } = await gatewayFolder();
    const archive = join(dir, 'backup.tar.gz');
    const { manifest } = await takeBackup({ configFile: config, to: archive });
    expect(statSync(archive).mode & 0o777).toBe(0o600);
    const entries = await entriesOf(archive);
    expect(entries[0]).toBe('manifest.json');
    expect(entries[1]).toBe('config/medgate.json');
    expect(entries.slice(2).sort()).toEqual(['data/audit/2026-03-01.jsonl', 'data/db/data.mdb', `data/${FORMAT_FILE}`, 'data/state.json']);
    expect(manifest).toMatchObject({ kind: 'medgate-backup', dataFormat: DATA_FORMAT, tokenIncluded: false, config: 'config/medgate.json', dataDir, notes: [] });
    expect(manifest.files.map((f) => f.path)).toEqual(entries.slice(1).sort());
    expect(manifest.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256))).toBe(true);
    // Nothing was left beside the archive, nothing written into the data folder.
    expect(readdirSync(dir).sort()).toEqual(['backup.tar.gz', 'data', 'medgate.json']);
    expect(existsSync(join(dataDir, 'state.json.lock'))).toBe(false);

    const out = tempDir();
    await extract({ file: archive, cwd: out });
    expect(readFileSync(join(out, 'data/audit/2026-03-01.jsonl'), 'utf8')).toBe(auditDay);
  });

  it('includes the API token when asked', async () => {
    const { dir, config } = await gatewayFolder();
    const archive = join(dir, 'with-token.tar.gz');
    const { manifest } = await takeBackup({ configFile: config, to: archive, withToken: true });
    expect(manifest.tokenIncluded).toBe(true);
    expect(await entriesOf(archive)).toContain('data/api-token');
  });

  it('takes a folder of a release before format stamps as format 0, its day files as they are', async () => {
    const dir = tempDir();
    writeLegacyDataDir(join(dir, 'data'), [{ id: 'HELD1', observations: [WEIGHT(70)], holdReasons: ['no patient'] }], [{ id: 'OLD1', observations: [WEIGHT(71)], status: 'delivered', holdReasons: [] }]);
    const config = join(dir, 'medgate.json');
    writeFileSync(config, JSON.stringify({ dataDir: 'data' }));
    const archive = join(dir, 'legacy.tar.gz');
    const { manifest } = await takeBackup({ configFile: config, to: archive });
    expect(manifest).toMatchObject({ dataFormat: 0 });
    expect(manifest.dataWrittenBy).toBeUndefined();
    expect(manifest.files.map((f) => f.path)).toEqual(['config/medgate.json', expect.stringMatching(/^data\/history\/\d{4}-\d{2}-\d{2}\.jsonl$/), 'data/state.json']);
    const target = tempDir();
    const r = await restoreBackup({ from: archive, configFile: join(target, 'medgate.json'), dataDir: join(target, 'data') });
    expect(r.manifest.dataFormat).toBe(0);
    expect(readdirSync(join(target, 'data')).sort()).toEqual(['history', 'state.json']);
  });

  it('never replaces a file, and refuses a data folder of a newer format', async () => {
    const { dir, config, dataDir } = await gatewayFolder();
    writeFileSync(join(dir, 'taken.tar.gz'), 'something');
    await expect(takeBackup({ configFile: config, to: join(dir, 'taken.tar.gz') })).rejects.toThrow(/exists: choose another name/);
    writeFileSync(join(dataDir, FORMAT_FILE), JSON.stringify({ format: DATA_FORMAT + 1, writtenBy: 'medgate 7.0.0' }));
    await expect(takeBackup({ configFile: config, to: join(dir, 'new.tar.gz') })).rejects.toThrow(/written by medgate 7\.0\.0/);
    expect(existsSync(join(dir, 'new.tar.gz'))).toBe(false);
  });
});

describe('restore', () => {
  it('gives back the folder and configuration, in a new place too', async () => {
    const { dir, config } = await gatewayFolder();
    const archive = join(dir, 'backup.tar.gz');
    await takeBackup({ configFile: config, to: archive, withToken: true });
    const target = tempDir();
    const dataDir = join(target, 'elsewhere', 'data');
    const r = await restoreBackup({ from: archive, configFile: join(target, 'medgate.json'), dataDir });
    expect(r.movedAside).toEqual([]);
    expect(JSON.parse(readFileSync(join(target, 'medgate.json'), 'utf8'))).toMatchObject({ dataDir, web: { port: 0 } });
    expect(statSync(join(target, 'medgate.json')).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(readFileSync(join(dataDir, 'api-token'), 'utf8')).toBe(`${TOKEN}\n`);
    expect(readdirSync(join(target, 'elsewhere'))).toEqual(['data']);

    const store = await StateStore.open(join(dataDir, 'state.json'));
    expect(store.data.bindings['scale-1']?.patient.mrn).toBe('MRN4711');
    await store.close();
    const engine = openEngine(dataDir);
    expect(new HistoryStore(engine).byReadingId('R1')?.messages.map((m) => m.id)).toEqual(['R1-ehr']);
    await engine.close();
  });

  it('refuses a damaged archive and changes nothing', async () => {
    const { dir, config } = await gatewayFolder();
    const archive = join(dir, 'backup.tar.gz');
    await takeBackup({ configFile: config, to: archive });
    const damaged = await repacked(archive, (d) => appendFileSync(join(d, 'data/state.json'), ' '));
    const target = tempDir();
    await expect(restoreBackup({ from: damaged, configFile: join(target, 'medgate.json'), dataDir: join(target, 'data') })).rejects.toThrow(
      /is damaged; nothing was changed:\n {2}data\/state\.json: \d+ bytes, the manifest says \d+/,
    );
    const swapped = await repacked(archive, (d) => writeFileSync(join(d, 'data/format.json'), readFileSync(join(d, 'data/format.json'), 'utf8').replace('"format":1', '"format":2')));
    await expect(restoreBackup({ from: swapped, configFile: join(target, 'medgate.json'), dataDir: join(target, 'data') })).rejects.toThrow(/data\/format\.json: its SHA-256 is not the manifest's/);
    expect(readdirSync(target)).toEqual([]);
  });

  it('refuses an archive of a newer data format, naming both versions, before unpacking it', async () => {
    const { dir, config } = await gatewayFolder();
    const archive = join(dir, 'backup.tar.gz');
    await takeBackup({ configFile: config, to: archive });
    const newer = await repacked(archive, (d) => {
      const m = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as Manifest;
      writeFileSync(join(d, 'manifest.json'), JSON.stringify({ ...m, dataFormat: DATA_FORMAT + 1, dataWrittenBy: 'medgate 7.0.0' }));
    });
    const target = tempDir();
    await expect(restoreBackup({ from: newer, configFile: join(target, 'medgate.json'), dataDir: join(target, 'data') })).rejects.toThrow(
      new RegExp(`holds data format ${DATA_FORMAT + 1}, written by medgate 7\\.0\\.0; this medgate \\(.+\\) knows formats up to ${DATA_FORMAT}`),
    );
    expect(readdirSync(target)).toEqual([]);
  });

  it('refuses a folder or configuration that is there; with --force moves them aside, deleting nothing', async () => {
    const { dir, config, dataDir } = await gatewayFolder();
    const archive = join(dir, 'backup.tar.gz');
    await takeBackup({ configFile: config, to: archive });
    writeFileSync(join(dataDir, 'since-the-backup'), 'kept');
    const before = filesUnder(dataDir);
    await expect(restoreBackup({ from: archive, configFile: config })).rejects.toThrow(/data is not empty and .*medgate\.json exists: .*--force/);
    expect(filesUnder(dataDir)).toEqual(before);

    const r = await restoreBackup({ from: archive, configFile: config, force: true });
    expect(r.dataDir).toBe(dataDir);
    expect(r.movedAside).toEqual([expect.stringMatching(/medgate\.json\.before-restore-/), expect.stringMatching(/data\.before-restore-/)]);
    expect(filesUnder(r.movedAside[1]!)).toEqual(before);
    expect(existsSync(r.movedAside[0]!)).toBe(true);
    expect(existsSync(join(dataDir, 'since-the-backup'))).toBe(false);
    expect(existsSync(join(dataDir, 'state.json'))).toBe(true);
  });

  it.skipIf(process.getuid?.() !== 0)('run as root, gives the restored files the owner of what they replace', async () => {
    const { dir, config, dataDir } = await gatewayFolder();
    const archive = join(dir, 'backup.tar.gz');
    await takeBackup({ configFile: config, to: archive });
    chownSync(dataDir, 4321, 4321);
    chownSync(config, 4322, 4322);
    await restoreBackup({ from: archive, configFile: config, force: true });
    const owners = [dataDir, join(dataDir, 'state.json'), join(dataDir, 'db'), join(dataDir, 'db', 'data.mdb')].map((p) => statSync(p).uid);
    expect(owners).toEqual([4321, 4321, 4321, 4321]);
    expect(statSync(config).uid).toBe(4322);
  });

  it('refuses while a gateway has the folder open, even with --force, and moves nothing', async () => {
    const { dir, config, dataDir } = await gatewayFolder();
    const archive = join(dir, 'backup.tar.gz');
    await takeBackup({ configFile: config, to: archive });
    const running = await StateStore.open(join(dataDir, 'state.json'));
    try {
      await expect(restoreBackup({ from: archive, configFile: config, force: true })).rejects.toThrow(/a gateway is running on .*data: stop it before restoring/);
      expect(readdirSync(dir).sort()).toEqual(['backup.tar.gz', 'data', 'medgate.json']);
    } finally {
      await running.close();
    }
  });
});
