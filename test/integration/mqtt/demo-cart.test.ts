// The shipped demo's EKG cart on the embedded broker as the gateway sets it up: its user in
// config/demo.json may publish the cart's aECG (and only that), check-config has nothing to say
// about the broker, and the simulator picks the user allowed on its topic.

import { afterEach, describe, expect, it } from 'vitest';
import { runSimulator } from '../../../simulators/runner.ts';
import { configWarnings } from '../../../src/config/validate.ts';
import { simulatorTarget } from '../../../src/demo/simulator-target.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import { setUpMqtt } from '../../../src/transports/mqtt-setup.ts';
import { demoConfig } from '../../support/demo-config.ts';
import { eventually } from '../../support/eventually.ts';
import { tempDir } from '../../support/gateway-process.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('the demo EKG cart on the embedded broker', () => {
  it('publishes its aECG documents and they reach the device', async () => {
    const config = await demoConfig(tempDir());
    expect(configWarnings(config).filter((w) => w.path.startsWith('mqtt'))).toEqual([]);
    const mqtt = await setUpMqtt(config, silentLogger);
    if (!mqtt) throw new Error('the demo has an MQTT device: the broker should run');
    cleanups.push(() => mqtt.closeBroker());
    const cart = config.devices.find((d) => d.id === 'ekg-2')!;
    if (cart.transport.type !== 'mqtt') throw new Error('ekg-2 is the MQTT cart');
    const documents: string[] = [];
    // What the device's MQTT transport does at start.
    mqtt.connection.subscribe(cart.transport.topic, (_topic, payload, _meta, done) => {
      documents.push(payload.toString('utf8'));
      done();
    });
    mqtt.connection.start();
    cleanups.push(() => mqtt.connection.stop());

    const { link } = simulatorTarget(cart, { mqtt: config.mqtt });
    const sim = await runSimulator({ driver: 'ekg-aecg', ...link, count: 2, intervalMs: 50, seed: 7 });
    cleanups.push(() => sim.stop());
    await sim.done;
    await eventually(() => expect(documents).toHaveLength(2));
    for (const d of documents) expect(d).toContain('AnnotatedECG');
  });
});
