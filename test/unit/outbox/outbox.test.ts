import { afterEach, describe, expect, it } from 'vitest';
import {
  enqueue,
  head,
  line,
  markDead,
  markDelivered,
  markRetry,
  markSending,
  nextDue,
  Outbox,
  OutboxError,
  resend,
  statusFromMessages,
} from '../../../src/outbox/outbox.ts';
import type { StateStore } from '../../../src/store/state-store.ts';
import { emptyState, type StateDoc } from '../../../src/store/types.ts';
import { ack, addReading, hl7For, openTempStore, stateOnDisk, storedReading } from './helpers.ts';

const T0 = new Date('2025-01-14T09:30:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

function q(doc: StateDoc, dest: string, controlId: string, readingId = 'r'): string {
  return enqueue(doc, { destinationId: dest, readingId, controlId, body: hl7For(controlId), now: T0 }).id;
}

function deliver(doc: StateDoc, id: string): void {
  markSending(doc, id, T0);
  markDelivered(doc, id, ack('AA', id), T0);
}

const stores: StateStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe('outbox operations', () => {
  it('enqueues with increasing seq, state queued, id = control ID; refuses a duplicate control ID', () => {
    const doc = emptyState();
    const a = enqueue(doc, { destinationId: 'ehr', readingId: 'r1', controlId: 'MG1', body: 'x', now: T0 });
    const b = enqueue(doc, { destinationId: 'ehr', readingId: 'r1', controlId: 'MG2', body: 'y', now: T0 });
    expect([a.seq, b.seq, doc.seq]).toEqual([1, 2, 2]);
    expect(a).toMatchObject({ id: 'MG1', controlId: 'MG1', state: 'queued', attempts: 0, createdAt: T0.toISOString() });
    expect(() => enqueue(doc, { destinationId: 'lab', readingId: 'r2', controlId: 'MG1', body: 'z', now: T0 })).toThrow(OutboxError);
  });

  it('keeps order per destination, independently of other destinations', () => {
    const doc = emptyState();
    q(doc, 'a', 'a1');
    q(doc, 'b', 'b1');
    q(doc, 'a', 'a2');
    q(doc, 'b', 'b2');
    expect(nextDue(doc, 'a', T0)?.id).toBe('a1');
    expect(nextDue(doc, 'b', T0)?.id).toBe('b1');
    deliver(doc, 'a1');
    expect(nextDue(doc, 'a', T0)?.id).toBe('a2');
    expect(nextDue(doc, 'b', T0)?.id).toBe('b1');
    expect(line(doc, 'a').map((m) => m.id)).toEqual(['a2']);
    expect(nextDue(doc, 'c', T0)).toBeUndefined();
  });

  it('holds the line behind a head that waits out its backoff (head-of-line), and only that destination', () => {
    const doc = emptyState();
    q(doc, 'a', 'a1');
    q(doc, 'a', 'a2');
    q(doc, 'b', 'b1');
    markSending(doc, 'a1', T0);
    expect(nextDue(doc, 'a', T0)).toBeUndefined(); // one in flight per destination
    markRetry(doc, 'a1', 'timeout: no ACK', at(5000), undefined, T0);
    expect(head(doc, 'a')?.id).toBe('a1');
    expect(nextDue(doc, 'a', at(4999))).toBeUndefined();
    expect(nextDue(doc, 'b', at(1))?.id).toBe('b1');
    expect(nextDue(doc, 'a', at(5000))?.id).toBe('a1');
  });

  it('takes dead messages out of the line', () => {
    const doc = emptyState();
    q(doc, 'a', 'a1');
    q(doc, 'a', 'a2');
    markSending(doc, 'a1', T0);
    markDead(doc, 'a1', 'AR unknown patient (error 204)', ack('AR', 'a1'), T0);
    expect(nextDue(doc, 'a', T0)?.id).toBe('a2');
  });

  it('records attempts, errors and acks on the way', () => {
    const doc = emptyState();
    q(doc, 'a', 'a1');
    markSending(doc, 'a1', T0);
    const r = markRetry(doc, 'a1', 'AE bad OBX', at(1000), ack('AE', 'a1', { text: 'bad OBX' }), T0);
    expect(r).toMatchObject({
      state: 'retry_wait',
      attempts: 1,
      lastError: 'AE bad OBX',
      nextAttemptAt: at(1000).toISOString(),
      lastAttemptAt: T0.toISOString(),
    });
    expect(r.ack?.code).toBe('AE');
    markSending(doc, 'a1', at(1000));
    const d = markDelivered(doc, 'a1', ack('AA', 'a1'), at(1001));
    expect(d).toMatchObject({ state: 'delivered', attempts: 2, deliveredAt: at(1001).toISOString() });
    expect(d.lastError).toBeUndefined();
    expect(d.nextAttemptAt).toBeUndefined();
    expect(d.ack).toMatchObject({ code: 'AA', at: at(1001).toISOString() });
  });

  it("a delivery without an ACK (an MQTT PUBACK) keeps none, not an earlier attempt's AE", () => {
    const doc = emptyState();
    q(doc, 'a', 'a1');
    markSending(doc, 'a1', T0);
    markRetry(doc, 'a1', 'AE bad OBX', at(1000), ack('AE', 'a1'), T0);
    markSending(doc, 'a1', at(1000));
    const d = markDelivered(doc, 'a1', undefined, at(1001));
    expect(d.state).toBe('delivered');
    expect(d.ack).toBeUndefined();
  });

  it('refuses transitions from the wrong state and unknown ids', () => {
    const doc = emptyState();
    q(doc, 'a', 'a1');
    expect(() => markDelivered(doc, 'a1', ack('AA', 'a1'), T0)).toThrow(/queued; cannot go to delivered/);
    expect(() => markRetry(doc, 'a1', 'x', T0)).toThrow(OutboxError);
    expect(() => resend(doc, 'a1', T0)).toThrow(OutboxError);
    expect(() => markSending(doc, 'nope', T0)).toThrow(/no outbox message nope/);
    deliver(doc, 'a1');
    expect(() => markSending(doc, 'a1', T0)).toThrow(OutboxError);
  });

  it('resends a dead message with the same bytes and control ID at the end of the line', () => {
    const doc = emptyState();
    addReading(doc, 'r1', ['a']);
    q(doc, 'a', 'a2', 'r2');
    markSending(doc, 'r1-a', T0);
    markDead(doc, 'r1-a', 'AR', ack('AR', 'r1-a'), T0);
    expect(doc.readings.r1?.status).toBe('dead');
    q(doc, 'a', 'a3', 'r3');
    const before = structuredClone(doc.messages['r1-a']);
    const m = resend(doc, 'r1-a', at(60_000));
    expect(m.state).toBe('queued');
    expect(m.body).toBe(before?.body);
    expect(m.controlId).toBe('r1-a');
    expect(m.attempts).toBe(0);
    expect(m.seq).toBe(doc.seq);
    expect(line(doc, 'a').map((x) => x.id)).toEqual(['a2', 'a3', 'r1-a']);
    expect(doc.readings.r1?.status).toBe('queued');
  });

  it("lets a reading's status follow its messages", () => {
    expect(statusFromMessages([])).toBe('queued');
    const doc = emptyState();
    const [toA, toB] = addReading(doc, 'r1', ['a', 'b']);
    deliver(doc, toA!);
    expect(doc.readings.r1?.status).toBe('queued');
    deliver(doc, toB!);
    expect(doc.readings.r1?.status).toBe('delivered');

    const [x, y] = addReading(doc, 'r2', ['a', 'b']);
    deliver(doc, x!);
    markDead(doc, y!, 'AR', undefined, T0);
    expect(doc.readings.r2?.status).toBe('dead');

    doc.readings.r3 = { ...storedReading('r3'), status: 'held' };
    const [z] = [q(doc, 'a', 'z', 'r3')];
    deliver(doc, z);
    expect(doc.readings.r3.status).toBe('held'); // a held reading is a person's business
  });
});

describe('Outbox (durable shell)', () => {
  it('enqueues and resends durably and tells who must be kicked', async () => {
    const { store, file } = await openTempStore();
    stores.push(store);
    const kicked: string[] = [];
    const outbox = new Outbox(store, { now: () => T0, onQueued: (d) => kicked.push(d) });
    const m = await outbox.enqueue({ destinationId: 'ehr', readingId: 'r1', controlId: 'MG1', body: hl7For('MG1') });
    expect(stateOnDisk(file).messages.MG1?.state).toBe('queued');
    expect(kicked).toEqual(['ehr']);
    expect(outbox.line('ehr').map((x) => x.id)).toEqual([m.id]);

    await store.update((doc) => {
      markSending(doc, 'MG1', T0);
      markDead(doc, 'MG1', 'AR', undefined, T0);
    });
    expect(outbox.dead().map((x) => x.id)).toEqual(['MG1']);
    await outbox.resend('MG1');
    expect(stateOnDisk(file).messages.MG1?.state).toBe('queued');
    expect(kicked).toEqual(['ehr', 'ehr']);
    await expect(outbox.resend('MG1')).rejects.toThrow(OutboxError);
  });
});
