// The MQTT uplink destination: which body a reading becomes, and the outcomes of real publishes to
// a local broker. A PUBACK is the whole answer: delivered carries no ACK, nothing is ever dead.

import { afterEach, describe, expect, it } from 'vitest';
import type { MqttDestinationConfig } from '../../../src/config/schema.ts';
import type { DestinationSender, EncodeContext } from '../../../src/destinations/adapter.ts';
import { mqttAdapter } from '../../../src/destinations/mqtt/index.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import { freePort, startBroker, subscribe } from '../../integration/uplink/broker.ts';
import { eventually } from '../../support/eventually.ts';
import { bp, patient } from '../uplink/fixtures.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function dest(extra: Partial<MqttDestinationConfig> = {}): MqttDestinationConfig {
  return { id: 'cloud', type: 'mqtt', url: 'mqtt://127.0.0.1:1', topic: 'clinic/{kind}/{deviceId}', ackTimeoutMs: 2000, ...extra };
}

function context(d: MqttDestinationConfig, controlId: string): EncodeContext<MqttDestinationConfig> {
  return { destination: d, controlId, now: new Date('2025-01-14T09:30:16.000Z'), gateway: { application: 'MEDGATE', facility: 'CLINIC' }, patient };
}

describe('MQTT encode', () => {
  it('sends medgate.reading/1 JSON by default and a FHIR transaction Bundle when the format says so', () => {
    const json = JSON.parse(mqttAdapter.encode(bp, context(dest(), 'J1')).body) as { schema: string; messageId: string };
    expect(json).toMatchObject({ schema: 'medgate.reading/1', messageId: 'J1' });
    const fhir = JSON.parse(mqttAdapter.encode(bp, context(dest({ format: 'fhir' }), 'F1')).body) as {
      resourceType: string;
      type: string;
      identifier: { value: string };
    };
    expect(fhir).toMatchObject({ resourceType: 'Bundle', type: 'transaction', identifier: { value: 'F1' } });
  });

  it('is pure: the same reading and context give the same bytes', () => {
    const d = dest({ format: 'fhir' });
    expect(mqttAdapter.encode(bp, context(d, 'P1')).body).toBe(mqttAdapter.encode(bp, context(d, 'P1')).body);
  });
});

describe('MQTT sender against a real broker', () => {
  async function open(d: MqttDestinationConfig): Promise<DestinationSender> {
    const sender = await mqttAdapter.open(d, { log: silentLogger });
    cleanup.push(() => sender.close());
    return sender;
  }

  it('a PUBACK is delivered with no HL7 ACK made up, and the body arrives as built', async () => {
    const broker = await startBroker();
    cleanup.push(() => broker.stop());
    const sub = await subscribe(broker.url, 'clinic/#');
    cleanup.push(() => sub.close());
    const d = dest({ url: broker.url });
    const body = mqttAdapter.encode(bp, context(d, 'U1')).body;
    const outcome = await (await open(d)).send({ controlId: 'U1', body });
    expect(outcome).toEqual({ kind: 'delivered' });
    await eventually(() => expect(sub.received).toEqual([{ topic: 'clinic/bp/bp-1', body, qos: 1 }]));
  });

  it('no broker is a connect retry; a body without a topic is a transient retry; neither rejects', async () => {
    const down = await open(dest({ url: `mqtt://127.0.0.1:${await freePort()}` }));
    expect(await down.send({ controlId: 'D1', body: mqttAdapter.encode(bp, context(dest(), 'D1')).body })).toMatchObject({ kind: 'retry', failure: 'connect' });
    const broker = await startBroker();
    cleanup.push(() => broker.stop());
    const up = await open(dest({ url: broker.url }));
    expect(await up.send({ controlId: 'X1', body: 'not json' })).toMatchObject({
      kind: 'retry',
      failure: 'transient',
      reason: expect.stringMatching(/^protocol: /),
    });
  });
});
