// GET /api/readings' query: filters, search and paging over the state document and the history.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { enqueue } from '../../../src/outbox/outbox.ts';
import { findReadings } from '../../../src/runtime/find-readings.ts';
import { openEngine, type StorageEngine } from '../../../src/store/engine.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { emptyState, type HistoryRecord, type StateDoc } from '../../../src/store/types.ts';
import type { ReadingQuery, ReadingsPage, SlimReading } from '../../../src/web/api-types.ts';
import { slimReading } from '../../../src/web/reading-views.ts';
import { historyRecord } from '../../support/history-records.ts';
import { allPages } from '../../support/list-pages.ts';

const engines: StorageEngine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

function history(): HistoryStore<SlimReading> {
  const engine = openEngine(mkdtempSync(join(tmpdir(), 'medgate-find-readings-')));
  engines.push(engine);
  return new HistoryStore(engine, { listView: slimReading });
}

/** A delivered record with a unique outbox seq (as the outbox hands them out). */
let seq = 0;
function record(id: string, at: string, extra: { deviceId?: string; mrn?: string; family?: string } = {}): HistoryRecord {
  const r = historyRecord({ id, at, deviceId: extra.deviceId, mrn: extra.mrn });
  for (const m of r.messages) m.seq = ++seq;
  if (extra.family && r.reading.patient) r.reading.patient.family = extra.family;
  return r;
}

const query = (q: Partial<ReadingQuery>): ReadingQuery => ({ status: 'delivered', limit: 100, ...q });
const ids = (p: ReadingsPage) => p.readings.map((r) => r.reading.id);

describe('findReadings in the history', () => {
  it('pages past the first page through a device list, readings archived in one instant included once each', async () => {
    const h = history();
    const at = '2026-01-05T10:00:00.000Z';
    // 25 archived in the same millisecond (one batch), 10 later, and another device's in between.
    await h.append([
      ...Array.from({ length: 25 }, (_, i) => record(`A${String(i).padStart(3, '0')}`, at, { deviceId: 'scale-1' })),
      ...Array.from({ length: 10 }, (_, i) => record(`B${i}`, `2026-01-05T11:0${i}:00.000Z`, { deviceId: i % 2 ? 'scale-1' : 'cuff-1' })),
    ]);
    const src = { doc: emptyState(), history: h };
    const pages = allPages((before) => findReadings(src, query({ device: 'scale-1', limit: 7, before })), ids);
    const seen = pages.flat();
    expect(pages.map((p) => p.length)).toEqual([7, 7, 7, 7, 2]);
    expect(new Set(seen).size).toBe(30);
    expect(seen.slice(0, 5)).toEqual(['B9', 'B7', 'B5', 'B3', 'B1']);
  });

  it('finds by reading id, by control ID and by MRN as look-ups, naming how it matched', async () => {
    const h = history();
    await h.append([
      record('R1', '2026-01-05T10:00:00.000Z', { mrn: 'MRN100' }),
      record('R2', '2026-01-05T10:01:00.000Z', { mrn: 'MRN200' }),
      record('R3', '2026-01-05T10:02:00.000Z', { mrn: 'MRN100' }),
    ]);
    const src = { doc: emptyState(), history: h };
    expect(findReadings(src, query({ q: ' R2 ' }))).toMatchObject({ match: 'reading', more: false });
    expect(ids(findReadings(src, query({ q: 'R2' })))).toEqual(['R2']);
    // The fixture's control ID is <reading>-<destination>.
    const byControlId = findReadings(src, query({ q: 'R3-ehr' }));
    expect([byControlId.match, ids(byControlId)]).toEqual(['control-id', ['R3']]);
    expect(byControlId.readings[0]!.messages.map((m) => m.controlId)).toEqual(['R3-ehr']);
    const byMrn = findReadings(src, query({ q: 'MRN100' }));
    expect([byMrn.match, ids(byMrn)]).toEqual(['mrn', ['R3', 'R1']]);
    // Another status: the reading is named, but not in this list.
    expect(findReadings(src, query({ status: 'discarded', q: 'R2' }))).toMatchObject({ readings: [], match: 'reading' });
    // A device filter applies to what a search found.
    expect(ids(findReadings(src, query({ q: 'R2', device: 'cuff-9' })))).toEqual([]);
  });

  it('searches names among the newest only, says how many it read, and goes on from there', async () => {
    const h = history();
    const records = Array.from({ length: 30 }, (_, i) =>
      record(`N${String(i).padStart(2, '0')}`, `2026-01-05T10:${String(i).padStart(2, '0')}:00.000Z`, {
        mrn: `M${i}`,
        family: i % 10 === 0 ? 'Müller' : 'Smith',
      }),
    );
    await h.append(records);
    const src = { doc: emptyState(), history: h, scanLimit: 12 };
    const first = findReadings(src, query({ q: 'muller' }));
    expect(first).toMatchObject({ match: 'name', scanned: 12, more: true });
    expect(ids(first)).toEqual(['N20']);
    const pages = allPages((before) => findReadings(src, query({ q: 'MULLER jane', before })), ids);
    expect(pages.flat()).toEqual(['N20', 'N10', 'N00']);
  });
});

describe('findReadings from a row of a page (Live pages again from where its list ends)', () => {
  it('gives each archived reading its place, and a cursor whose tie is an id and U+0000 takes that reading in', async () => {
    const h = history();
    await h.append(['A1', 'A2', 'A3'].map((id, i) => record(id, `2026-01-05T10:0${i}:00.000Z`)));
    const src = { doc: emptyState(), history: h };
    const first = findReadings(src, query({}));
    expect(first.readings.map((r) => [r.reading.id, r.archivedAt])).toEqual([
      ['A3', '2026-01-05T10:02:00.000Z'],
      ['A2', '2026-01-05T10:01:00.000Z'],
      ['A1', '2026-01-05T10:00:00.000Z'],
    ]);
    expect(ids(findReadings(src, query({ before: '2026-01-05T10:01:00.000Z~A2' })))).toEqual(['A1']);
    expect(ids(findReadings(src, query({ before: '2026-01-05T10:01:00.000Z~A2\u0000' })))).toEqual(['A2', 'A1']);
  });
});

describe('findReadings on a long history', () => {
  it('reads at most 1000 entries for a name, or for a device within a patient, per request; "Show older" goes on', async () => {
    const h = history();
    await h.append(
      Array.from({ length: 2500 }, (_, i) =>
        record(`L${String(i).padStart(4, '0')}`, new Date(Date.UTC(2026, 0, 5) + i * 60_000).toISOString(), {
          deviceId: i % 2 ? 'scale-1' : 'cuff-1',
          mrn: 'MRN1',
          family: i < 10 ? 'Rare' : 'Common',
        }),
      ),
    );
    const src = { doc: emptyState(), history: h };
    const byName = findReadings(src, query({ q: 'rare' }));
    expect(byName).toMatchObject({ match: 'name', scanned: 1000, more: true, readings: [] });
    const all = allPages((before) => findReadings(src, query({ q: 'rare', before })), ids).flat();
    expect(all).toEqual(Array.from({ length: 10 }, (_, i) => `L${String(9 - i).padStart(4, '0')}`));
    const both = findReadings(src, query({ patient: 'MRN1', device: 'scale-1', limit: 1000 }));
    expect([both.readings.length, both.scanned, both.more]).toEqual([500, 1000, true]);
    expect(allPages((before) => findReadings(src, query({ patient: 'MRN1', device: 'scale-1', limit: 1000, before })), ids).flat()).toHaveLength(1250);
  });
});

describe('findReadings in the state document', () => {
  function doc(): StateDoc {
    const d = emptyState();
    for (let i = 0; i < 12; i++) {
      const id = `L${String(i).padStart(3, '0')}`;
      const at = `2026-01-05T10:${String(i).padStart(2, '0')}:00.000Z`;
      d.readings[id] = {
        reading: { id, deviceId: i % 3 ? 'scale-1' : 'cuff-1', kind: 'scale', observedAt: at, receivedAt: at, observations: [], raw: '' },
        status: i < 10 ? 'queued' : 'held',
        holdReasons: [],
        patient: { mrn: `MRN${i % 2}`, family: i % 2 ? 'Okafor' : 'Lindqvist', given: 'Ada' },
        updatedAt: at,
      };
      if (i < 10) enqueue(d, { destinationId: 'ehr', controlId: `C${id}`, body: 'MSH|', readingId: id, now: new Date(at) });
    }
    return d;
  }

  it('pages queued readings newest first, filtered by device', () => {
    const src = { doc: doc(), history: history() };
    const pages = allPages((before) => findReadings(src, query({ status: 'queued', device: 'scale-1', limit: 2, before })), ids);
    expect(pages).toEqual([
      ['L008', 'L007'],
      ['L005', 'L004'],
      ['L002', 'L001'],
    ]);
    // From a row of the page, that row included (Live pages again from where its list ends).
    const l005 = src.doc.readings.L005!.reading.receivedAt;
    expect(ids(findReadings(src, query({ status: 'queued', device: 'scale-1', limit: 2, before: `${l005}~L005\u0000` })))).toEqual(['L005', 'L004']);
  });

  it('finds by control ID, by MRN and by name, with the reading carrying its message ids', () => {
    const src = { doc: doc(), history: history() };
    const one = findReadings(src, query({ status: 'queued', q: 'CL004' }));
    expect([one.match, ids(one), one.readings[0]!.messages.map((m) => m.id)]).toEqual(['control-id', ['L004'], ['CL004']]);
    expect(ids(findReadings(src, query({ status: 'queued', q: 'MRN1', limit: 3 })))).toEqual(['L009', 'L007', 'L005']);
    const byName = findReadings(src, query({ status: 'held', q: 'lindq' }));
    expect([byName.match, ids(byName)]).toEqual(['name', ['L010']]);
  });
});
