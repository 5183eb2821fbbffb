// Retries per link: the pure policy on a simulated clock, then the worker on a fake clock through a
// two-hour outage (real state file, scripted sender).

import { afterEach, describe, expect, it, vi } from 'vitest';
import { retryAfter } from '../../../src/destinations/adapter.ts';
import { DeliveryWorker } from '../../../src/outbox/delivery-worker.ts';
import { FRESH_LINK, linkEventOf, nextLink, PROBE_MAX_MS, type LinkEvent, type LinkState } from '../../../src/outbox/link-policy.ts';
import { backoffDelay } from '../../../src/transports/backoff.ts';
import { ack, addReading, FakeSender, openTempStore, sendError } from './helpers.ts';

const BACKOFF = { initialMs: 1000, maxMs: 60_000 };
const noJitter = () => 0;

/** Feeds events to the policy; returns the waits it chose. */
function run(events: LinkEvent[], from: LinkState = FRESH_LINK): { link: LinkState; waits: number[] } {
  let link = from;
  const waits: number[] = [];
  for (const e of events) {
    const next = nextLink(link, e, BACKOFF, noJitter);
    link = next.link;
    waits.push(next.waitMs);
  }
  return { link, waits };
}

describe('link policy (pure)', () => {
  it('probes an unreachable destination with exponential backoff capped at the probe cap (and at maxMs)', () => {
    const { waits } = run(Array<LinkEvent>(8).fill('unreachable'));
    expect(waits).toEqual([1000, 2000, 4000, PROBE_MAX_MS, PROBE_MAX_MS, PROBE_MAX_MS, PROBE_MAX_MS, PROBE_MAX_MS]);
    const short = { initialMs: 100, maxMs: 400 };
    expect([1, 2, 3, 4].map((k) => nextLink({ unreachable: k - 1, transient: 0 }, 'unreachable', short, noJitter).waitMs)).toEqual([100, 200, 400, 400]);
  });

  it('after a two-hour outage: the next message goes at once, and a transient failure waits the initial delay', () => {
    // Simulated clock: each probe happens when the previous wait is over.
    let clock = 0;
    let link = FRESH_LINK;
    while (clock < 2 * 3600_000) {
      const next = nextLink(link, 'unreachable', BACKOFF, noJitter);
      link = next.link;
      clock += next.waitMs;
    }
    expect(link.unreachable).toBeGreaterThan(100);
    // The probe that connects is the head's own send: its ACK ends the outage.
    const answered = nextLink(link, 'answered', BACKOFF, noJitter);
    expect(answered.waitMs).toBe(0);
    expect(answered.link).toEqual(FRESH_LINK);
    // An AE, a dropped connection or a missing ACK right after: the initial delay, not the cap.
    expect(nextLink(link, 'transient', BACKOFF, noJitter).waitMs).toBe(1000);
    expect(nextLink(answered.link, 'transient', BACKOFF, noJitter).waitMs).toBe(1000);
  });

  it('grows transient waits only with transient failures in a row on a link that connects, up to maxMs', () => {
    expect(run(Array<LinkEvent>(8).fill('transient')).waits).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]);
    expect(run(['transient', 'transient', 'answered', 'transient']).waits).toEqual([1000, 2000, 0, 1000]);
    // The link going away starts the probes afresh, and so does it coming back for transient failures.
    expect(run(['transient', 'transient', 'unreachable', 'unreachable', 'transient']).waits).toEqual([1000, 2000, 1000, 2000, 1000]);
  });

  it('a rejection (AR) is an answer: the link works, the next message goes at once', () => {
    expect(run(['unreachable', 'unreachable', 'answered']).waits).toEqual([1000, 2000, 0]);
  });

  it('tells a failure to connect from the other failures of a send', () => {
    const event = (err: unknown) => linkEventOf(retryAfter(err).failure);
    expect(event(sendError('connect'))).toBe('unreachable');
    for (const kind of ['closed', 'timeout', 'protocol'] as const) expect(event(sendError(kind))).toBe('transient');
    expect(event(new Error('odd'))).toBe('transient');
    expect(event('odd')).toBe('transient');
  });

  it('keeps jitter below the cap', () => {
    for (let n = 1; n < 40; n++) expect(backoffDelay(n, BACKOFF, () => 0.999)).toBeLessThanOrEqual(60_000);
  });
});

/** Lets the worker run on real I/O (the state file) while the fake clock stands still. */
async function settle(check: () => boolean, what: string): Promise<void> {
  const end = performance.now() + 5000;
  while (!check()) {
    if (performance.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe('DeliveryWorker on a fake clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('after a long outage sends the head on the probe that connects, retries a transient failure after initialMs, then the next at once', async () => {
    const { store } = await openTempStore();
    let up = false;
    let answeredSinceUp = 0;
    const sender = new FakeSender((id) => {
      if (!up) return sendError('connect', 'ECONNREFUSED 127.0.0.1:2575');
      // The first send after the EHR is back is answered AE.
      return answeredSinceUp++ === 0 ? ack('AE', id, { text: 'busy' }) : ack('AA', id);
    });
    await store.update((doc) => {
      addReading(doc, 'r1', ['ehr']);
      addReading(doc, 'r2', ['ehr']);
    });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const worker = new DeliveryWorker({ destinationId: 'ehr', sender, store, backoff: BACKOFF, random: noJitter });
    try {
      worker.start();
      const t0 = Date.now();
      const probes: number[] = [];
      // Two hours of a refused connection, probe after probe, each at the time the worker chose.
      const attempts = () => store.data.messages['r1-ehr']?.attempts ?? 0;
      // Counted before the timers move: the probe may go out while they do, in the same turn. The
      // loop ends with the worker waiting out its last backoff.
      let before = 0;
      for (;;) {
        await settle(
          () => attempts() > before && store.data.messages['r1-ehr']?.state === 'retry_wait' && worker.status.state === 'waiting',
          'a probe and its backoff',
        );
        probes.push(Date.now());
        if (Date.now() - t0 >= 2 * 3600_000) break;
        before = attempts();
        await vi.advanceTimersByTimeAsync(Date.parse(worker.status.nextAttemptAt!) - Date.now());
      }
      const gaps = probes.slice(1).map((t, i) => t - probes[i]!);
      expect(gaps.slice(0, 5)).toEqual([1000, 2000, 4000, PROBE_MAX_MS, PROBE_MAX_MS]);
      expect(Math.max(...gaps)).toBe(PROBE_MAX_MS);
      const r1 = store.data.messages['r1-ehr']!;
      expect(r1.attempts).toBe(sender.sent.length);
      expect(r1.lastError).toBe('connect: ECONNREFUSED 127.0.0.1:2575');
      expect(new Set(sender.sent.map((s) => s.controlId))).toEqual(new Set(['r1-ehr']));

      // The EHR is back: the next probe carries the head, which is answered AE.
      up = true;
      const beforeUp = sender.sent.length;
      await vi.advanceTimersByTimeAsync(Date.parse(worker.status.nextAttemptAt!) - Date.now());
      await settle(() => store.data.messages['r1-ehr']?.lastError === 'AE busy' && worker.status.state === 'waiting', 'the AE recorded');
      expect(sender.sent.length).toBe(beforeUp + 1);
      const afterAe = store.data.messages['r1-ehr']!;
      expect(Date.parse(afterAe.nextAttemptAt!) - Date.parse(afterAe.lastAttemptAt!)).toBe(1000);
      expect(afterAe.attempts).toBe(beforeUp + 1);

      // After the initial delay the head goes again (AA), and the next message follows on the same clock tick.
      await vi.advanceTimersByTimeAsync(1000);
      const at = Date.now();
      await settle(() => store.data.messages['r2-ehr']?.state === 'delivered', 'r2 delivered');
      expect(Date.now()).toBe(at);
      expect(sender.sent.slice(-3).map((s) => s.controlId)).toEqual(['r1-ehr', 'r1-ehr', 'r2-ehr']);
      expect(store.data.messages['r1-ehr']).toMatchObject({ state: 'delivered', attempts: beforeUp + 2 });
      expect(store.data.messages['r2-ehr']).toMatchObject({ state: 'delivered', attempts: 1 });
    } finally {
      vi.useRealTimers();
      await worker.stop();
      await store.close();
    }
  });
});
