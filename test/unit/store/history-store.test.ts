import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Key } from 'lmdb';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/model/logger.ts';
import { openEngine, type StorageEngine } from '../../../src/store/engine.ts';
import { History } from '../../../src/store/history.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { upgradeHistoryRecord } from '../../../src/store/hold-migration.ts';
import { importDayFolder } from '../../../src/store/journal-import.ts';
import type { HistoryRecord, StoredReading } from '../../../src/store/types.ts';
import { counted } from '../../support/counted-engine.ts';
import { historyRecord } from '../../support/history-records.ts';

const open: StorageEngine[] = [];

function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'medgate-history-store-'));
}

function engineIn(dataDir: string): StorageEngine {
  const engine = openEngine(dataDir);
  open.push(engine);
  return engine;
}

afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
});

const ids = (rs: HistoryRecord[]): string[] => rs.map((r) => r.reading.reading.id);
const at = (day: number, hour = 12) => new Date(Date.UTC(2025, 0, day, hour)).toISOString();

describe('HistoryStore', () => {
  it('lists newest first, pages with `before`, and finds a reading or a message by id', async () => {
    const h = new HistoryStore(engineIn(tempDataDir()));
    await h.append([historyRecord({ at: at(1), id: 'R1' }), historyRecord({ at: at(2), id: 'R2', destinations: ['ehr', 'uplink'] })]);
    await h.append([historyRecord({ at: at(3), id: 'R3' })]);
    expect(ids(h.recent({ limit: 10 }))).toEqual(['R3', 'R2', 'R1']);
    expect(ids(h.recent({ limit: 2 }))).toEqual(['R3', 'R2']);
    expect(ids(h.recent({ limit: 10, before: at(3) }))).toEqual(['R2', 'R1']);
    // A `before` without milliseconds means the same instant.
    expect(ids(h.recent({ limit: 10, before: at(3).replace('.000Z', 'Z') }))).toEqual(['R2', 'R1']);
    expect(h.byReadingId('R2')?.messages.map((m) => m.destinationId)).toEqual(['ehr', 'uplink']);
    expect(h.byMessageId('R2-uplink')).toMatchObject({ readingId: 'R2', deviceId: 'scale-1', message: { id: 'R2-uplink', state: 'delivered' } });
    expect(h.byMessageId('nope')).toBeUndefined();
    expect(h.byReadingId('nope')).toBeUndefined();
  });

  it('filters by status, device and patient through their own lists', async () => {
    const h = new HistoryStore(engineIn(tempDataDir()));
    await h.append([
      historyRecord({ at: at(1), id: 'A1', deviceId: 'scale-1', mrn: 'MRN1' }),
      historyRecord({ at: at(2), id: 'A2', deviceId: 'bp-1', mrn: 'MRN1' }),
      historyRecord({ at: at(3), id: 'A3', deviceId: 'scale-1', mrn: 'MRN2', status: 'discarded' }),
      historyRecord({ at: at(4), id: 'A4', deviceId: 'scale-1' }),
    ]);
    expect(ids(h.recent({ limit: 10, status: 'delivered' }))).toEqual(['A4', 'A2', 'A1']);
    expect(ids(h.recent({ limit: 10, status: 'discarded' }))).toEqual(['A3']);
    expect(ids(h.recent({ limit: 10, deviceId: 'scale-1' }))).toEqual(['A4', 'A3', 'A1']);
    expect(ids(h.recent({ limit: 2, deviceId: 'scale-1' }))).toEqual(['A4', 'A3']);
    expect(ids(h.recent({ limit: 10, deviceId: 'scale-1', status: 'delivered' }))).toEqual(['A4', 'A1']);
    expect(ids(h.recent({ limit: 10, mrn: 'MRN1' }))).toEqual(['A2', 'A1']);
    expect(ids(h.recent({ limit: 10, mrn: 'MRN1', deviceId: 'bp-1' }))).toEqual(['A2']);
    expect(ids(h.recent({ limit: 10, mrn: 'MRN9' }))).toEqual([]);
  });

  it('lists delivered messages by destination and state, newest created first', async () => {
    const h = new HistoryStore(engineIn(tempDataDir()));
    await h.append([historyRecord({ at: at(1), id: 'M1', destinations: ['ehr', 'uplink'] }), historyRecord({ at: at(2), id: 'M2', deviceId: 'bp-1' })]);
    const mids = (q: Parameters<HistoryStore['recentMessages']>[0]) => h.recentMessages(q).map((a) => a.message.id);
    expect(mids({ limit: 10 })).toEqual(['M2-ehr', 'M1-uplink', 'M1-ehr']);
    expect(mids({ limit: 10, destination: 'ehr' })).toEqual(['M2-ehr', 'M1-ehr']);
    expect(mids({ limit: 10, destination: 'uplink', state: 'delivered' })).toEqual(['M1-uplink']);
    expect(mids({ limit: 10, state: 'dead' })).toEqual([]);
    expect(mids({ limit: 10, before: at(2) })).toEqual(['M1-uplink', 'M1-ehr']);
    expect(h.recentMessages({ limit: 1 })[0]).toMatchObject({ deviceId: 'bp-1', readingId: 'M2' });
  });

  it('keeps one entry for a reading appended twice (a crash between the append and the state write)', async () => {
    const h = new HistoryStore(engineIn(tempDataDir()));
    await h.append([historyRecord({ at: at(1), id: 'D1', mrn: 'MRN1' }), historyRecord({ at: at(2), id: 'D2' })]);
    await h.append([historyRecord({ at: at(3), id: 'D1', mrn: 'MRN1' })]);
    expect(ids(h.recent({ limit: 10 }))).toEqual(['D1', 'D2']);
    expect(ids(h.recent({ limit: 10, mrn: 'MRN1' }))).toEqual(['D1']);
    expect(h.recentMessages({ limit: 10 }).map((a) => a.message.id)).toEqual(['D1-ehr', 'D2-ehr']);
    expect(h.byReadingId('D1')?.at).toBe(at(3));
  });

  it('reads only what a page returns, however long the history', async () => {
    const base = engineIn(tempDataDir());
    const writer = new HistoryStore(base);
    const records = Array.from({ length: 2000 }, (_, i) =>
      historyRecord({
        at: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
        id: `C${String(i).padStart(5, '0')}`,
        deviceId: i % 2 ? 'bp-1' : 'scale-1',
        mrn: `MRN${i % 7}`,
      }),
    );
    await writer.append(records);
    const { engine, reads } = counted(base);
    const h = new HistoryStore(engine);
    const cost = (query: () => unknown[]) => {
      reads.gets = 0;
      reads.keys = 0;
      const n = query().length;
      return { n, gets: reads.gets, keys: reads.keys };
    };
    // Each record: its entry and its one message.
    expect(cost(() => h.recent({ limit: 5 }))).toEqual({ n: 5, gets: 10, keys: 5 });
    expect(cost(() => h.recent({ limit: 5, status: 'delivered', before: records[1000]!.at }))).toEqual({ n: 5, gets: 10, keys: 5 });
    expect(cost(() => h.recentMessages({ limit: 5, destination: 'ehr' }))).toEqual({ n: 5, gets: 5, keys: 5 });
    // Device or patient: one more look-up per key, to check it against the record; a handful of statuses, merged.
    const device = cost(() => h.recent({ limit: 5, deviceId: 'bp-1' }));
    expect(device.n).toBe(5);
    expect(device.keys).toBeLessThanOrEqual(5);
    expect(device.gets).toBeLessThanOrEqual(15);
    expect(cost(() => [h.byMessageId('C01234-ehr')])).toEqual({ n: 1, gets: 1, keys: 0 });
  });

  it('lists a bulky reading (an EKG) by its list view, reading its samples only when that reading is asked for', async () => {
    const base = engineIn(tempDataDir());
    const leadsOf = (stored: StoredReading) =>
      stored.reading.observations.flatMap((o) => (typeof o.value === 'object' && o.value.kind === 'waveform' ? o.value.leads : []));
    const listView = (stored: StoredReading) => ({ id: stored.reading.id, samples: leadsOf(stored).map((l) => l.samples.length) });
    const ekg = historyRecord({ at: at(2), id: 'EKG1', deviceId: 'ekg-1' });
    const samples = Array.from({ length: 5000 }, (_, i) => i % 100);
    ekg.reading.reading.observations = [
      {
        code: { mdc: { ref: 'MDC_ECG_ELEC_POTL_I', code: 131329 } },
        value: {
          kind: 'waveform',
          sampleRateHz: 500,
          unit: 'uV',
          leads: [
            { name: 'I', samples },
            { name: 'II', samples },
          ],
        },
        status: 'F',
      },
    ];
    await new HistoryStore(base, { listView }).append([historyRecord({ at: at(1), id: 'BP1' }), ekg]);
    const { engine, reads } = counted(base);
    const bulkyReads: string[] = [];
    const watched: StorageEngine = {
      ...engine,
      db: <V, K extends Key = Key>(name: string) => {
        const db = engine.db<V, K>(name);
        return name === 'history-bulky'
          ? new Proxy(db, { get: (t, p) => (p === 'get' ? (k: K) => (bulkyReads.push(String(k)), t.get(k)) : Reflect.get(t, p, t)) })
          : db;
      },
    };
    const h = new HistoryStore(watched, { listView });
    expect(h.recent({ limit: 10 }).map((r) => r.reading)).toEqual([
      { id: 'EKG1', samples: [5000, 5000] },
      { id: 'BP1', samples: [] },
    ]);
    expect(h.recent({ limit: 10, deviceId: 'ekg-1' }).map((r) => r.reading.id)).toEqual(['EKG1']);
    expect(bulkyReads).toEqual([]);
    expect(reads.gets).toBeGreaterThan(0);
    expect(leadsOf(h.byReadingId('EKG1')!.reading)[1]!.samples).toEqual(samples);
    expect(bulkyReads).toEqual(['EKG1']);
    expect(await h.prune(new Date(Date.UTC(2025, 6, 1)))).toBe(2);
    expect(base.db('history-bulky').getCount()).toBe(0);
  });

  it('prunes whole UTC days past the retention, in batches, with every index entry', async () => {
    const h = new HistoryStore(engineIn(tempDataDir()), { retentionDays: 90, pruneBatch: 3 });
    const old = Array.from({ length: 10 }, (_, i) => historyRecord({ at: `2025-03-30T${String(i).padStart(2, '0')}:00:00.000Z`, id: `O${i}`, mrn: 'MRN1' }));
    await h.append([
      ...old,
      historyRecord({ at: '2025-03-31T00:00:00.000Z', id: 'K1', mrn: 'MRN1' }),
      historyRecord({ at: '2025-06-29T08:00:00.000Z', id: 'K2' }),
    ]);
    // 90 days before 2025-06-29 is 2025-03-31: that day and later stay.
    expect(await h.prune(new Date('2025-06-29T12:00:00.000Z'))).toBe(10);
    expect(ids(h.recent({ limit: 100 }))).toEqual(['K2', 'K1']);
    expect(ids(h.recent({ limit: 100, mrn: 'MRN1' }))).toEqual(['K1']);
    expect(h.recentMessages({ limit: 100 }).map((a) => a.readingId)).toEqual(['K2', 'K1']);
    expect(h.byMessageId('O3-ehr')).toBeUndefined();
    expect(await h.prune(new Date('2025-06-29T12:00:00.000Z'))).toBe(0);
  });
});

describe('HistoryStore: upgrade in place from the day files', () => {
  /** A history folder as the previous version wrote it: its own writer, one file per UTC day. */
  async function legacyHistory(dataDir: string, records: HistoryRecord[]): Promise<string> {
    const dir = join(dataDir, 'history');
    await new History(dir).append(records);
    return dir;
  }

  it('imports every record, upgraded, skips and counts a torn last line, and renames the folder', async () => {
    const dataDir = tempDataDir();
    const legacy = historyRecord({ at: at(2), id: 'L2', status: 'discarded' });
    // A version-1 record: hold reasons as strings, the discard one more string.
    (legacy.reading as unknown as { holdReasons: string[] }).holdReasons = [
      'implausible: Body weight 900 kg outside 0.2–650',
      'discarded: leaned on the scale',
    ];
    const dir = await legacyHistory(dataDir, [
      historyRecord({ at: at(1), id: 'L1' }),
      legacy,
      historyRecord({ at: at(3), id: 'L3', destinations: ['ehr', 'uplink'] }),
    ]);
    appendFileSync(join(dir, `${at(3).slice(0, 10)}.jsonl`), '{"at":"2025-01-03T13:00:00.000Z","rea');

    const h = await HistoryStore.open(engineIn(dataDir), dataDir, { upgrade: upgradeHistoryRecord });
    expect(ids(h.recent({ limit: 10 }))).toEqual(['L3', 'L2', 'L1']);
    expect(h.byMessageId('L3-uplink')?.message.body).toContain('ORU^R01');
    expect(h.byReadingId('L2')?.reading).toMatchObject({
      holdReasons: [{ kind: 'value', code: 'implausible', text: 'implausible: Body weight 900 kg outside 0.2–650' }],
      discard: { reason: 'leaned on the scale' },
    });
    expect(existsSync(dir)).toBe(false);
    expect(readdirSync(`${dir}.imported`).sort()).toEqual(['2025-01-01.jsonl', '2025-01-02.jsonl', '2025-01-03.jsonl']);
    // Kept as it was, torn line and all.
    expect(readFileSync(join(`${dir}.imported`, '2025-01-03.jsonl'), 'utf8')).toMatch(/"rea$/);
  });

  it('reports what it imported and what it skipped', async () => {
    const dataDir = tempDataDir();
    const dir = await legacyHistory(dataDir, [historyRecord({ at: at(1), id: 'T1' })]);
    appendFileSync(join(dir, '2025-01-01.jsonl'), 'not json\n{"at":"2025-01-01T13:00:00.000Z"}\n{"at":"2025-01-01T14:00:00.000Z","rea');
    const report = await new HistoryStore(engineIn(dataDir)).importDayFiles(dir);
    expect(report).toEqual({ folder: dir, movedTo: `${dir}.imported`, files: 1, records: 1, torn: 1, unreadable: 2 });
  });

  it('skips a record the store refuses and imports the rest; when none goes in, stops and tries again at the next start', async () => {
    const dataDir = tempDataDir();
    const dir = await legacyHistory(
      dataDir,
      ['G1', 'BAD', 'G2'].map((id, i) => historyRecord({ at: at(1, i), id })),
    );
    const engine = engineIn(dataDir);
    const h = new HistoryStore(engine);
    const down = importDayFolder<HistoryRecord>(engine, dir, {
      log: silentLogger,
      accept: (v): v is HistoryRecord => v !== null,
      write: () => Promise.reject(new Error('ENOSPC: no space left on device')),
    });
    await expect(down).rejects.toThrow('ENOSPC');
    expect(existsSync(dir)).toBe(true);
    const report = await importDayFolder<HistoryRecord>(engine, dir, {
      log: silentLogger,
      accept: (v): v is HistoryRecord => v !== null,
      write: (batch) =>
        batch.some((l) => l.record.reading.reading.id === 'BAD') ? Promise.reject(new Error('refused')) : h.append(batch.map((l) => l.record)),
    });
    expect(report).toMatchObject({ records: 2, unreadable: 1 });
    expect(ids(h.recent({ limit: 10 }))).toEqual(['G2', 'G1']);
  });

  it('does not keep the gateway from starting when the import fails', async () => {
    const dataDir = tempDataDir();
    const dir = await legacyHistory(dataDir, [historyRecord({ at: at(1), id: 'F1' })]);
    const engine = engineIn(dataDir);
    // A folder where a day file should be: reading it fails.
    mkdirSync(join(dir, '2025-01-02.jsonl'));
    const errors: string[] = [];
    const log = { ...silentLogger, error: (o: object | string, msg?: string) => void errors.push(msg ?? String(o)) };
    const h = await HistoryStore.open(engine, dataDir, { log });
    expect(errors).toEqual([expect.stringMatching(/tried again at the next start/)]);
    expect(existsSync(dir)).toBe(true);
    expect(ids(h.recent({ limit: 10 }))).toEqual(['F1']);
  });

  it('finishes an interrupted import at the next start, without duplicates', async () => {
    const dataDir = tempDataDir();
    const records = Array.from({ length: 30 }, (_, i) => historyRecord({ at: at(1 + (i % 3), i % 24), id: `I${String(i).padStart(2, '0')}`, mrn: 'MRN1' }));
    const dir = await legacyHistory(dataDir, records);
    const engine = engineIn(dataDir);
    const h = new HistoryStore(engine);
    // The first start dies after two batches of four (the first day file done, the second begun).
    let batches = 0;
    await expect(
      importDayFolder<HistoryRecord>(engine, dir, {
        log: silentLogger,
        accept: (v): v is HistoryRecord => v !== null,
        batchSize: 4,
        write: async (batch) => {
          if (++batches > 4) throw new Error('power cut');
          await h.append(batch.map((l) => l.record));
        },
      }),
    ).rejects.toThrow('power cut');
    expect(h.recent({ limit: 100 }).length).toBeGreaterThan(0);
    expect(existsSync(dir)).toBe(true);

    await HistoryStore.open(engine, dataDir);
    const all = ids(new HistoryStore(engine).recent({ limit: 100 }));
    expect(all).toHaveLength(30);
    expect(new Set(all).size).toBe(30);
    expect(ids(new HistoryStore(engine).recent({ limit: 100, mrn: 'MRN1' }))).toHaveLength(30);
    expect(new HistoryStore(engine).recentMessages({ limit: 100 })).toHaveLength(30);
    expect(existsSync(`${dir}.imported`)).toBe(true);
    // Started again: nothing left to import.
    expect(await new HistoryStore(engine).importDayFiles(dir)).toBeUndefined();
  });
});
