// What a backup takes of the data folder's own files: the users, but not the signed-in sessions,
// which the auth module wrote there for real. A restore signs everyone out, as the API token is
// left out unless asked for.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { handlingOf } from '../../../src/backup/data-files.ts';
import { parseInbound } from '../../../src/inbound/parse.ts';
import { OrderBook, ordersFile } from '../../../src/orders/order-book.ts';
import { directoryFile, PatientDirectoryStore } from '../../../src/patients/directory.ts';
import { restoreBackup } from '../../../src/backup/restore.ts';
import { takeBackup } from '../../../src/backup/take-backup.ts';
import { tempDir } from '../../support/gateway-process.ts';
import { setupAdmin, startHarness } from '../web/auth/harness.ts';
import { entriesOf, gatewayFolder } from './backup-folder.ts';

describe('the data files a backup takes', () => {
  it('leaves the signed-in sessions out, and the users in, so a restore signs everyone out', async () => {
    const { dir, config, dataDir } = await gatewayFolder();
    const auth = await startHarness({ dir: dataDir });
    await setupAdmin(auth);
    await auth.close();
    expect(existsSync(join(dataDir, 'sessions.json'))).toBe(true);

    const archive = join(dir, 'backup.tar.gz');
    const { manifest } = await takeBackup({ configFile: config, to: archive });
    const entries = await entriesOf(archive);
    expect(entries).toContain('data/users.json');
    expect(entries).not.toContain('data/sessions.json');
    expect(manifest.files.map((f) => f.path)).not.toContain('data/sessions.json');

    const target = tempDir();
    await restoreBackup({ from: archive, configFile: join(target, 'medgate.json'), dataDir: join(target, 'data') });
    expect(existsSync(join(target, 'data', 'users.json'))).toBe(true);
    expect(existsSync(join(target, 'data', 'sessions.json'))).toBe(false);
  });

  it('takes the order book with the directory, so a restore knows which orders the analyzers already have', async () => {
    const { dir, config, dataDir } = await gatewayFolder();
    const directory = await PatientDirectoryStore.open(directoryFile(dataDir), { pruneIntervalMs: 0 });
    const parsed = parseInbound(
      'MSH|^~\\&|EPIC|C|MEDGATE|C|20261206||OML^O21|X1|P|2.5.1\rPID|1||MRN1^^^C^MR\rORC|NW|PL1\rOBR|1|PL1||2345-7^^LN\rSPM|1|SP1||SER\r',
    );
    if (!parsed.ok) throw new Error(parsed.reason);
    await directory.applyDurably(parsed.event);
    const book = await OrderBook.open(ordersFile(dataDir), { directory, devices: () => [] });
    await book.close();
    await directory.close();

    const archive = join(dir, 'backup.tar.gz');
    await takeBackup({ configFile: config, to: archive });
    expect(await entriesOf(archive)).toEqual(expect.arrayContaining(['data/directory.json', 'data/orders.json']));
    const target = tempDir();
    await restoreBackup({ from: archive, configFile: join(target, 'medgate.json'), dataDir: join(target, 'data') });
    expect(readFileSync(join(target, 'data', 'orders.json'), 'utf8')).toBe(readFileSync(ordersFile(dataDir), 'utf8'));
    expect(handlingOf('orders.json')).toBe('copy');
  });

  it('skips only the sessions file at the top of the folder, not a file of that name elsewhere', () => {
    expect(handlingOf('sessions.json')).toBe('skip');
    expect(handlingOf('users.json')).toBe('copy');
    expect(handlingOf('set-aside/sessions.json')).toBe('copy');
  });
});
