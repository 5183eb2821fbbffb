// The QC log on the storage engine: newest first by measured time, the API's filters, paging by
// `before` that never splits one time across pages, the series the page polls, and retention.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/model/logger.ts';
import { QcLog, type QcEntry } from '../../../src/qc/qc-log.ts';
import { openEngine, type StorageEngine } from '../../../src/store/engine.ts';

const engines: StorageEngine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

function setUp(dataDir = mkdtempSync(join(tmpdir(), 'medgate-qclog-')), retentionDays?: number): { dataDir: string; log: QcLog; engine: StorageEngine } {
  const engine = openEngine(dataDir);
  engines.push(engine);
  return { dataDir, engine, log: new QcLog(engine, { log: silentLogger, ...(retentionDays ? { retentionDays: () => retentionDays } : {}) }) };
}

let n = 0;
function entry(over: Partial<QcEntry> & Pick<QcEntry, 'time'>): QcEntry {
  const id = `E${String(n++).padStart(4, '0')}`;
  return {
    id,
    device: 'astm-1',
    test: 'GLU',
    lot: 'L1',
    value: 5.5,
    unit: 'mmol/L',
    receivedAt: over.time,
    role: 'control',
    marker: 'ASTM O-12 Q',
    run: id,
    runStart: over.time,
    status: 'not-judged',
    rules: [],
    ...over,
  };
}

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 8, minute)).toISOString();
const ids = (es: QcEntry[]) => es.map((e) => e.id);

describe('QcLog', () => {
  it('lists newest first by measured time, filtered by device, test, lot and their combinations', async () => {
    const { log } = setUp();
    const a = entry({ time: at(1) });
    const b = entry({ time: at(2), lot: 'L2' });
    const c = entry({ time: at(3), test: 'CHOL' });
    const d = entry({ time: at(4), device: 'hl7-1' });
    // Recorded out of order: the list follows the measured time, not the arrival.
    await log.record([d, b]);
    await log.record([c, a]);
    expect(ids(log.list({ limit: 10 }).entries)).toEqual(ids([d, c, b, a]));
    expect(ids(log.list({ limit: 10, device: 'astm-1' }).entries)).toEqual(ids([c, b, a]));
    expect(ids(log.list({ limit: 10, device: 'astm-1', test: 'GLU' }).entries)).toEqual(ids([b, a]));
    expect(ids(log.list({ limit: 10, device: 'astm-1', test: 'GLU', lot: 'L2' }).entries)).toEqual(ids([b]));
    expect(ids(log.list({ limit: 10, test: 'GLU' }).entries)).toEqual(ids([d, b, a]));
    expect(ids(log.list({ limit: 10, lot: 'L1', test: 'CHOL' }).entries)).toEqual(ids([c]));
    expect(ids(log.list({ limit: 10, device: 'astm-1', lot: 'L2' }).entries)).toEqual(ids([b]));
    expect(log.list({ limit: 10, device: 'nobody' }).entries).toEqual([]);
    expect(log.get(a.id)).toEqual(a);
  });

  it('pages by `before` without losing or repeating an entry, also when several share a time', async () => {
    const { log } = setUp();
    // Three levels of one run measured in the same second, between single results.
    const all = [
      entry({ time: at(1) }),
      entry({ time: at(2), lot: 'A' }),
      entry({ time: at(2), lot: 'B' }),
      entry({ time: at(2), lot: 'C' }),
      entry({ time: at(3) }),
    ];
    await log.record(all);
    for (const limit of [1, 2, 3, 4]) {
      const seen: string[] = [];
      let before: string | undefined;
      for (let page = 0; page < 10; page++) {
        const got = log.list({ limit, ...(before ? { before } : {}) });
        seen.push(...ids(got.entries));
        if (!got.next) break;
        before = got.next;
      }
      expect(new Set(seen).size).toBe(5);
      expect(seen).toHaveLength(5);
    }
    expect(log.list({ limit: 2 }).next).toBe(at(3));
    expect(() => log.list({ limit: 2, before: 'yesterday' })).toThrow(/before/);
  });

  it('keeps one series per device, test and lot with its count and last entry, across a restart', async () => {
    const { dataDir, engine, log } = setUp();
    await log.record([entry({ time: at(1) }), entry({ time: at(5), level: '1' }), entry({ time: at(3), value: 'see comment' })]);
    await log.record([entry({ time: at(2), lot: 'L2' })]);
    const series = log.series().find((s) => s.lot === 'L1');
    expect(series).toMatchObject({ device: 'astm-1', test: 'GLU', lot: 'L1', count: 3, numeric: 2, lastTime: at(5), level: '1' });
    await engine.close();
    engines.splice(engines.indexOf(engine), 1);
    const again = setUp(dataDir).log;
    expect(again.seriesOf('astm-1', 'GLU', 'L1')).toEqual(series);
    expect(again.series()).toHaveLength(2);
  });

  it('prunes by the gateway’s receipt, never by an analyzer clock that was never set, and reads the retention at each prune', async () => {
    const engine = openEngine(mkdtempSync(join(tmpdir(), 'medgate-qclog-')));
    engines.push(engine);
    let days = 730;
    const log = new QcLog(engine, { log: silentLogger, retentionDays: () => days });
    // Measured "2000-01-01" (a battery change reset the analyzer's clock), received today.
    const unsetClock = entry({ time: '2000-01-01T00:00:00.000Z', receivedAt: '2026-12-06T08:00:00.000Z' });
    const receivedLongAgo = entry({ time: '2026-12-01T00:00:00.000Z', receivedAt: '2024-06-01T08:00:00.000Z' });
    await log.record([unsetClock, receivedLongAgo]);
    expect(await log.prune(new Date('2026-12-07T12:00:00.000Z'))).toBe(1);
    expect(ids(log.list({ limit: 10 }).entries)).toEqual([unsetClock.id]);
    days = 0;
    expect(await log.prune(new Date('2026-12-07T12:00:00.000Z'))).toBe(1);
    expect(log.list({ limit: 10 }).entries).toEqual([]);
  });

  it('finds an entry logged already (an analyzer’s resend): same device, test, lot, time, specimen and value', async () => {
    const { log } = setUp();
    const first = entry({ time: at(1), specimen: 'QC-1', value: 5.8 });
    await log.record([first]);
    expect(log.logged(entry({ time: at(1), specimen: 'QC-1', value: 5.8 }))?.id).toBe(first.id);
    expect(log.logged({ ...first, value: 5.9 })).toBeUndefined();
    expect(log.logged({ ...first, time: at(2) })).toBeUndefined();
    expect(log.logged({ ...first, lot: 'L2' })).toBeUndefined();
  });

  it('prunes entries measured before the retention, with their index keys and series counts', async () => {
    const { log } = setUp(undefined, 365);
    const old = Array.from({ length: 250 }, (_, i) => entry({ time: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString() }));
    const kept = entry({ time: '2025-06-01T00:00:00.000Z', lot: 'L1' });
    const gone = entry({ time: '2024-01-02T00:00:00.000Z', lot: 'OLD' });
    await log.record([...old, kept, gone]);
    expect(await log.prune(new Date('2025-06-02T12:00:00.000Z'))).toBe(251);
    expect(ids(log.list({ limit: 10 }).entries)).toEqual([kept.id]);
    expect(ids(log.list({ limit: 10, lot: 'OLD' }).entries)).toEqual([]);
    expect(log.seriesOf('astm-1', 'GLU', 'L1')?.count).toBe(1);
    expect(log.seriesOf('astm-1', 'GLU', 'OLD')).toBeUndefined();
    expect(log.get(old[0]!.id)).toBeUndefined();
  });
});
