// The state copy and the database copy made one state: a reading of the state archived between the
// two reads leaves the state copy (as the gateway's archiving would have removed it), a reading
// stored after the state was read leaves the history copy, and the duplicate memory forgets device
// messages whose reading is in neither copy, remembered after the state was read.

import { describe, expect, it } from 'vitest';
import { clockSetBack, completeArchived, enqueuedAfter, reconcileCopy } from '../../../src/backup/reconcile.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import { QcLog, type QcEntry } from '../../../src/qc/qc-log.ts';
import { openEngine } from '../../../src/store/engine.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { RecentStore } from '../../../src/store/recent-store.ts';
import { emptyState, type OutboxMessage, type StateDoc, type StoredReading } from '../../../src/store/types.ts';
import { tempDir } from '../../support/gateway-process.ts';
import { historyRecord } from '../../support/history-records.ts';

const AT = '2026-03-01T10:00:00.000Z';

/** A delivered record, archived at `at`, whose messages have outbox seqs from `seq` on. */
function archivedRecord(id: string, seq: number, destinations = ['ehr'], at = AT) {
  const record = historyRecord({ at, id, destinations });
  record.messages.forEach((m, i) => (m.seq = seq + i));
  return record;
}

/** A state holding readings with one queued message per destination, as the outbox keeps them, and seq after theirs. */
function stateWith(readings: Array<{ id: string; destinations: string[]; seq?: number }>, seq = 10): StateDoc {
  const doc = emptyState();
  doc.seq = seq;
  for (const r of readings) {
    const record = archivedRecord(r.id, r.seq ?? 1, r.destinations);
    const stored: StoredReading = { ...record.reading, status: 'queued', messageIds: record.messages.map((m) => m.id) };
    doc.readings[r.id] = stored;
    for (const m of record.messages) {
      const queued: OutboxMessage = { ...m, state: 'queued', attempts: 0 };
      delete queued.ack;
      delete queued.deliveredAt;
      doc.messages[m.id] = queued;
    }
  }
  return doc;
}

describe('completeArchived', () => {
  it('takes out a reading the history holds with all its messages, and leaves the others', () => {
    const doc = stateWith([
      { id: 'R1', destinations: ['ehr'] },
      { id: 'R2', destinations: ['ehr', 'archive'] },
      { id: 'R3', destinations: ['ehr'] },
    ]);
    const archived: Record<string, string[]> = { R1: ['R1-ehr'], R2: ['R2-ehr'] };
    expect(completeArchived(doc, (id) => archived[id])).toEqual(['R1']);
    expect(Object.keys(doc.readings)).toEqual(['R2', 'R3']);
    expect(Object.keys(doc.messages).sort()).toEqual(['R2-archive', 'R2-ehr', 'R3-ehr']);
  });
});

describe('enqueuedAfter', () => {
  it('is true only for a reading not in the state whose every message came after the state was read', () => {
    const doc = stateWith([{ id: 'R1', destinations: ['ehr'], seq: 5 }], 10);
    expect(enqueuedAfter(doc, archivedRecord('R2', 11).messages)).toBe(true);
    expect(enqueuedAfter(doc, archivedRecord('R3', 9).messages)).toBe(false); // archived before the read
    expect(enqueuedAfter(doc, archivedRecord('R1', 12).messages)).toBe(false); // the state's own (a resend)
    expect(enqueuedAfter(doc, [])).toBe(false); // a discarded reading: no messages, kept
  });
});

/** A control result as the QC log stores it. */
function qcEntry(id: string, at: string): QcEntry {
  return {
    id,
    device: 'chem-1',
    test: 'GLU',
    lot: 'L1',
    value: 5.5,
    time: at,
    receivedAt: at,
    role: 'control',
    marker: 'ASTM O-12 Q',
    run: id,
    runStart: at,
    status: 'not-judged',
    rules: [],
  };
}

describe('reconcileCopy', () => {
  it('matches the database copy to the state read before it', async () => {
    const dir = tempDir();
    const stateReadAt = Date.parse(AT);
    let now = stateReadAt - 3 * 3600_000;
    const engine = openEngine(dir);
    const history = new HistoryStore(engine);
    const memory = new RecentStore(engine, { pruneEveryMs: 0, now: () => new Date(now) });
    // Hours before the state was read: R0 archived, and a reading retention has removed since (its memory stays).
    await history.append([archivedRecord('R0', 1)]);
    await memory.remember('scale-1', 'old', 'PRUNED');
    now = stateReadAt + 50;
    // After the read (seq 10): R1 (seq 5, in the state) delivered and archived; R2 stays queued;
    // R8 (seq 11) stored, delivered and archived; R9 (seq 12) stored and still queued.
    await history.append([archivedRecord('R1', 5), archivedRecord('R8', 11)]);
    for (const id of ['R1', 'R2', 'R8', 'R9']) await memory.remember('scale-1', `k-${id}`, id);
    // A control report logged after the read: remembered under its QC entry's id, which the log copy has.
    await new QcLog(engine, { log: silentLogger }).record([qcEntry('Q1', new Date(now).toISOString())]);
    await memory.remember('chem-1', 'k-Q1', 'Q1');
    await memory.close();
    await engine.close();

    const doc = stateWith(
      [
        { id: 'R1', destinations: ['ehr'], seq: 5 },
        { id: 'R2', destinations: ['ehr'], seq: 6 },
      ],
      10,
    );
    expect(await reconcileCopy(dir, doc, stateReadAt)).toEqual({ archived: 1, later: 1, forgotten: 2 });
    expect(Object.keys(doc.readings)).toEqual(['R2']);
    expect(Object.keys(doc.messages)).toEqual(['R2-ehr']);

    const again = openEngine(dir);
    try {
      const h = new HistoryStore(again);
      expect(['R0', 'R1', 'R8'].map((id) => h.byReadingId(id)?.reading.reading.id)).toEqual(['R0', 'R1', undefined]);
      expect(h.byMessageId('R8-ehr')).toBeUndefined();
      const recalled = new RecentStore(again, { pruneEveryMs: 0, now: () => new Date(now) });
      expect(recalled.recall('chem-1', 'k-Q1')?.readingId).toBe('Q1');
      expect(['old', 'k-R1', 'k-R2', 'k-R8', 'k-R9'].map((k) => recalled.recall('scale-1', k)?.readingId)).toEqual([
        'PRUNED',
        'R1',
        'R2',
        undefined,
        undefined,
      ]);
      await recalled.close();
    } finally {
      await again.close();
    }
  });

  it('finds what was stored after the state was read also when the clock was set back minutes meanwhile', async () => {
    const dir = tempDir();
    const stateReadAt = Date.parse(AT);
    // After the read, NTP stepped the clock back 5 minutes: R8 (seq 11) is stored, archived and remembered then.
    const now = stateReadAt - 5 * 60_000;
    const engine = openEngine(dir);
    const history = new HistoryStore(engine);
    const memory = new RecentStore(engine, { pruneEveryMs: 0, now: () => new Date(now) });
    await history.append([archivedRecord('R8', 11, ['ehr'], new Date(now).toISOString())]);
    await memory.remember('scale-1', 'k-R8', 'R8');
    await memory.close();
    await engine.close();

    expect(await reconcileCopy(dir, stateWith([], 10), stateReadAt)).toEqual({ archived: 0, later: 1, forgotten: 1 });
    const again = openEngine(dir);
    try {
      expect(new HistoryStore(again).byReadingId('R8')).toBeUndefined();
      const recalled = new RecentStore(again, { pruneEveryMs: 0, now: () => new Date(now) });
      expect(recalled.recall('scale-1', 'k-R8')).toBeUndefined();
      await recalled.close();
    } finally {
      await again.close();
    }
  });
});

describe('clockSetBack', () => {
  it('is how far the wall clock went back against the monotonic clock, and 0 when it did not', () => {
    const at = { wall: 1_000_000, mono: 50 };
    expect(clockSetBack(at, { wall: 1_002_000, mono: 2050 })).toBe(0);
    expect(clockSetBack(at, { wall: 1_003_000, mono: 2050 })).toBe(0); // set forward: searching from the read still finds all
    expect(clockSetBack(at, { wall: 1_002_000 - 86_400_000, mono: 2050 })).toBe(86_400_000);
  });
});
