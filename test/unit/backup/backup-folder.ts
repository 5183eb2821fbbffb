// What the backup tests start from: a stopped gateway's folder the real stores wrote, and archives
// read, or edited and packed again as a tampering hand would (manifest first, sums made to match).

import { appendFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { create, extract, list } from 'tar';
import { AuditJournal } from '../../../src/audit/journal.ts';
import { digest, type Manifest } from '../../../src/backup/manifest.ts';
import { prepareDataFolder } from '../../../src/store/data-format.ts';
import { openEngine } from '../../../src/store/engine.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import { tempDir } from '../../support/gateway-process.ts';
import { historyRecord } from '../../support/history-records.ts';

export const TOKEN = 'restored-token-0123456789abcdef-0123456789';

/** A stopped gateway's folder: config `<dir>/medgate.json` with dataDir `data`, each store with something in it. */
export async function gatewayFolder(): Promise<{ dir: string; config: string; dataDir: string; auditDay: string }> {
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

export async function entriesOf(archive: string): Promise<string[]> {
  const paths: string[] = [];
  await list({ file: archive, onReadEntry: (e) => paths.push(e.path) });
  return paths;
}

/**
 * The archive unpacked, changed by `edit`, and packed again in its order (manifest first), with the
 * `extra` entries edit made right after the configuration; with `resum`, the manifest's sizes and
 * sums are made to match.
 */
export async function repacked(archive: string, edit: (dir: string) => void, opts: { resum?: boolean; extra?: string[] } = {}): Promise<string> {
  const dir = tempDir();
  await extract({ file: archive, cwd: dir });
  const [manifestEntry, configEntry, ...rest] = await entriesOf(archive);
  const order = [manifestEntry!, configEntry!, ...(opts.extra ?? []), ...rest];
  edit(dir);
  if (opts.resum) {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    for (const f of manifest.files) Object.assign(f, await digest(join(dir, f.path)));
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest));
  }
  const out = join(tempDir(), 'edited.tar.gz');
  await create({ gzip: true, cwd: dir, file: out, portable: true, noDirRecurse: true }, order);
  return out;
}

export function filesUnder(root: string): string[] {
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
