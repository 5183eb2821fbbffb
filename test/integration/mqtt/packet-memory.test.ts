// mqtt-packet builds a table of 65,536 Buffers (6 MB) the first time it writes a packet unless told
// not to; the gateway's MQTT modules tell it before anything is written. A device connecting to the
// embedded broker and publishing (CONNACK, PUBACK written by the broker) must leave it unbuilt.

import { createRequire } from 'node:module';
import { connect } from 'mqtt';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/model/logger.ts';
import { startEmbeddedBroker } from '../../../src/transports/mqtt-broker.ts';

const numbers = createRequire(import.meta.url)('mqtt-packet/numbers.js') as { cache: Record<number, Buffer> };

describe("mqtt-packet's number table", () => {
  it('is never built by the broker or a client', async () => {
    const user = { username: 'cart', password: 'cart-password-1', publish: ['clinic/vitals/+/reading'] };
    const broker = await startEmbeddedBroker({ port: 0, users: [user], deviceListens: () => true, log: silentLogger });
    try {
      const client = connect(`mqtt://127.0.0.1:${broker.port}`, { ...user, protocolVersion: 4, reconnectPeriod: 0 });
      await new Promise<void>((resolve, reject) => client.once('connect', () => resolve()).once('error', reject));
      await client.publishAsync('clinic/vitals/bp1/reading', '{}', { qos: 1 });
      await client.endAsync();
      expect(Object.keys(numbers.cache)).toHaveLength(0);
    } finally {
      await broker.close();
    }
  });
});
