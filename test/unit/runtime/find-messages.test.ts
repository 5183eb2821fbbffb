// GET /api/messages' query: the outbox and the history merged, filtered, searched and paged.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { enqueue, markDelivered, markSending } from '../../../src/outbox/outbox.ts';
import { findMessages } from '../../../src/runtime/find-messages.ts';
import { openEngine, type StorageEngine } from '../../../src/store/engine.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { emptyState, type HistoryRecord, type StateDoc } from '../../../src/store/types.ts';
import type { MessageQuery, MessagesPage, SlimReading } from '../../../src/web/api-types.ts';
import { slimReading } from '../../../src/web/reading-views.ts';
import { counted } from '../../support/counted-engine.ts';
import { historyRecord } from '../../support/history-records.ts';
import { writeLegacyHistory } from '../../support/legacy-history.ts';
import { allPages } from '../../support/list-pages.ts';

const engines: StorageEngine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

function history(): HistoryStore<SlimReading> {
  const engine = openEngine(mkdtempSync(join(tmpdir(), 'medgate-find-messages-')));
  engines.push(engine);
  return new HistoryStore(engine, { listView: slimReading });
}

const minute = (i: number) => `2026-01-05T${String(10 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00.000Z`;

/**
 * 20 delivered readings in the history (seq 1-20) and 6 queued in the outbox (seq 21-26), each
 * with one message to "ehr"; devices alternate, patients are Ada Okafor (even) and Bo Lindqvist (odd).
 */
async function sources(): Promise<{ doc: StateDoc; history: HistoryStore<SlimReading> }> {
  const h = history();
  const records: HistoryRecord[] = [];
  for (let i = 0; i < 20; i++) {
    const r = historyRecord({ id: `H${String(i).padStart(2, '0')}`, at: minute(i), deviceId: i % 2 ? 'scale-1' : 'cuff-1', mrn: `MRN${i % 2}` });
    r.reading.patient = { mrn: `MRN${i % 2}`, family: i % 2 ? 'Lindqvist' : 'Okafor', given: i % 2 ? 'Bo' : 'Ada' };
    r.messages[0]!.seq = i + 1;
    records.push(r);
  }
  await h.append(records);
  const doc = emptyState();
  doc.seq = 20;
  for (let i = 20; i < 26; i++) {
    const id = `Q${i}`;
    doc.readings[id] = {
      reading: { id, deviceId: i % 2 ? 'scale-1' : 'cuff-1', kind: 'scale', observedAt: minute(i), receivedAt: minute(i), observations: [], raw: '' },
      status: 'queued',
      holdReasons: [],
      patient: { mrn: `MRN${i % 2}`, family: i % 2 ? 'Lindqvist' : 'Okafor', given: i % 2 ? 'Bo' : 'Ada' },
      updatedAt: minute(i),
    };
    enqueue(doc, { destinationId: 'ehr', controlId: `${id}-ehr`, body: 'MSH|', readingId: id, now: new Date(minute(i)) });
  }
  return { doc, history: h };
}

const query = (q: Partial<MessageQuery>): MessageQuery => ({ limit: 100, ...q });
const ids = (p: MessagesPage) => p.messages.map((m) => m.id);

describe('findMessages', () => {
  it('pages the outbox and the history as one list, newest first, each message once', async () => {
    const src = await sources();
    const pages = allPages((before) => findMessages(src, query({ limit: 4, before })), ids);
    expect(pages.flat()).toEqual(
      [...['Q25', 'Q24', 'Q23', 'Q22', 'Q21', 'Q20'], ...Array.from({ length: 20 }, (_, i) => `H${String(19 - i).padStart(2, '0')}`)].map((id) => `${id}-ehr`),
    );
    expect(pages.map((p) => p.length)).toEqual([4, 4, 4, 4, 4, 4, 2]);
  });

  it('filters by device and by patient through the history lists, and carries the patient and device', async () => {
    const src = await sources();
    const byDevice = allPages((before) => findMessages(src, query({ device: 'scale-1', limit: 5, before })), ids).flat();
    expect(byDevice).toHaveLength(13);
    expect(byDevice.slice(0, 4)).toEqual(['Q25-ehr', 'Q23-ehr', 'Q21-ehr', 'H19-ehr']);
    const byPatient = findMessages(src, query({ patient: 'MRN0', state: 'delivered', limit: 3 }));
    expect(ids(byPatient)).toEqual(['H18-ehr', 'H16-ehr', 'H14-ehr']);
    expect(byPatient.messages[0]).toMatchObject({ deviceId: 'cuff-1', patient: { mrn: 'MRN0', family: 'Okafor', given: 'Ada' }, readingId: 'H18' });
    expect(findMessages(src, query({ state: 'queued', device: 'cuff-1' })).messages.map((m) => [m.id, m.patient?.family])).toEqual([
      ['Q24-ehr', 'Okafor'],
      ['Q22-ehr', 'Okafor'],
      ['Q20-ehr', 'Okafor'],
    ]);
  });

  it('searches by control ID, reading id, MRN and name, saying how it matched', async () => {
    const src = await sources();
    expect(findMessages(src, query({ q: 'H07-ehr' }))).toMatchObject({ match: 'control-id', messages: [{ id: 'H07-ehr', patient: { family: 'Lindqvist' } }] });
    expect(findMessages(src, query({ q: 'Q22-ehr' }))).toMatchObject({ match: 'control-id', messages: [{ id: 'Q22-ehr', state: 'queued' }] });
    expect(findMessages(src, query({ q: 'H07' }))).toMatchObject({ match: 'reading', messages: [{ id: 'H07-ehr' }] });
    expect(findMessages(src, query({ q: 'Q23' }))).toMatchObject({ match: 'reading', messages: [{ id: 'Q23-ehr' }] });
    const byMrn = findMessages(src, query({ q: 'MRN1', limit: 4 }));
    expect([byMrn.match, ids(byMrn), byMrn.more]).toEqual(['mrn', ['Q25-ehr', 'Q23-ehr', 'Q21-ehr', 'H19-ehr'], true]);
    const byName = findMessages(src, query({ q: 'okafor ada', limit: 100 }));
    expect(byName.match).toBe('name');
    expect(byName.messages).toHaveLength(13);
    // A control ID that is not in this state's list: named, not listed.
    expect(findMessages(src, query({ q: 'H07-ehr', state: 'queued' }))).toMatchObject({ match: 'control-id', messages: [] });
  });

  it('stops a name search at the scan limit of the history, and the next page goes on from there', async () => {
    const src = { ...(await sources()), scanLimit: 5 };
    const first = findMessages(src, query({ q: 'lindqvist', limit: 100 }));
    // The outbox is read whole (in memory); the history only 5 deep, so nothing older than those 5 yet.
    expect(first).toMatchObject({ match: 'name', scanned: 5, more: true });
    expect(ids(first)).toEqual(['Q25-ehr', 'Q23-ehr', 'Q21-ehr', 'H19-ehr', 'H17-ehr', 'H15-ehr']);
    const all = allPages((before) => findMessages(src, query({ q: 'lindqvist', limit: 100, before })), ids).flat();
    expect(all).toHaveLength(13);
    expect(new Set(all).size).toBe(13);
  });

  it('a message delivered but not yet archived is listed once', async () => {
    const src = await sources();
    markSending(src.doc, 'Q20-ehr', new Date(minute(30)));
    markDelivered(src.doc, 'Q20-ehr', undefined, new Date(minute(30)));
    expect(findMessages(src, query({ state: 'delivered', limit: 2 })).messages.map((m) => m.id)).toEqual(['Q20-ehr', 'H19-ehr']);
  });
});

describe('findMessages on a history an earlier version wrote, while its lists are upgraded', () => {
  it('answers device and patient filters by a bounded scan, saying so, each message once across pages', async () => {
    const engine = openEngine(mkdtempSync(join(tmpdir(), 'medgate-find-messages-')));
    engines.push(engine);
    const records = Array.from({ length: 30 }, (_, i) => {
      const r = historyRecord({ id: `L${String(i).padStart(2, '0')}`, at: minute(i), deviceId: i % 3 ? 'scale-1' : 'cuff-1', mrn: `MRN${i % 2}` });
      r.reading.patient = { mrn: `MRN${i % 2}`, family: i % 2 ? 'Lindqvist' : 'Okafor', given: 'Bo' };
      r.messages[0]!.seq = i + 1;
      return r;
    });
    await writeLegacyHistory(engine, records);
    const src = { doc: emptyState(), history: new HistoryStore(engine, { listView: slimReading }), scanLimit: 8 };
    expect(src.history.indexed).toBe(false);
    const first = findMessages(src, query({ device: 'cuff-1' }));
    expect(first).toMatchObject({ indexing: true, scanned: 8, more: true });
    const byDevice = allPages((before) => findMessages(src, query({ device: 'cuff-1', before })), ids).flat();
    expect(byDevice).toEqual(['L27-ehr', 'L24-ehr', 'L21-ehr', 'L18-ehr', 'L15-ehr', 'L12-ehr', 'L09-ehr', 'L06-ehr', 'L03-ehr', 'L00-ehr']);
    const byPatient = allPages((before) => findMessages(src, query({ patient: 'MRN1', before })), ids).flat();
    expect(byPatient).toHaveLength(15);
    expect(findMessages(src, query({ patient: 'MRN1', limit: 1 })).messages[0]?.patient).toEqual({ mrn: 'MRN1', family: 'Lindqvist', given: 'Bo' });

    expect(await src.history.upgradeIndexes()).toEqual({ messages: 30, done: true });
    const indexed = findMessages({ ...src, scanLimit: undefined }, query({ device: 'cuff-1' }));
    expect([indexed.indexing, indexed.scanned, ids(indexed)]).toEqual([undefined, undefined, byDevice]);
  });
});

describe('findMessages on a long history', () => {
  it('finds by control ID, reading id and MRN through index look-ups, and bounds a name search', async () => {
    const { engine, reads } = counted(openEngine(mkdtempSync(join(tmpdir(), 'medgate-find-messages-'))));
    engines.push(engine);
    const h = new HistoryStore(engine, { listView: slimReading });
    await h.append(
      Array.from({ length: 3000 }, (_, i) => {
        const r = historyRecord({
          id: `R${String(i).padStart(5, '0')}`,
          at: new Date(Date.UTC(2026, 0, 5) + i * 60_000).toISOString(),
          deviceId: `dev-${i % 7}`,
          mrn: `MRN${i % 500}`,
        });
        r.reading.patient = { mrn: `MRN${i % 500}`, family: i === 17 ? 'Quispe' : 'Doe', given: 'Ana' };
        r.messages[0]!.seq = i + 1;
        return r;
      }),
    );
    const src = { doc: emptyState(), history: h, scanLimit: 200 };
    const cost = (q: Partial<MessageQuery>) => {
      reads.gets = 0;
      reads.keys = 0;
      const page = findMessages(src, query(q));
      return { found: page.messages.length, reads: reads.gets + reads.keys };
    };
    expect(cost({ q: 'R01234-ehr' })).toMatchObject({ found: 1 });
    expect(cost({ q: 'R01234-ehr' }).reads).toBeLessThan(10);
    expect(cost({ q: 'R01234' }).reads).toBeLessThan(10);
    // Six messages of MRN42 among 3000: the patient list, not the history.
    expect(cost({ q: 'MRN42' })).toMatchObject({ found: 6 });
    expect(cost({ q: 'MRN42' }).reads).toBeLessThan(40);
    expect(cost({ device: 'dev-3', limit: 10 }).reads).toBeLessThan(40);
    // A name: at most the scan limit's keys and their records.
    const byName = findMessages(src, query({ q: 'quispe' }));
    expect(byName).toMatchObject({ match: 'name', scanned: 200, messages: [] });
    expect(cost({ q: 'quispe' }).reads).toBeLessThan(2 * 200 + 20);
  });
});
