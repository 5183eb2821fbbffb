// The outbox facts kept as the store changes must be the facts a full pass finds, through every kind
// of change the outbox sees: queued, sent, retried, refused, resent (older than the line's head),
// delivered and archived, a reading discarded with its messages; and for a document opened with
// messages already in it.

import { describe, expect, it } from 'vitest';
import { OutboxTally } from '../../../src/metrics/outbox-tally.ts';
import { outboxFacts } from '../../../src/metrics/outbox-facts.ts';
import { markDead, markDelivered, markRetry, markSending, resend } from '../../../src/outbox/outbox.ts';
import type { StateStore } from '../../../src/store/state-store.ts';
import { addReading, openTempStore } from '../outbox/helpers.ts';

const DESTINATIONS = ['ehr', 'lab'];
const full = (store: StateStore) => outboxFacts(Object.values(store.data.messages), DESTINATIONS);

/** A small deterministic random source (a linear congruential generator), so a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('outbox tally', () => {
  it('agrees with a full pass after each of 600 random outbox changes', async () => {
    const { store } = await openTempStore();
    try {
      await store.update((doc) => void addReading(doc, 'pre-1', DESTINATIONS, new Date('2026-01-01T08:00:00Z')));
      const tally = new OutboxTally(store);
      expect(tally.facts(DESTINATIONS)).toEqual(full(store));
      const random = lcg(14);
      const pick = <T>(xs: readonly T[]): T | undefined => xs[Math.floor(random() * xs.length)];
      let clock = Date.parse('2026-01-01T09:00:00Z');
      for (let step = 0; step < 600; step++) {
        clock += 1000;
        const now = new Date(clock);
        const messages = Object.values(store.data.messages);
        const r = random();
        await store.update((doc) => {
          if (r < 0.3 || messages.length === 0) {
            addReading(doc, `r${step}`, random() < 0.5 ? DESTINATIONS : ['ehr'], now);
          } else if (r < 0.45) {
            const m = pick(messages.filter((x) => x.state === 'queued' || x.state === 'retry_wait'));
            if (m) markSending(doc, m.id, now);
          } else if (r < 0.6) {
            const m = pick(messages.filter((x) => x.state === 'sending'));
            if (m) markRetry(doc, m.id, 'AE', new Date(clock + 60_000), undefined, now);
          } else if (r < 0.7) {
            const m = pick(messages.filter((x) => x.state === 'sending'));
            if (m) markDead(doc, m.id, 'AR', undefined, now);
          } else if (r < 0.8) {
            const m = pick(messages.filter((x) => x.state === 'dead'));
            if (m) resend(doc, m.id, now); // keeps its creation time: older than the head
          } else if (r < 0.92) {
            const m = pick(messages.filter((x) => x.state === 'sending'));
            if (m) markDelivered(doc, m.id, undefined, now);
          } else {
            // Archived, or a held reading discarded: its messages leave the document.
            const m = pick(messages.filter((x) => x.state === 'delivered' || x.state === 'dead'));
            if (m) delete doc.messages[m.id];
          }
        });
        expect(tally.facts(DESTINATIONS), `after step ${step}`).toEqual(full(store));
      }
      expect(Object.keys(store.data.messages).length).toBeGreaterThan(50);
      tally.close();
    } finally {
      await store.close();
    }
  });
});
