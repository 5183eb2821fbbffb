// The history's writes on their own thread: what it appends is on disk and seen by the main
// thread's queries; its errors reach the caller; a writer thread that dies or never starts leaves
// appends on the main thread, said once; close() finishes what was sent before it.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { HistoryThread } from '../../../src/runtime/history-thread.ts';
import { openEngine, type StorageEngine } from '../../../src/store/engine.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import type { HistoryRecord } from '../../../src/store/types.ts';
import { slimReading } from '../../../src/web/reading-views.ts';
import { historyRecord } from '../../support/history-records.ts';
import { recordingLogger } from '../outbox/helpers.ts';
import { eventually } from '../../support/eventually.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setUp(workerUrl?: URL, timeoutMs?: number, startAtRecordsPerSecond?: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'medgate-history-thread-'));
  const engine: StorageEngine = openEngine(dataDir);
  const log = recordingLogger();
  const local: HistoryRecord[][] = [];
  let history: HistoryStore<ReturnType<typeof slimReading>> | undefined;
  const written = { count: 0 };
  const thread = await HistoryThread.start({
    dataDir,
    log,
    workerUrl,
    timeoutMs,
    startAtRecordsPerSecond,
    onWritten: () => written.count++,
    fallback: (records) => {
      local.push(records);
      return history!.appendHere(records);
    },
  });
  history = new HistoryStore(engine, { listView: slimReading, writer: thread });
  cleanups.push(async () => {
    await thread.close();
    await engine.close();
  });
  return { dataDir, engine, log, local, history, thread, written };
}

const at = (i: number) => new Date(Date.UTC(2026, 11, 1, 8, 0, i)).toISOString();
const turn = () => new Promise((r) => setImmediate(r));

describe('history writer thread', () => {
  it('appends on its thread; the main thread reads it from the next turn', async () => {
    const { history, local, thread, written } = await setUp();
    expect(thread.onFallback).toBe(false);
    await history.append([historyRecord({ id: 'R1', at: at(1), mrn: 'MRN1' }), historyRecord({ id: 'R2', at: at(2) })]);
    expect(written.count).toBe(1); // told before the caller goes on (the gateway renews its reads there)
    await turn();
    expect(local).toEqual([]); // not written here
    expect(history.byReadingId('R1')?.reading.patient?.mrn).toBe('MRN1');
    expect(history.recent({ limit: 5 }).map((r) => r.reading.reading.id)).toEqual(['R2', 'R1']);
  });

  it("rejects an append with the worker's error, and goes on with the next", async () => {
    const { history } = await setUp();
    const broken = { at: at(1), reading: { status: 'delivered' }, messages: [] } as unknown as HistoryRecord;
    await expect(history.append([broken])).rejects.toThrow(/reading/);
    await history.append([historyRecord({ id: 'R3', at: at(3) })]);
    await turn();
    expect(history.byReadingId('R3')).toBeDefined();
  });

  it('writes on the main thread, said once, when the worker cannot start', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medgate-bad-worker-'));
    const bad = join(dir, 'worker.mjs');
    writeFileSync(bad, "throw new Error('no such worker');\n");
    const { history, local, log, thread } = await setUp(pathToFileURL(bad));
    expect(thread.onFallback).toBe(true);
    await history.append([historyRecord({ id: 'R4', at: at(4) })]);
    await history.append([historyRecord({ id: 'R5', at: at(5) })]);
    expect(local.map((r) => r[0]!.reading.reading.id)).toEqual(['R4', 'R5']);
    expect(history.byReadingId('R5')).toBeDefined();
    expect(log.lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual(['history writes go on on the main thread (those under way are retried)']);
  });

  it('ends a worker that never says it is ready, and writes here', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medgate-mute-worker-'));
    const mute = join(dir, 'worker.mjs');
    writeFileSync(mute, 'setInterval(() => {}, 1000);\n');
    const { history, local, log, thread } = await setUp(pathToFileURL(mute), 300);
    expect(thread.onFallback).toBe(true);
    await history.append([historyRecord({ id: 'R6', at: at(6) })]);
    expect(local).toHaveLength(1);
    expect(log.lines.filter((l) => l.level === 'error').map((l) => l.fields.err)).toEqual(['the history writer thread did not start within 300 ms']);
  });

  it('finishes what was sent before close(), then closes', async () => {
    const { history, thread, engine } = await setUp();
    const sent = Array.from({ length: 20 }, (_, i) => history.append([historyRecord({ id: `C${i}`, at: at(i) })]));
    const closed = thread.close();
    await Promise.all(sent);
    await closed;
    await turn();
    expect(new HistoryStore(engine).recent({ limit: 50 })).toHaveLength(20);
    // After close, appends are written on this thread rather than lost.
    await history.append([historyRecord({ id: 'late', at: at(30) })]);
    expect(history.byReadingId('late')).toBeDefined();
  });

  it('under a start rate, writes here until appends come that fast, then moves them to the worker', async () => {
    const { history, local, thread, written } = await setUp(undefined, undefined, 5);
    await history.append([historyRecord({ id: 'S1', at: at(1) })]);
    expect(thread.running).toBe(false);
    expect(local).toHaveLength(1); // one record: no worker for that
    // Four more within the same second reach the rate: the worker starts; this append is still written here.
    await history.append([1, 2, 3, 4].map((i) => historyRecord({ id: `S${i + 1}`, at: at(i + 1) })));
    expect(local).toHaveLength(2);
    await eventually(() => expect(thread.running).toBe(true), 30_000);
    await history.append([historyRecord({ id: 'S9', at: at(9) })]);
    expect(local).toHaveLength(2);
    expect(written.count).toBe(1);
    await turn();
    expect(
      history
        .recent({ limit: 20 })
        .map((r) => r.reading.reading.id)
        .sort(),
    ).toEqual(['S1', 'S2', 'S3', 'S4', 'S5', 'S9']);
    expect(thread.onFallback).toBe(false);
  });

  it('closes a worker that was still starting when close() came', async () => {
    const { history, thread } = await setUp(undefined, undefined, 1);
    await history.append([historyRecord({ id: 'T1', at: at(1) })]); // starts it
    await thread.close();
    expect(thread.running).toBe(false);
    await history.append([historyRecord({ id: 'T2', at: at(2) })]);
    expect(history.byReadingId('T2')).toBeDefined();
  });
});
