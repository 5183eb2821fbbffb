import { appendFileSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/model/logger.ts';
import { openEngine, type StorageEngine } from '../../../src/store/engine.ts';
import { History } from '../../../src/store/history.ts';
import { RejectsJournal, type RejectedInput } from '../../../src/store/rejects.ts';

const open: StorageEngine[] = [];

function setUp(retentionDays?: number): { dataDir: string; engine: StorageEngine; journal: RejectsJournal } {
  const dataDir = mkdtempSync(join(tmpdir(), 'medgate-rejects-'));
  const engine = openEngine(dataDir);
  open.push(engine);
  return { dataDir, engine, journal: new RejectsJournal(engine, { log: silentLogger, retentionDays }) };
}

afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
});

const reasons = (rs: RejectedInput[]) => rs.map((r) => r.reason);

describe('RejectsJournal', () => {
  it('keeps inputs durably, newest first, for all devices or one, in the order they came within a millisecond', async () => {
    const { engine, journal } = setUp();
    const t = new Date('2025-01-01T10:00:00.000Z');
    for (let i = 0; i < 5; i++) journal.keep(i % 2 ? 'bp-1' : 'scale-1', `r${i}`, `bytes ${i}`, t);
    journal.keep('scale-1', 'later', 'x', new Date('2025-01-01T10:00:01.000Z'));
    await engine.flushed();
    expect(reasons(journal.recent({ limit: 10 }))).toEqual(['later', 'r4', 'r3', 'r2', 'r1', 'r0']);
    expect(reasons(journal.recent({ limit: 2, deviceId: 'scale-1' }))).toEqual(['later', 'r4']);
    expect(reasons(journal.recent({ limit: 10, deviceId: 'bp-1' }))).toEqual(['r3', 'r1']);
    expect(reasons(journal.recent({ limit: 10, before: '2025-01-01T10:00:01.000Z' }))).toHaveLength(5);
    expect(journal.recent({ limit: 10, deviceId: 'nobody' })).toEqual([]);
  });

  it('caps what it keeps per device and second, counting the rest', async () => {
    const { engine, journal } = setUp();
    const t = new Date('2025-01-01T10:00:00.000Z');
    const kept = Array.from({ length: 25 }, () => journal.keep('scale-1', 'garbage', '\u0002??', t)).filter(Boolean).length;
    expect(kept).toBe(20);
    expect(journal.dropped('scale-1')).toMatchObject({ rateLimited: 5, overCap: 0 });
    const big = 'x'.repeat(300 * 1024);
    journal.keep('ekg-1', 'too big', big, t);
    await engine.flushed();
    expect(journal.recent({ limit: 100 })).toHaveLength(21);
    expect(journal.recent({ limit: 1, deviceId: 'ekg-1' })[0]).toMatchObject({ truncated: true, bytes: 'x'.repeat(256 * 1024) });
  });

  it('prunes whole UTC days past the retention, in batches', async () => {
    const { engine, journal } = setUp(90);
    for (let i = 0; i < 1200; i++) journal.keep(`d${i % 3}`, 'old', 'x', new Date(Date.UTC(2025, 2, 30, 0, 0, i)));
    journal.keep('d0', 'kept', 'x', new Date('2025-03-31T00:00:00.000Z'));
    await engine.flushed();
    expect(await journal.prune(new Date('2025-06-29T12:00:00.000Z'))).toBe(1200);
    expect(reasons(journal.recent({ limit: 10 }))).toEqual(['kept']);
    expect(reasons(journal.recent({ limit: 10, deviceId: 'd0' }))).toEqual(['kept']);
    expect(journal.recent({ limit: 10, deviceId: 'd1' })).toEqual([]);
  });

  it('imports the day files an earlier version wrote, once, skipping a torn last line', async () => {
    const { dataDir, engine } = setUp();
    const dir = join(dataDir, 'rejected');
    // The previous version's journal: its own day-file writer.
    const entries: RejectedInput[] = [
      { at: '2025-01-01T09:00:00.000Z', deviceId: 'scale-1', reason: 'unreadable line', bytes: 'ST,??' },
      { at: '2025-01-02T09:00:00.000Z', deviceId: 'bp-mqtt', reason: 'measurements[0].value', bytes: '{"high"}', truncated: true },
    ];
    await new History<RejectedInput>(dir).append(entries);
    appendFileSync(join(dir, '2025-01-02.jsonl'), '{"at":"2025-01-02T10:00:00.000Z","dev');
    const journal = await RejectsJournal.open(engine, dataDir, { log: silentLogger });
    expect(journal.recent({ limit: 10 })).toEqual([entries[1], entries[0]]);
    expect(journal.recent({ limit: 10, deviceId: 'bp-mqtt' })).toEqual([entries[1]]);
    expect(existsSync(dir)).toBe(false);
    expect(existsSync(`${dir}.imported`)).toBe(true);
    // Imported again (a copy put back by hand): the same lines land on the same keys.
    await new History<RejectedInput>(dir).append(entries);
    await journal.importDayFiles(dir);
    expect(journal.recent({ limit: 10 })).toHaveLength(2);
  });
});
