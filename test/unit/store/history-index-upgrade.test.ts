// A data folder whose history an earlier version wrote (index layout 1) opened by this version:
// the store opens at once, its messages are findable by device, patient and name (by scan until the
// upgrade in the background is done, by their lists after), the upgrade goes on where a stopped or
// crashed run left off, and it writes only the two new list keys per message.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/model/logger.ts';
import { nameWords } from '../../../src/model/search-text.ts';
import { openEngine, type StorageEngine } from '../../../src/store/engine.ts';
import { DataFormatError, FORMAT_FILE, MIGRATIONS, prepareDataFolder } from '../../../src/store/data-format.ts';
import { upgradeInBackground } from '../../../src/store/history-index-upgrade.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import type { HistoryRecord } from '../../../src/store/types.ts';
import { folderSnapshot } from '../../support/folder-snapshot.ts';
import { historyRecord } from '../../support/history-records.ts';
import { writeLegacyHistory } from '../../support/legacy-history.ts';

const engines: StorageEngine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

function records(n: number): HistoryRecord[] {
  return Array.from({ length: n }, (_, i) => {
    const at = new Date(Date.UTC(2026, 0, 5, 10, 0, i)).toISOString();
    const r = historyRecord({ id: `R${String(i).padStart(4, '0')}`, at, deviceId: i % 3 ? 'scale-1' : 'cuff-1', mrn: `MRN${i % 4}` });
    r.reading.patient = { mrn: `MRN${i % 4}`, family: i % 4 === 1 ? 'Nakamura' : 'Doe', given: 'Kim' };
    r.messages[0]!.seq = i + 1;
    return r;
  });
}

describe('history index upgrade (layout 1 to 2)', () => {
  async function legacyFolder(n: number): Promise<string> {
    const dataDir = mkdtempSync(join(tmpdir(), 'medgate-index-upgrade-'));
    const old = openEngine(dataDir);
    await writeLegacyHistory(old, records(n));
    await old.close();
    return dataDir;
  }
  function engineIn(dataDir: string): StorageEngine {
    const engine = openEngine(dataDir);
    engines.push(engine);
    return engine;
  }
  const listKeys = (engine: StorageEngine, list: string) => [
    ...engine.db<true, Array<string | number>>('history-lists').getKeys({ start: [list], end: [`${list}\u0000`] }),
  ];

  it('opens without waiting for the upgrade, answers device and patient filters by scan meanwhile, by their lists once it is done', async () => {
    const dataDir = await legacyFolder(1203);
    const engine = engineIn(dataDir);
    const store = await HistoryStore.open(engine, dataDir);
    // open() did not upgrade: no list key of layout 2 yet.
    expect(store.indexed).toBe(false);
    expect(listKeys(engine, 'm-device')).toEqual([]);
    const scanned = store.messagesPage({ deviceId: 'cuff-1', limit: 1000 });
    expect(scanned.indexing).toBe(true);
    expect(scanned.items).toHaveLength(401);
    expect(store.messagesPage({ mrn: 'MRN1', limit: 1 }).items.map((a) => [a.message.id, a.patient])).toEqual([
      ['R1201-ehr', { mrn: 'MRN1', family: 'Nakamura', given: 'Kim' }],
    ]);
    // A scan stops at its limit and says how far it read; the next page goes on.
    const part = store.messagesPage({ deviceId: 'cuff-1', limit: 1000, scanLimit: 300 });
    expect([part.items.length, part.scanned, part.next !== undefined]).toEqual([100, 300, true]);

    const messagesBefore = [...engine.db<unknown, string>('history-messages').getRange()];
    const entriesBefore = [...engine.db<unknown, string>('history').getRange()];
    expect(await store.upgradeIndexes()).toEqual({ messages: 1203, done: true });
    expect(store.indexed).toBe(true);
    // Only the two new keys per message: records and entries as they were.
    expect(listKeys(engine, 'm-device')).toHaveLength(1203);
    expect(listKeys(engine, 'm-patient')).toHaveLength(1203);
    expect([...engine.db<unknown, string>('history-messages').getRange()]).toEqual(messagesBefore);
    expect([...engine.db<unknown, string>('history').getRange()]).toEqual(entriesBefore);

    const byDevice = store.messagesPage({ deviceId: 'cuff-1', limit: 1000 });
    expect(byDevice.indexing).toBeUndefined();
    expect(byDevice.items).toHaveLength(401);
    expect(byDevice.items.every((a) => a.deviceId === 'cuff-1')).toBe(true);
    const byPatient = store.messagesPage({ mrn: 'MRN1', limit: 3 });
    expect(byPatient.items.map((a) => [a.message.id, a.patient])).toEqual([
      ['R1201-ehr', { mrn: 'MRN1', family: 'Nakamura', given: 'Kim' }],
      ['R1197-ehr', { mrn: 'MRN1', family: 'Nakamura', given: 'Kim' }],
      ['R1193-ehr', { mrn: 'MRN1', family: 'Nakamura', given: 'Kim' }],
    ]);
    expect(store.messagesPage({ nameWords: nameWords('nakamura'), limit: 1 }).items.map((a) => a.message.id)).toEqual(['R1201-ehr']);
    expect(store.byMessageId('R0005-ehr')?.patient).toEqual({ mrn: 'MRN1', family: 'Nakamura', given: 'Kim' });
    expect(store.readingsPage({ status: 'delivered', nameWords: nameWords('nakamura'), limit: 2 }).items.map((r) => r.reading.reading.id)).toEqual([
      'R1201',
      'R1197',
    ]);
    expect(store.summary('R0005')?.patient).toEqual({ mrn: 'MRN1', family: 'Nakamura', given: 'Kim' });
    // The old lists are as they were.
    expect(store.recentMessages({ limit: 2 }).map((a) => a.message.id)).toEqual(['R1202-ehr', 'R1201-ehr']);
    // Done once: the next store finds the layout recorded.
    const again = new HistoryStore(engine);
    expect(again.indexed).toBe(true);
    expect(await again.upgradeIndexes()).toEqual({ messages: 0, done: true });
  });

  it('goes on where a run that stopped half-way left off, the batches it did kept', async () => {
    const dataDir = await legacyFolder(1203);
    let engine = engineIn(dataDir);
    let batches = 0;
    // The process ends after three batches of 100 (each batch commits with its progress).
    expect(await new HistoryStore(engine).upgradeIndexes({ batch: 100, stopped: () => batches++ === 3 })).toEqual({ messages: 300, done: false });
    await engine.close();
    engines.splice(0);

    engine = engineIn(dataDir);
    const store = await HistoryStore.open(engine, dataDir);
    expect(store.indexed).toBe(false);
    expect(listKeys(engine, 'm-device')).toHaveLength(300);
    expect(await store.upgradeIndexes({ batch: 100 })).toEqual({ messages: 903, done: true });
    expect(store.messagesPage({ deviceId: 'cuff-1', limit: 1000 }).items).toHaveLength(401);
    expect(store.messagesPage({ mrn: 'MRN3', limit: 1000 }).items).toHaveLength(300);
  });

  it('runs in the background once started, and the gateway goes on (filters by scan) when it fails', async () => {
    const dataDir = await legacyFolder(40);
    const engine = engineIn(dataDir);
    const store = await HistoryStore.open(engine, dataDir);
    const run = store.upgradeIndexesInBackground();
    expect(store.indexed).toBe(false);
    expect(await run.done).toEqual({ messages: 40, done: true });
    expect(store.indexed).toBe(true);

    const logged: Array<[object, string | undefined]> = [];
    const log = { ...silentLogger, error: (o: object | string, msg?: string) => void logged.push([typeof o === 'object' ? o : {}, msg]) };
    const broken = upgradeInBackground(() => Promise.reject(new Error('disk full')), log);
    expect(await broken.done).toBeUndefined();
    expect(logged).toEqual([[{ err: new Error('disk full') }, expect.stringMatching(/history index upgrade failed/)]]);
  });

  it('removes the keys it added when pruning removes a message layout 1 wrote', async () => {
    const dataDir = await legacyFolder(30);
    const engine = engineIn(dataDir);
    const store = new HistoryStore(engine, { retentionDays: 1 });
    await store.upgradeIndexes();
    expect(listKeys(engine, 'm-patient')).toHaveLength(30);
    await store.prune(new Date(Date.UTC(2026, 1, 1)));
    expect(listKeys(engine, 'm-patient')).toEqual([]);
    expect(listKeys(engine, 'm-device')).toEqual([]);
  });

  it('raises the data format, so a medgate of the format before refuses the folder instead of archiving messages these lists would miss', async () => {
    const dataDir = await legacyFolder(3);
    writeFileSync(join(dataDir, FORMAT_FILE), JSON.stringify({ format: 1, writtenBy: 'medgate 0.9.0' }));
    expect(await prepareDataFolder(dataDir, { version: '1.0.0' })).toEqual({ from: 1, to: 2 });
    expect(JSON.parse(readFileSync(join(dataDir, FORMAT_FILE), 'utf8'))).toEqual({ format: 2, writtenBy: 'medgate 1.0.0' });

    // The release before knew format 1 only: it refuses the folder, naming both versions, and writes nothing.
    const before = folderSnapshot(dataDir);
    const older = prepareDataFolder(dataDir, { migrations: MIGRATIONS.filter((m) => m.to <= 1), version: '0.9.0' });
    await expect(older).rejects.toThrow(DataFormatError);
    await expect(older).rejects.toThrow(/data format 2, written by medgate 1\.0\.0; this medgate \(0\.9\.0\) knows formats up to 1/);
    expect(folderSnapshot(dataDir)).toEqual(before);
  });

  it('an empty or new history needs no upgrade', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'medgate-index-upgrade-'));
    const engine = engineIn(dataDir);
    const store = await HistoryStore.open(engine, dataDir);
    expect(store.indexed).toBe(true);
    expect(await store.upgradeIndexes()).toEqual({ messages: 0, done: true });
  });
});
