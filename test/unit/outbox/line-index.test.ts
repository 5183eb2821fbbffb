// The line index must always name the same head as a scan of the outbox, whatever happens to the
// messages (queued, sent, delivered, dead, resent, archived), per destination.

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { LineIndex } from '../../../src/outbox/line-index.ts';
import { enqueue, head, markDead, markDelivered, markRetry, markSending, resend } from '../../../src/outbox/outbox.ts';
import type { StateStore } from '../../../src/store/state-store.ts';
import { ack, addReading, openTempStore } from './helpers.ts';

const NOW = new Date('2025-01-14T09:31:00.000Z');
const stores: StateStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

type Op =
  | { type: 'enqueue'; dest: 'a' | 'b' }
  | { type: 'send'; dest: 'a' | 'b'; result: 'delivered' | 'retry' | 'dead' }
  | { type: 'resendDead' }
  | { type: 'archiveDelivered' };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('enqueue' as const), dest: fc.constantFrom('a' as const, 'b' as const) }),
  fc.record({
    type: fc.constant('send' as const),
    dest: fc.constantFrom('a' as const, 'b' as const),
    result: fc.constantFrom('delivered' as const, 'retry' as const, 'dead' as const),
  }),
  fc.constant({ type: 'resendDead' as const }),
  fc.constant({ type: 'archiveDelivered' as const }),
);

describe('LineIndex', () => {
  it('names the head a scan names, through any sequence of outbox changes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(op, fc.boolean()), { maxLength: 60 }), fc.integer({ min: 0, max: 5 }), async (ops, before) => {
        const { store } = await openTempStore();
        stores.push(store);
        let n = 0;
        // Some messages exist before the index does (loaded at start).
        await store.update((doc) => {
          for (let i = 0; i < before; i++) addReading(doc, `p${i}`, [i % 2 ? 'a' : 'b']);
        });
        const index = { a: new LineIndex(store, 'a'), b: new LineIndex(store, 'b') };
        try {
          // The worker does not look at its line after every change: check at random moments, and at the end.
          for (const [i, [o, look]] of ops.entries()) {
            await store.update((doc) => {
              if (o.type === 'enqueue') {
                const id = `r${n++}`;
                doc.readings[id] = {
                  reading: { id, deviceId: 'd', kind: 'scale', observedAt: '', receivedAt: '', observations: [], raw: '' },
                  status: 'queued',
                  holdReasons: [],
                  updatedAt: '',
                };
                enqueue(doc, { destinationId: o.dest, readingId: id, controlId: `${id}-${o.dest}`, body: 'MSH|', now: NOW });
              } else if (o.type === 'send') {
                const h = head(doc, o.dest);
                if (!h || h.state === 'sending') return;
                markSending(doc, h.id, NOW);
                if (o.result === 'delivered') markDelivered(doc, h.id, ack('AA', h.id), NOW);
                else if (o.result === 'dead') markDead(doc, h.id, 'AR', ack('AR', h.id), NOW);
                else markRetry(doc, h.id, 'AE', NOW, ack('AE', h.id), NOW);
              } else if (o.type === 'resendDead') {
                const dead = Object.values(doc.messages).find((m) => m.state === 'dead');
                if (dead) resend(doc, dead.id, NOW);
              } else {
                for (const m of Object.values(doc.messages)) if (m.state === 'delivered') delete doc.messages[m.id];
              }
            });
            if (!look && i < ops.length - 1) continue;
            for (const d of ['a', 'b'] as const) expect(index[d].head()?.id).toBe(head(store.data, d)?.id);
          }
        } finally {
          index.a.close();
          index.b.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('sees a message entered through update() at once, before its write is on disk', async () => {
    const { store } = await openTempStore();
    stores.push(store);
    const index = new LineIndex(store, 'ehr');
    const write = store.update((doc) => void addReading(doc, 'r1', ['ehr']));
    expect(index.head()?.id).toBe('r1-ehr');
    await write;
    index.close();
  });
});
