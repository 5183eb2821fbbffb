// Where a restore puts things and what they become is decided by the machine it runs on, never by
// the archive: the data folder is the one the existing configuration (or --data-dir) names, never a
// system folder; files come out 0600 and folders 0700 whatever modes the archive holds, links are
// refused; a gateway running on either folder stops it; run as root, what it writes gets the owner
// of the folder (or file) it goes into, so the service user can open it.

import { chmodSync, chownSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { restoreBackup } from '../../../src/backup/restore.ts';
import { takeBackup } from '../../../src/backup/take-backup.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import { tempDir } from '../../support/gateway-process.ts';
import { filesUnder, gatewayFolder, repacked } from './backup-folder.ts';
import { IS_ROOT, SKIP_UNLESS_ROOT } from '../../support/as-root.ts';

async function backedUp(): Promise<{ dir: string; config: string; dataDir: string; archive: string }> {
  const folder = await gatewayFolder();
  const archive = join(tempDir(), 'backup.tar.gz');
  await takeBackup({ configFile: folder.config, to: archive });
  return { ...folder, archive };
}

/** Paths under `root` (itself included, as '') with their mode bits. */
function modesUnder(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string): void => {
    out[rel] = (statSync(join(root, rel)).mode & 0o7777).toString(8);
    if (!statSync(join(root, rel)).isDirectory()) return;
    for (const name of readdirSync(join(root, rel))) walk(rel ? `${rel}/${name}` : name);
  };
  walk('');
  return out;
}

describe('restore: where the data goes', () => {
  it("is the folder the existing configuration names, not the one the archive's configuration names", async () => {
    const { config, dataDir, archive } = await backedUp();
    const victim = tempDir();
    writeFileSync(join(victim, 'job'), '* * * * * root true\n');
    const crafted = await repacked(
      archive,
      (d) => {
        const file = join(d, 'config', 'medgate.json');
        writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), dataDir: victim }));
      },
      { resum: true },
    );
    const r = await restoreBackup({ from: crafted, configFile: config, force: true });
    expect(r.dataDir).toBe(dataDir);
    expect(existsSync(join(dataDir, 'state.json'))).toBe(true);
    // The configuration written names the folder as the existing one did; the rest comes from the archive.
    expect(JSON.parse(readFileSync(config, 'utf8'))).toMatchObject({ dataDir: 'data', web: { port: 0 } });
    expect(filesUnder(victim)).toEqual(['job']);
    expect(readdirSync(dirname(victim)).filter((n) => n.startsWith(`${basename(victim)}.`))).toEqual([]);
  });

  it('needs --data-dir when there is no configuration yet, and then writes that folder into it', async () => {
    const { archive } = await backedUp();
    const target = tempDir();
    const configFile = join(target, 'medgate.json');
    await expect(restoreBackup({ from: archive, configFile })).rejects.toThrow(
      /medgate.json does not exist, so it cannot say where the data goes: name the data folder with --data-dir DIR/,
    );
    expect(readdirSync(target)).toEqual([]);
    const r = await restoreBackup({ from: archive, configFile, dataDir: join(target, 'var') });
    expect(r.dataDir).toBe(join(target, 'var'));
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toMatchObject({ dataDir: join(target, 'var') });
  });

  it('refuses a system folder, also named through a link', async () => {
    const { archive } = await backedUp();
    const target = tempDir();
    const configFile = join(target, 'medgate.json');
    // Without --force: the code before this check would have moved such a folder aside with it.
    await expect(restoreBackup({ from: archive, configFile, dataDir: '/usr' })).rejects.toThrow(/\/usr is a system folder/);
    symlinkSync('/etc', join(target, 'link'));
    await expect(restoreBackup({ from: archive, configFile, dataDir: join(target, 'link') })).rejects.toThrow(/link is a system folder \(\/etc\)/);
    expect(readdirSync(target)).toEqual(['link']);
  });
});

describe('restore: what comes out of the archive', () => {
  it('every file 0600 and every folder 0700, whatever modes the archive holds (no setuid file)', async () => {
    const { archive } = await backedUp();
    const crafted = await repacked(
      archive,
      (d) => {
        chmodSync(join(d, 'data', 'state.json'), 0o4755);
        chmodSync(join(d, 'data', 'audit'), 0o2777);
      },
      { extra: ['data/audit'] },
    );
    const target = tempDir();
    const r = await restoreBackup({ from: crafted, configFile: join(target, 'medgate.json'), dataDir: join(target, 'data') });
    const modes = modesUnder(r.dataDir);
    expect(modes['state.json']).toBe('600');
    expect(modes.audit).toBe('700');
    expect(Object.entries(modes).filter(([, mode]) => mode !== '600' && mode !== '700')).toEqual([]);
  });

  it('refuses symbolic and hard links, and puts nothing in place', async () => {
    const { archive } = await backedUp();
    const crafted = await repacked(
      archive,
      (d) => {
        symlinkSync('/etc/passwd', join(d, 'data', 'evil'));
        linkSync(join(d, 'data', 'state.json'), join(d, 'data', 'hard'));
      },
      { extra: ['data/evil', 'data/hard'] },
    );
    const target = tempDir();
    await expect(restoreBackup({ from: crafted, configFile: join(target, 'medgate.json'), dataDir: join(target, 'data') })).rejects.toThrow(
      /entries a medgate backup never has: data\/evil \(SymbolicLink\), data\/state\.json \(Link\)/,
    );
    expect(readdirSync(target)).toEqual([]);
  });
});

describe('restore: a gateway running', () => {
  it('on the folder the existing configuration names stops it, also when --data-dir names another', async () => {
    const { config, dataDir, archive } = await backedUp();
    const elsewhere = join(tempDir(), 'data');
    const running = await StateStore.open(join(dataDir, 'state.json'));
    try {
      await expect(restoreBackup({ from: archive, configFile: config, dataDir: elsewhere, force: true })).rejects.toThrow(
        new RegExp(`a gateway is running on ${dataDir}: stop it before restoring`),
      );
      expect(existsSync(config)).toBe(true);
      expect(existsSync(elsewhere)).toBe(false);
    } finally {
      await running.close();
    }
  });
});

describe.skipIf(SKIP_UNLESS_ROOT)('restore run as root', () => {
  it('runs as root', () => expect(IS_ROOT).toBe(true));

  it("into an empty folder the service user made, gives the data that folder's owner and the configuration its folder's", async () => {
    const { archive } = await backedUp();
    const target = tempDir();
    const dataDir = join(target, 'lib');
    mkdirSync(dataDir, { mode: 0o700 });
    chownSync(dataDir, 4321, 4321);
    mkdirSync(join(target, 'etc'));
    chownSync(join(target, 'etc'), 4322, 4322);
    const configFile = join(target, 'etc', 'medgate.json');
    const lines: string[] = [];
    await restoreBackup({ from: archive, configFile, dataDir, say: (l) => lines.push(l) });
    const owners = [dataDir, join(dataDir, 'state.json'), join(dataDir, 'db'), join(dataDir, 'db', 'data.mdb'), join(dataDir, 'audit', '2026-03-01.jsonl')].map(
      (p) => statSync(p).uid,
    );
    expect(owners).toEqual([4321, 4321, 4321, 4321, 4321]);
    expect(statSync(configFile).uid).toBe(4322);
    expect(lines.join('\n')).not.toMatch(/chown/);
  });

  it('with the configuration inside the data folder, succeeds, each with the owner it had', async () => {
    const { dataDir, dir } = await gatewayFolder();
    const config = join(dataDir, 'medgate.json');
    writeFileSync(config, JSON.stringify({ dataDir: '.', web: { port: 0 } }));
    const archive = join(dir, 'inside.tar.gz');
    await takeBackup({ configFile: config, to: archive });
    chownSync(dataDir, 4321, 4321);
    chownSync(config, 4322, 4322);
    const r = await restoreBackup({ from: archive, configFile: config, force: true });
    expect(r.dataDir).toBe(dataDir);
    expect(statSync(dataDir).uid).toBe(4321);
    expect(statSync(join(dataDir, 'state.json')).uid).toBe(4321);
    expect(statSync(config).uid).toBe(4322);
    expect(JSON.parse(readFileSync(config, 'utf8'))).toMatchObject({ dataDir: '.' });
    // The old configuration went aside with the folder it is in, under its own name.
    expect(r.movedAside).toEqual([expect.stringMatching(/data\.before-restore-/)]);
    expect(JSON.parse(readFileSync(join(r.movedAside[0]!, 'medgate.json'), 'utf8'))).toEqual({ dataDir: '.', web: { port: 0 } });
  });
});
