// The page's lists of the live state: the first `limit` in order, exactly as a sort of everything
// and a slice would give them, whatever the input; and the filters the API offers.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstInOrder, liveMessages, liveReadings, newerMessageFirst } from '../../../src/outbox/live-lists.ts';
import { markDead } from '../../../src/outbox/outbox.ts';
import { emptyState } from '../../../src/store/types.ts';
import { addReading } from './helpers.ts';

describe('firstInOrder', () => {
  it('gives what a stable sort and a slice give, for any items, filter, order and limit', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ k: fc.integer({ min: 0, max: 20 }), tag: fc.nat() })),
        fc.integer({ min: 0, max: 30 }),
        fc.boolean(),
        (items, limit, evenOnly) => {
          const keep = (i: { tag: number }) => !evenOnly || i.tag % 2 === 0;
          const order = (a: { k: number }, b: { k: number }) => b.k - a.k; // many ties
          const expected = items.filter(keep).sort(order).slice(0, limit);
          expect(firstInOrder(items, limit, keep, order)).toEqual(expected);
        },
      ),
    );
  });
});

describe('live lists', () => {
  it('lists the newest readings of a status, filtered by device and patient, from a queue of thousands', () => {
    const doc = emptyState();
    for (let i = 0; i < 3000; i++) addReading(doc, `R${String(i).padStart(6, '0')}`, ['ehr']);
    for (const id of ['R000100', 'R002000', 'R002999']) {
      doc.readings[id]!.status = 'held';
      doc.readings[id]!.reading.deviceId = 'scale-2';
      doc.readings[id]!.patient = { mrn: 'MRN7' };
    }
    const queued = liveReadings(doc, { status: 'queued', limit: 3 }).map((r) => r.reading.id);
    expect(queued).toEqual(['R002998', 'R002997', 'R002996']);
    expect(liveReadings(doc, { status: 'held', limit: 2, device: 'scale-2' }).map((r) => r.reading.id)).toEqual(['R002999', 'R002000']);
    expect(liveReadings(doc, { status: 'held', limit: 5, device: 'scale-1' })).toEqual([]);
    expect(liveReadings(doc, { status: 'held', limit: 5, patient: 'MRN7' }).length).toBe(3);
    expect(liveReadings(doc, { status: 'held', limit: 5, patient: 'nobody' })).toEqual([]);
  });

  it('lists the newest messages, filtered by destination, state and time, in the outbox order', () => {
    const doc = emptyState();
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 8, 0, s));
    for (let i = 0; i < 50; i++) addReading(doc, `R${i}`, ['ehr', 'lab'], at(Math.floor(i / 10))); // ten to a second
    markDead(doc, 'R7-lab', 'AR');
    const all = Object.values(doc.messages).sort(newerMessageFirst);
    expect(liveMessages(doc, { limit: 4 })).toEqual(all.slice(0, 4));
    expect(liveMessages(doc, { limit: 4 }).map((m) => m.id)).toEqual(['R49-lab', 'R49-ehr', 'R48-lab', 'R48-ehr']);
    expect(liveMessages(doc, { limit: 3, destination: 'ehr' }).map((m) => m.id)).toEqual(['R49-ehr', 'R48-ehr', 'R47-ehr']);
    expect(liveMessages(doc, { limit: 9, state: 'dead' }).map((m) => m.id)).toEqual(['R7-lab']);
    expect(liveMessages(doc, { limit: 2, before: at(4).toISOString() }).map((m) => m.id)).toEqual(['R39-lab', 'R39-ehr']);
  });
});
