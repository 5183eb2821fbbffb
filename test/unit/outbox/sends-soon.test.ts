// Whether a message just queued goes out at once (no "queued" event is spent on it then): not
// while the EHR cannot be reached, nor behind a line, nor before the worker runs.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryWorker } from '../../../src/outbox/delivery-worker.ts';
import { History } from '../../../src/store/history.ts';
import { ack, addReading, FakeSender, openTempStore, sendError, until } from './helpers.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(sender: FakeSender) {
  const { store, dir } = await openTempStore();
  cleanup.push(() => store.close());
  const worker = new DeliveryWorker({
    destinationId: 'ehr',
    store,
    history: new History(join(dir, 'history')),
    backoff: { initialMs: 60_000, maxMs: 60_000 },
    sender,
  });
  cleanup.unshift(() => worker.stop());
  return { store, worker };
}

describe('DeliveryWorker.sendsSoon', () => {
  it('says yes for an idle worker whose EHR answers, and no before it runs', async () => {
    const { store, worker } = await setup(new FakeSender());
    expect(worker.sendsSoon()).toBe(false);
    worker.start();
    await until(() => worker.status.state === 'idle', 'idle');
    await store.update((doc) => void addReading(doc, 'r1', ['ehr']));
    expect(worker.sendsSoon()).toBe(true);
  });

  it('says no while the EHR cannot be reached, and behind a line', async () => {
    const down = new FakeSender(() => sendError('connect', 'connection refused'));
    const { store, worker } = await setup(down);
    worker.start();
    await store.update((doc) => void addReading(doc, 'r1', ['ehr']));
    worker.kick();
    await until(() => worker.status.nextAttemptAt !== undefined, 'waiting out its backoff');
    expect(worker.sendsSoon()).toBe(false);

    // Holds its answers until the test lets them go.
    let held: Array<() => void> | undefined = [];
    const slow = new FakeSender((id) => (held ? new Promise((resolve) => held?.push(() => resolve(ack('AA', id)))) : ack('AA', id)));
    const { store: other, worker: busy } = await setup(slow);
    busy.start();
    await other.update((doc) => {
      for (let i = 0; i < 5; i++) addReading(doc, `q${i}`, ['ehr']);
    });
    busy.kick();
    await until(() => busy.status.state === 'sending', 'sending the first');
    expect(busy.sendsSoon()).toBe(false);
    for (const go of held.splice(0)) go();
    held = undefined;
  });
});
