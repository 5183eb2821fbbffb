// The attack: one connection sending invalid 300 KB frames grew the rejected-input journal by 43 MB
// in 10 s (about 15 GB an hour, kept 90 days). Now capped per device and UTC day and in total, the
// oldest going first, what went counted and said once an hour at warn.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/model/logger.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import { DEFAULT_REJECTS_LIMITS, type RejectsLimits } from '../../../src/store/reject-caps.ts';
import { openEngine, type StorageEngine } from '../../../src/store/engine.ts';
import { RejectsJournal, type RejectedInput } from '../../../src/store/rejects.ts';

const open: StorageEngine[] = [];
afterEach(async () => {
  for (const e of open.splice(0)) await e.close();
});

function engineAt(dataDir = mkdtempSync(join(tmpdir(), 'medgate-reject-caps-'))): { dataDir: string; engine: StorageEngine } {
  const engine = openEngine(dataDir);
  open.push(engine);
  return { dataDir, engine };
}

function recordingLog(): { log: Logger; warnings: Array<Record<string, unknown>> } {
  const warnings: Array<Record<string, unknown>> = [];
  const log: Logger = {
    ...silentLogger,
    warn: (obj: object | string) => {
      if (typeof obj === 'object') warnings.push(obj as Record<string, unknown>);
    },
    child: () => log,
  };
  return { log, warnings };
}

const kept = (rs: RejectedInput[]) => rs.reduce((n, r) => n + r.bytes.length + r.reason.length, 0);
const FRAME = 300 * 1024;

describe('rejected-input journal caps', () => {
  it('keeps at most the daily cap of one device flooding invalid 300 KB frames for 10 s, newest kept, the rest counted and warned once', async () => {
    const { engine } = engineAt();
    const { log, warnings } = recordingLog();
    const journal = new RejectsJournal(engine, { log });
    const start = Date.parse('2025-01-01T10:00:00.000Z');
    // 30 frames a second for 10 s: 88 MB offered.
    for (let i = 0; i < 300; i++)
      journal.keep('cobas-1', 'not HL7', `${String(i).padStart(6, '0')}${'x'.repeat(FRAME)}`, new Date(start + Math.floor(i / 30) * 1000 + (i % 30)));
    journal.keep('scale-1', 'not a weight line', 'ST,??', new Date(start + 10_000));
    await engine.flushed();

    const all = journal.recent({ limit: 1000, deviceId: 'cobas-1' });
    expect(kept(all)).toBeLessThanOrEqual(DEFAULT_REJECTS_LIMITS.perDeviceDay.bytes);
    expect(all.length).toBeGreaterThan(0);
    // Oldest dropped first: the last frame kept (the 20th of the last second) is still there.
    expect(all[0]?.bytes.startsWith('000289')).toBe(true);
    // Another device's input is not pushed out by the flood.
    expect(journal.recent({ limit: 10, deviceId: 'scale-1' })).toHaveLength(1);
    const dropped = journal.dropped('cobas-1');
    expect(dropped.rateLimited).toBe(100);
    expect(dropped.overCap).toBe(200 - all.length);
    expect(dropped.bytes).toBeGreaterThan(60 * 1024 * 1024);
    expect(journal.droppedAll()).toEqual({ 'cobas-1': dropped });
    expect(warnings.filter((w) => w.device === 'cobas-1')).toHaveLength(1);
    // An hour later it is said again.
    journal.keep('cobas-1', 'not HL7', 'x'.repeat(FRAME), new Date(start + 3_600_000 + 60_000));
    journal.keep('cobas-1', 'not HL7', 'x'.repeat(FRAME), new Date(start + 3_600_000 + 61_000));
    expect(warnings.filter((w) => w.device === 'cobas-1')).toHaveLength(2);
  });

  it('keeps the journal within its total cap across devices, dropping the oldest of any device first', async () => {
    const { engine } = engineAt();
    const limits: RejectsLimits = { perDeviceDay: { entries: 100, bytes: 1_000_000 }, total: { entries: 10, bytes: 1_000_000 } };
    const journal = new RejectsJournal(engine, { log: silentLogger, limits });
    const start = Date.parse('2025-01-01T10:00:00.000Z');
    for (let i = 0; i < 15; i++) journal.keep(`d${i % 3}`, `r${i}`, 'x', new Date(start + i * 1000));
    await engine.flushed();
    expect(journal.recent({ limit: 100 }).map((r) => r.reason)).toEqual(['r14', 'r13', 'r12', 'r11', 'r10', 'r9', 'r8', 'r7', 'r6', 'r5']);
    expect(journal.dropped('d0')).toMatchObject({ overCap: 2 });
    expect(journal.dropped('d1')).toMatchObject({ overCap: 2 });
    expect(journal.dropped('d2')).toMatchObject({ overCap: 1 });
    // The index by device follows.
    expect(journal.recent({ limit: 100, deviceId: 'd0' }).map((r) => r.reason)).toEqual(['r12', 'r9', 'r6']);
  });

  it('counts a new day afresh per device', async () => {
    const { engine } = engineAt();
    const limits: RejectsLimits = { perDeviceDay: { entries: 2, bytes: 1_000_000 }, total: { entries: 100, bytes: 10_000_000 } };
    const journal = new RejectsJournal(engine, { log: silentLogger, limits });
    for (const at of ['2025-01-01T10:00:00Z', '2025-01-01T11:00:00Z', '2025-01-01T12:00:00Z', '2025-01-02T00:00:01Z', '2025-01-02T00:00:02Z'])
      journal.keep('d', at, 'x', new Date(at));
    await engine.flushed();
    expect(journal.recent({ limit: 100 }).map((r) => r.reason)).toEqual([
      '2025-01-02T00:00:02Z',
      '2025-01-02T00:00:01Z',
      '2025-01-01T12:00:00Z',
      '2025-01-01T11:00:00Z',
    ]);
  });

  it('trims a journal an uncapped earlier version filled, oldest first, when it opens', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medgate-reject-caps-'));
    const first = engineAt(dir);
    // Written as the earlier version did: no cap but the rate limit.
    const unbounded: RejectsLimits = { perDeviceDay: { entries: 1e9, bytes: 1e12 }, total: { entries: 1e9, bytes: 1e12 } };
    const old = new RejectsJournal(first.engine, { log: silentLogger, limits: unbounded });
    const start = Date.parse('2025-01-01T10:00:00.000Z');
    for (let i = 0; i < 40; i++) old.keep('cobas-1', `r${i}`, 'x'.repeat(100_000), new Date(start + i * 1000));
    await first.engine.flushed();
    await first.engine.close();
    open.splice(open.indexOf(first.engine), 1);

    const { engine } = engineAt(dir);
    const journal = new RejectsJournal(engine, {
      log: silentLogger,
      limits: { perDeviceDay: { entries: 1000, bytes: 1_000_000 }, total: { entries: 1000, bytes: 10_000_000 } },
    });
    await engine.flushed();
    const left = journal.recent({ limit: 100 });
    expect(left.map((r) => r.reason)).toEqual(['r39', 'r38', 'r37', 'r36', 'r35', 'r34', 'r33', 'r32', 'r31']);
    expect(kept(left)).toBeLessThanOrEqual(1_000_000);
  });
});
