// "Retry now" on a destination: the head of the line waiting out its backoff goes at once; with
// nothing waiting there is nothing to do. The worker's status says whether the EHR was unreachable.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryWorker } from '../../../src/outbox/delivery-worker.ts';
import { History } from '../../../src/store/history.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import { ack, addReading, FakeSender, FaultyStateFile, openTempStore, sendError, tempDir, until } from './helpers.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

/** Ten minutes after an error answer, doubling: far longer than a test, so only retryNow() sends again in time. */
const LONG = { initialMs: 600_000, maxMs: 6_000_000, factor: 2 };

async function worker(reply: ConstructorParameters<typeof FakeSender>[0], store?: StateStore) {
  const dir = tempDir();
  const s = store ?? (await openTempStore()).store;
  if (!store) cleanup.push(() => s.close());
  const sender = new FakeSender(reply);
  const w = new DeliveryWorker({ destinationId: 'ehr', store: s, sender, history: new History(join(dir, 'history')), backoff: LONG, random: () => 0 });
  cleanup.unshift(() => w.stop());
  return { store: s, sender, w };
}

/** Resolves once `n` sends were made, or fails after `ms`: a retry that waits out its backoff must not pass. */
function within(p: Promise<void>, ms: number, what: string): Promise<void> {
  return Promise.race([p, new Promise<void>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms: ${what}`)), ms))]);
}

const waitingToRetry = (w: DeliveryWorker) => w.status.state === 'waiting' && w.status.nextAttemptAt !== undefined;

describe('retry now', () => {
  it('sends the head waiting out a ten-minute backoff at once', async () => {
    const { store, sender, w } = await worker((id, attempt) => (attempt === 1 ? ack('AE', id) : ack('AA', id)));
    expect(w.retryNow()).toBe(false); // not started
    w.start();
    await until(() => w.status.state === 'idle', 'idle');
    expect(w.retryNow()).toBe(false); // nothing waits
    expect(w.linkStatus.retryWaiting).toBe(false);
    await store.update((doc) => void addReading(doc, 'r1', ['ehr']));
    w.kick();
    await until(() => waitingToRetry(w), 'waiting after the error answer');
    expect(Date.parse(w.status.nextAttemptAt!) - Date.now()).toBeGreaterThan(500_000);
    expect(w.linkStatus).toMatchObject({ state: 'waiting', retryWaiting: true, unreachable: false });
    expect(w.retryNow()).toBe(true);
    await within(sender.sends(2), 1000, 'the second send');
    await until(() => w.status.delivered === 1, 'delivered');
    expect(w.status).toMatchObject({ queued: 0, unreachable: false });
  });

  it('a retry that fails again waits the initial delay, not a doubled one', async () => {
    const { store, sender, w } = await worker((id) => ack('AE', id));
    w.start();
    await store.update((doc) => void addReading(doc, 'r1', ['ehr']));
    w.kick();
    await until(() => waitingToRetry(w), 'waiting after the first AE');
    expect(w.retryNow()).toBe(true);
    await within(sender.sends(2), 1000, 'the retried send');
    await until(() => waitingToRetry(w) && store.data.messages[Object.keys(store.data.messages)[0]!]!.attempts === 2, 'waiting after the second AE');
    const wait = Date.parse(w.status.nextAttemptAt!) - Date.now();
    expect(wait).toBeGreaterThan(500_000);
    expect(wait).toBeLessThanOrEqual(LONG.initialMs);
  });

  it('says whether the last try could not connect', async () => {
    const { store, w } = await worker((id, attempt) => (attempt === 1 ? sendError('connect', 'ECONNREFUSED') : ack('AA', id)));
    w.start();
    await store.update((doc) => void addReading(doc, 'r1', ['ehr']));
    w.kick();
    await until(() => waitingToRetry(w), 'waiting after the failed connection');
    expect(w.status).toMatchObject({ queued: 1, unreachable: true, lastError: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('an error answer on a connection is not "unreachable"', async () => {
    const { store, w } = await worker((id) => ack('AE', id));
    w.start();
    await store.update((doc) => void addReading(doc, 'r1', ['ehr']));
    w.kick();
    await until(() => waitingToRetry(w), 'waiting after AE');
    expect(w.status.unreachable).toBe(false);
  });

  it('has nothing to retry while it pauses because state writes fail', async () => {
    const file = join(tempDir(), 'state.json');
    const adapter = await FaultyStateFile.open(file);
    const store = await StateStore.open(file, { adapter, retryMs: 600_000 });
    cleanup.push(() => store.close().catch(() => undefined));
    const { sender, w } = await worker((id) => ack('AA', id), store);
    w.start();
    await until(() => w.status.state === 'idle', 'idle');
    adapter.failAll = true;
    await store.update((doc) => void addReading(doc, 'r1', ['ehr'])).catch(() => undefined);
    w.kick();
    await until(() => waitingToRetry(w), 'pausing for the failed writes');
    expect(w.linkStatus.retryWaiting).toBe(false);
    expect(w.retryNow()).toBe(false);
    expect(sender.sent).toHaveLength(0);
    adapter.failAll = false;
  });
});
