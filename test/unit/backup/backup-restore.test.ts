// Backup and restore of a data folder the real stores wrote (the gateway stopped): what goes into
// the archive and what does not, that restore gives back the same data, and every refusal: a
// damaged archive, a newer data format, a folder that is not empty, a gateway running on it.

import { appendFileSync, chownSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { extract } from 'tar';
import { describe, expect, it } from 'vitest';
import { takeBackup } from '../../../src/backup/take-backup.ts';
import { restoreBackup } from '../../../src/backup/restore.ts';
import type { Manifest } from '../../../src/backup/manifest.ts';
import { DATA_FORMAT, FORMAT_FILE } from '../../../src/store/data-format.ts';
import { openEngine } from '../../../src/store/engine.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import { tempDir } from '../../support/gateway-process.ts';
import { WEIGHT, writeLegacyDataDir } from '../../support/legacy-data.ts';
import { entriesOf, filesUnder, gatewayFolder, repacked, TOKEN } from './backup-folder.ts';
import { IS_ROOT, SKIP_UNLESS_ROOT } from '../../support/as-root.ts';

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
    expect(manifest).toMatchObject({
      kind: 'medgate-backup',
      dataFormat: DATA_FORMAT,
      tokenIncluded: false,
      config: 'config/medgate.json',
      dataDir,
      notes: [],
    });
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
    writeLegacyDataDir(
      join(dir, 'data'),
      [{ id: 'HELD1', observations: [WEIGHT(70)], holdReasons: ['no patient'] }],
      [{ id: 'OLD1', observations: [WEIGHT(71)], status: 'delivered', holdReasons: [] }],
    );
    const config = join(dir, 'medgate.json');
    writeFileSync(config, JSON.stringify({ dataDir: 'data' }));
    const archive = join(dir, 'legacy.tar.gz');
    const { manifest } = await takeBackup({ configFile: config, to: archive });
    expect(manifest).toMatchObject({ dataFormat: 0 });
    expect(manifest.dataWrittenBy).toBeUndefined();
    expect(manifest.files.map((f) => f.path)).toEqual([
      'config/medgate.json',
      expect.stringMatching(/^data\/history\/\d{4}-\d{2}-\d{2}\.jsonl$/),
      'data/state.json',
    ]);
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

  it('refuses an archive inside the data folder, also named through a link, before writing anything', async () => {
    const { dir, config, dataDir } = await gatewayFolder();
    const before = filesUnder(dataDir);
    await expect(takeBackup({ configFile: config, to: join(dataDir, 'backups', 'b1.tar.gz') })).rejects.toThrow(
      /inside the data folder .*data: each backup would hold the ones before it/,
    );
    symlinkSync(dataDir, join(dir, 'alias'));
    await expect(takeBackup({ configFile: config, to: join(dir, 'alias', 'b2.tar.gz') })).rejects.toThrow(/inside the data folder/);
    expect(filesUnder(dataDir)).toEqual(before);
    expect(readdirSync(dataDir)).not.toContain('backups');
  });

  it('names the files the configuration points to outside the data folder, in the manifest and as a warning, and leaves them out', async () => {
    const { dir, config, dataDir } = await gatewayFolder();
    mkdirSync(join(dataDir, 'tls'));
    writeFileSync(join(dataDir, 'tls', 'ca.pem'), 'a CA certificate');
    writeFileSync(
      config,
      JSON.stringify({
        dataDir: 'data',
        inbound: { mllp: { port: 0, tls: { certFile: '/etc/medgate/tls/inbound.crt', keyFile: 'tls/inbound.key', caFile: join(dataDir, 'tls', 'ca.pem') } } },
        mqtt: { url: 'mqtts://broker.example', ca: '/etc/ssl/broker-ca.pem', key: '/etc/medgate/mqtt.key' },
        devices: [{ id: 'ekg', driver: 'ekg-file', transport: { type: 'file', path: '/srv/ekg-export' } }],
        destinations: [
          {
            id: 'ehr',
            type: 'mllp',
            host: 'ehr.example',
            port: 2575,
            tls: { caFile: '/etc/medgate/ehr-ca.pem', certFile: '/etc/medgate/client.crt', keyFile: '/etc/medgate/client.key' },
          },
          { id: 'up', type: 'mqtt', url: 'mqtts://up.example', topic: 't', cert: '/etc/medgate/up.crt', key: '/etc/medgate/up.key' },
        ],
      }),
    );
    const lines: string[] = [];
    const { manifest } = await takeBackup({ configFile: config, to: join(dir, 'backup.tar.gz'), say: (l) => lines.push(l) });
    const external = [
      { field: 'inbound.mllp.tls.certFile', path: '/etc/medgate/tls/inbound.crt' },
      { field: 'inbound.mllp.tls.keyFile', path: 'tls/inbound.key' },
      { field: 'mqtt.ca', path: '/etc/ssl/broker-ca.pem' },
      { field: 'mqtt.key', path: '/etc/medgate/mqtt.key' },
      { field: 'devices[0].transport.path', path: '/srv/ekg-export' },
      { field: 'destinations[0].tls.caFile', path: '/etc/medgate/ehr-ca.pem' },
      { field: 'destinations[0].tls.certFile', path: '/etc/medgate/client.crt' },
      { field: 'destinations[0].tls.keyFile', path: '/etc/medgate/client.key' },
      { field: 'destinations[1].cert', path: '/etc/medgate/up.crt' },
      { field: 'destinations[1].key', path: '/etc/medgate/up.key' },
    ];
    expect(manifest.external).toEqual(external);
    const said = lines.join('\n');
    expect(said).toMatch(/warning: .*not in the backup/);
    for (const { field, path } of external) expect(said).toContain(`${field}: ${path}`);
    // The one inside the data folder is copied with it.
    expect(await entriesOf(join(dir, 'backup.tar.gz'))).toContain('data/tls/ca.pem');
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

  // Notepad saves UTF-8 with a byte order mark; the gateway starts on such a file, so backup and restore must read it too.
  it('backs up and restores a configuration saved with a byte order mark', async () => {
    const { dir, config } = await gatewayFolder();
    writeFileSync(config, `\uFEFF${readFileSync(config, 'utf8')}`);
    const archive = join(dir, 'backup.tar.gz');
    const { manifest } = await takeBackup({ configFile: config, to: archive });
    expect(manifest.dataDir).toBe(join(dir, 'data'));
    const target = tempDir();
    const dataDir = join(target, 'data');
    await restoreBackup({ from: archive, configFile: join(target, 'medgate.json'), dataDir });
    expect(JSON.parse(readFileSync(join(target, 'medgate.json'), 'utf8'))).toMatchObject({ dataDir, web: { port: 0 } });
  });

  it('names the files outside the data folder it did not put back; an archive of the previous release, without that list, restores', async () => {
    const { dir, config } = await gatewayFolder();
    writeFileSync(
      config,
      JSON.stringify({ dataDir: 'data', inbound: { mllp: { port: 0, tls: { certFile: '/etc/medgate/in.crt', keyFile: '/etc/medgate/in.key' } } } }),
    );
    const archive = join(dir, 'backup.tar.gz');
    await takeBackup({ configFile: config, to: archive });
    const lines: string[] = [];
    const target = tempDir();
    await restoreBackup({ from: archive, configFile: join(target, 'medgate.json'), dataDir: join(target, 'data'), say: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(
      /not in the backup[\s\S]*inbound\.mllp\.tls\.certFile: \/etc\/medgate\/in\.crt\n.*inbound\.mllp\.tls\.keyFile: \/etc\/medgate\/in\.key/,
    );

    const older = await repacked(archive, (d) => {
      const { external: _, ...m } = JSON.parse(readFileSync(join(d, 'manifest.json'), 'utf8')) as Manifest;
      writeFileSync(join(d, 'manifest.json'), JSON.stringify(m));
    });
    const again = tempDir();
    const r = await restoreBackup({ from: older, configFile: join(again, 'medgate.json'), dataDir: join(again, 'data') });
    expect(r.manifest.external).toBeUndefined();
    expect(existsSync(join(again, 'data', 'state.json'))).toBe(true);
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
    const swapped = await repacked(archive, (d) =>
      writeFileSync(
        join(d, 'data/format.json'),
        readFileSync(join(d, 'data/format.json'), 'utf8').replace(`"format":${DATA_FORMAT}`, `"format":${DATA_FORMAT + 1}`),
      ),
    );
    await expect(restoreBackup({ from: swapped, configFile: join(target, 'medgate.json'), dataDir: join(target, 'data') })).rejects.toThrow(
      /data\/format\.json: its SHA-256 is not the manifest's/,
    );
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

  it.skipIf(SKIP_UNLESS_ROOT)('run as root, gives the restored files the owner of what they replace', async () => {
    expect(IS_ROOT, 'runs as root').toBe(true);
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
      await expect(restoreBackup({ from: archive, configFile: config, force: true })).rejects.toThrow(
        /a gateway is running on .*data: stop it before restoring/,
      );
      expect(readdirSync(dir).sort()).toEqual(['backup.tar.gz', 'data', 'medgate.json']);
    } finally {
      await running.close();
    }
  });
});
