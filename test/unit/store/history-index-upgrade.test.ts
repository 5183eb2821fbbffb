// A data folder whose history an earlier version wrote (index layout 1) opened by this version:
// its messages become findable by device, patient and name, once, and nothing else changes.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { nameWords } from '../../../src/model/search-text.ts';
import { openEngine, type StorageEngine } from '../../../src/store/engine.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import type { HistoryRecord } from '../../../src/store/types.ts';
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
  it('indexes the messages an earlier version archived by device and patient, with the patient on each, at the first open only', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'medgate-index-upgrade-'));
    const old = openEngine(dataDir);
    // More than one upgrade batch (500).
    await writeLegacyHistory(old, records(1203));
    await old.close();

    const engine = openEngine(dataDir);
    engines.push(engine);
    const before = new HistoryStore(engine);
    // What layout 1 could not answer: no message list by device or patient.
    expect(before.messagesPage({ deviceId: 'cuff-1', limit: 5 }).items).toEqual([]);

    const store = await HistoryStore.open(engine, dataDir);
    const byDevice = store.messagesPage({ deviceId: 'cuff-1', limit: 1000 });
    expect(byDevice.items).toHaveLength(401);
    expect(byDevice.items.every((a) => a.deviceId === 'cuff-1')).toBe(true);
    const byPatient = store.messagesPage({ mrn: 'MRN1', limit: 3 });
    expect(byPatient.items.map((a) => [a.message.id, a.patient])).toEqual([
      ['R1201-ehr', { mrn: 'MRN1', family: 'Nakamura', given: 'Kim' }],
      ['R1197-ehr', { mrn: 'MRN1', family: 'Nakamura', given: 'Kim' }],
      ['R1193-ehr', { mrn: 'MRN1', family: 'Nakamura', given: 'Kim' }],
    ]);
    // A name search reads the entry, not the reading.
    expect(store.readingsPage({ status: 'delivered', nameWords: nameWords('nakamura'), limit: 2 }).items.map((r) => r.reading.reading.id)).toEqual([
      'R1201',
      'R1197',
    ]);
    expect(store.summary('R0005')?.patient).toEqual({ mrn: 'MRN1', family: 'Nakamura', given: 'Kim' });
    // The old lists are as they were.
    expect(store.recentMessages({ limit: 2 }).map((a) => a.message.id)).toEqual(['R1202-ehr', 'R1201-ehr']);
    // Done once: the next open finds the layout recorded.
    expect(await store.upgradeIndexes()).toBe(0);
  });

  it('an empty or new history records the layout without work', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'medgate-index-upgrade-'));
    const engine = openEngine(dataDir);
    engines.push(engine);
    const store = await HistoryStore.open(engine, dataDir);
    expect(await store.upgradeIndexes()).toBe(0);
  });
});
