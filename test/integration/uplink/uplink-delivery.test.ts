// The uplink end to end: the real outbox (StateStore on disk + DeliveryWorker) and the real
// MqttSender, with the broker away while the messages are queued.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeliveryWorker, type DeliveryEventType } from '../../../src/outbox/delivery-worker.ts';
import { MqttSender } from '../../../src/destinations/mqtt/mqtt-sender.ts';
import { publishOutcomes } from '../../../src/destinations/mqtt/sender.ts';
import { enqueue } from '../../../src/outbox/outbox.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import type { StateDoc } from '../../../src/store/types.ts';
import { stateOnDisk } from '../../support/state-on-disk.ts';
import { uplinkBody } from '../../../src/uplink/body.ts';
import { eventually } from '../../support/eventually.ts';
import { bp, ctx, patient } from '../../unit/uplink/fixtures.ts';
import { freePort, startBroker, subscribe } from './broker.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const CLIENT_ID = 'medgate-e2e-uplink';

describe('MQTT uplink through the durable outbox', () => {
  it('five readings queued while the broker is down all arrive, in order, exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medgate-uplink-'));
    const file = join(dir, 'state.json');
    const store = await StateStore.open(file);
    cleanup.push(() => store.close());

    const port = await freePort();
    const sender = publishOutcomes(
      new MqttSender({ url: `mqtt://127.0.0.1:${port}`, topic: 'clinic/{kind}/{deviceId}', clientId: CLIENT_ID, connectTimeoutMs: 2000, ackTimeoutMs: 2000 }),
    );
    const events: Array<{ type: DeliveryEventType; controlId: string }> = [];
    const worker = new DeliveryWorker({
      destinationId: 'cloud',
      sender,
      store,
      backoff: { initialMs: 20, maxMs: 100 },
      onChange: ({ type, message }) => events.push({ type, controlId: message.controlId }),
    });
    cleanup.push(() => worker.stop());

    const controlIds = ['U1', 'U2', 'U3', 'U4', 'U5'];
    await store.update((doc: StateDoc) => {
      controlIds.forEach((controlId, i) => {
        const reading = { ...structuredClone(bp), id: `R${i + 1}` };
        doc.readings[reading.id] = { reading, status: 'queued', holdReasons: [], patient, updatedAt: ctx.now.toISOString() };
        const body = uplinkBody('json', { reading, patient }, { ...ctx, messageId: controlId });
        enqueue(doc, { destinationId: 'cloud', readingId: reading.id, controlId, body, now: ctx.now });
      });
    });
    const queuedBodies = controlIds.map((id) => store.data.messages[id]!.body);
    worker.start();

    // The worker keeps trying the head of the line while nobody listens.
    await eventually(() => expect(events.filter((e) => e.type === 'retry').length).toBeGreaterThanOrEqual(2));
    expect(events.every((e) => e.controlId === 'U1')).toBe(true);
    expect(store.data.messages.U1!.lastError).toMatch(/^connect: cannot connect/);

    // The broker comes back; the gateway is let in only once the subscriber listens.
    let open = false;
    const broker = await startBroker(
      {
        authenticate: (client, _u, _p, done) => {
          if (client.id === CLIENT_ID && !open) done(Object.assign(new Error('not yet'), { returnCode: 3 as const }), false);
          else done(null, true);
        },
      },
      port,
    );
    cleanup.push(() => broker.stop());
    const sub = await subscribe(broker.url, 'clinic/#');
    cleanup.push(() => sub.close());
    open = true;

    await eventually(() => expect(worker.status).toMatchObject({ queued: 0, delivered: 5 }), 10_000);
    await eventually(() => expect(sub.received).toHaveLength(5));
    expect(sub.received.map((r) => r.body)).toEqual(queuedBodies);
    expect(sub.received.map((r) => (JSON.parse(r.body) as { messageId: string }).messageId)).toEqual(controlIds);
    expect(new Set(sub.received.map((r) => r.topic))).toEqual(new Set(['clinic/bp/bp-1']));
    expect(events.filter((e) => e.type === 'delivered').map((e) => e.controlId)).toEqual(controlIds);

    await store.flush();
    const disk = stateOnDisk(file);
    // A PUBACK is no HL7 ACK: none is made up.
    for (const id of controlIds) {
      expect(disk.messages[id]).toMatchObject({ state: 'delivered' });
      expect(disk.messages[id]?.ack).toBeUndefined();
    }
    // Nothing more comes after the last delivery (no hidden queue flushing late duplicates).
    await sub.client.publishAsync('clinic/marker', 'end', { qos: 1 });
    await eventually(() => expect(sub.received.at(-1)?.topic).toBe('clinic/marker'));
    expect(sub.received).toHaveLength(6);
  });
});
