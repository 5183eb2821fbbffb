// The embedded broker (aedes) with the gateway's MqttConnection and MqttTransport over real sockets:
// authentication, delivery to the device transport, PUBACK only after `done`, redelivery of what was
// not done, and resubscription after the broker comes back without our session.

import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/model/logger.ts';
import { startEmbeddedBroker, type EmbeddedBroker } from '../../../src/transports/mqtt-broker.ts';
import { MqttConnection } from '../../../src/transports/mqtt-connection.ts';
import { MqttTransport } from '../../../src/transports/mqtt.ts';
import { eventually } from '../../support/eventually.ts';
import { capturingLogger, device, record } from './helpers.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const DEVICE_USER = { username: 'bp-monitor', password: 'correct horse battery', publish: ['#'] };
const GATEWAY_USER = { username: 'gateway', password: 'gateway-secret-42' };

/** `internal`: the gateway's own login, for a test that restarts the broker (random otherwise). */
async function broker(port = 0, lines?: string[], internal?: typeof GATEWAY_USER): Promise<EmbeddedBroker> {
  const b = await startEmbeddedBroker({
    port,
    users: [DEVICE_USER],
    internalCredentials: internal,
    deviceListens: () => true,
    log: lines ? capturingLogger(lines) : silentLogger,
  });
  cleanups.push(() => b.close());
  return b;
}

let clientSeq = 0;
function gatewayConnection(url: string, credentials: { username: string; password: string }, handlerTimeoutMs = 10_000): MqttConnection {
  const conn = new MqttConnection({
    url,
    ...credentials,
    clientId: `medgate-test-${process.pid}-${++clientSeq}`,
    log: silentLogger,
    backoff: { initialMs: 20, maxMs: 100 },
    handlerTimeoutMs,
  });
  cleanups.push(() => conn.stop());
  return conn;
}

async function publish(url: string, topic: string, text: string): Promise<void> {
  const d = await device(url, DEVICE_USER);
  await d.publishAsync(topic, text, { qos: 1 });
  await d.endAsync();
}

describe('embedded MQTT broker', () => {
  it('requires a configured username and password; logs refusals without the password', async () => {
    const lines: string[] = [];
    const b = await broker(0, lines);
    const url = `mqtt://127.0.0.1:${b.port}`;
    await expect(device(url, { username: DEVICE_USER.username, password: 'wrong password' })).rejects.toThrow(/Bad username or password/);
    await expect(device(url)).rejects.toThrow(/Bad username or password/);
    await expect(device(url, { username: DEVICE_USER.username })).rejects.toThrow(/Bad username or password/);
    await expect(device(url, { username: 'nobody', password: DEVICE_USER.password })).rejects.toThrow(/Bad username or password/);
    const ok = await device(url, DEVICE_USER);
    await ok.endAsync();
    const internal = await device(url, b.internalCredentials);
    await internal.endAsync();
    expect(b.internalCredentials.password.length).toBeGreaterThanOrEqual(24);

    const refusals = lines.filter((l) => l.includes('refused'));
    expect(refusals).toHaveLength(4);
    expect(refusals[0]).toContain('bp-monitor');
    expect(lines.join('\n')).not.toContain('wrong password');
    expect(lines.join('\n')).not.toContain(DEVICE_USER.password);
    expect(lines.join('\n')).not.toContain(b.internalCredentials.password);
  });

  it('a gateway connection with a wrong password keeps retrying and says why (no unhandled error)', async () => {
    const b = await broker();
    const conn = gatewayConnection(`mqtt://127.0.0.1:${b.port}`, { username: 'gateway', password: 'not it at all' });
    conn.start();
    await eventually(() => expect(conn.status.reconnects).toBeGreaterThanOrEqual(2));
    expect(conn.status.lastError).toMatch(/Bad username or password/);
    expect(conn.status.state).not.toBe('connected');
  });
});

describe('MqttConnection + MqttTransport on the embedded broker', () => {
  it('delivers publishes to the device transport and acknowledges them only after done()', async () => {
    const b = await broker();
    const url = `mqtt://127.0.0.1:${b.port}`;
    const conn = gatewayConnection(url, b.internalCredentials);
    const t = new MqttTransport({ connection: conn, topic: 'clinic/+/vitals', log: silentLogger });
    cleanups.push(() => t.stop());
    const r = record(t);
    t.start();
    conn.start();
    await eventually(() => expect(t.status.state).toBe('connected'));
    expect(r.opened.map((c) => c.id)).toEqual(['mqtt:clinic/+/vitals']);
    await expect(r.opened[0]!.write(Buffer.from('x'))).rejects.toThrow('MQTT devices are not written to');

    await publish(url, 'clinic/room1/vitals', 'first');
    await eventually(() => expect(r.received).toHaveLength(1));
    const first = r.received[0]!;
    expect(first.text).toBe('first');
    expect(first.meta.topic).toBe('clinic/room1/vitals');
    expect(first.meta.redelivered).toBe(false);
    expect(first.meta.receivedAt).toBeInstanceOf(Date);
    expect(first.conn).toBe(r.opened[0]);
    expect(conn.status.acknowledged).toBe(0);

    // Not stored: no PUBACK; the connection is dropped and the broker delivers it again.
    first.done(new Error('disk full'));
    await eventually(() => expect(r.received).toHaveLength(2));
    expect(r.received[1]!.text).toBe('first');
    expect(r.received[1]!.meta.redelivered).toBe(true);
    expect(conn.status.reconnects).toBeGreaterThanOrEqual(1);
    expect(conn.status.lastError).toMatch(/disk full/);
    expect(conn.status.acknowledged).toBe(0);
    r.received[1]!.done();
    await eventually(() => expect(conn.status.acknowledged).toBe(1));

    // Published while the gateway is away: the broker keeps our session and queues it.
    await conn.stop();
    await eventually(() => expect(t.status.state).toBe('stopped'));
    await publish(url, 'clinic/room2/vitals', 'while away');
    conn.start();
    await eventually(() => expect(r.received).toHaveLength(3));
    expect(r.received[2]!.text).toBe('while away');
    r.received[2]!.done();
    await publish(url, 'clinic/room3/vitals', 'last');
    await eventually(() => expect(r.received).toHaveLength(4));
    r.received[3]!.done();
    // The acknowledged "first" never came back.
    expect(r.received.map((m) => m.text)).toEqual(['first', 'first', 'while away', 'last']);
    expect(r.opened).toHaveLength(1);
  });

  it('redelivers a message whose done() never comes, after the handler timeout drops the link', async () => {
    const b = await broker();
    const url = `mqtt://127.0.0.1:${b.port}`;
    const conn = gatewayConnection(url, b.internalCredentials, 300);
    const t = new MqttTransport({ connection: conn, topic: 'ward/#', log: silentLogger });
    cleanups.push(() => t.stop());
    const r = record(t);
    t.start();
    conn.start();
    await eventually(() => expect(t.status.state).toBe('connected'));
    await publish(url, 'ward/7/spo2', 'stuck');
    await eventually(() => expect(r.received).toHaveLength(2), 5000);
    expect(r.received[1]!.meta.redelivered).toBe(true);
    expect(conn.status.lastError).toMatch(/not finished within 300 ms/);
    r.received[0]!.done(); // too late: the old link is gone, this must not PUBACK anything
    r.received[1]!.done();
    await eventually(() => expect(conn.status.acknowledged).toBe(1));
  });

  it('acknowledges only when every device on a matching filter is done; a stopped transport gets nothing', async () => {
    const b = await broker();
    const url = `mqtt://127.0.0.1:${b.port}`;
    const conn = gatewayConnection(url, b.internalCredentials);
    const a = new MqttTransport({ connection: conn, topic: 'lab/#', log: silentLogger });
    const c = new MqttTransport({ connection: conn, topic: 'lab/#', log: silentLogger });
    const other = new MqttTransport({ connection: conn, topic: 'other', log: silentLogger });
    for (const t of [a, c, other]) cleanups.push(() => t.stop());
    const ra = record(a);
    const rc = record(c);
    const ro = record(other);
    for (const t of [a, c, other]) t.start();
    conn.start();
    await eventually(() => expect(conn.status.state).toBe('connected'));

    await publish(url, 'lab/glucose', 'g1');
    await eventually(() => expect(ra.received.length + rc.received.length).toBe(2));
    ra.received[0]!.done();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(conn.status.acknowledged).toBe(0);
    rc.received[0]!.done();
    await eventually(() => expect(conn.status.acknowledged).toBe(1));

    await a.stop();
    await c.stop();
    expect(ra.closed).toEqual(['stopped']);
    await publish(url, 'lab/glucose', 'g2');
    await publish(url, 'other', 'o1');
    await eventually(() => expect(ro.received).toHaveLength(1));
    ro.received[0]!.done();
    expect(ra.received).toHaveLength(1);
    expect(rc.received).toHaveLength(1);
  });

  it('an invalid topic filter is a device error, not a crash', async () => {
    const b = await broker();
    const conn = gatewayConnection(`mqtt://127.0.0.1:${b.port}`, b.internalCredentials);
    const t = new MqttTransport({ connection: conn, topic: 'clinic/#/vitals', log: silentLogger });
    const r = record(t);
    t.start();
    expect(r.opened).toEqual([]);
    expect(t.status.state).toBe('stopped');
    expect(t.status.lastError).toMatch(/invalid MQTT topic filter: '#' must be a whole level and the last one/);
    expect(() => conn.subscribe('a/b+', () => undefined)).toThrow(/'\+' must be a whole level/);
  });

  it('acknowledges (and logs) a message left in our session for a topic no device takes any more', async () => {
    const b = await broker();
    const url = `mqtt://127.0.0.1:${b.port}`;
    const lines: string[] = [];
    const conn = new MqttConnection({
      url,
      ...b.internalCredentials,
      clientId: `medgate-stale-${process.pid}`,
      log: capturingLogger(lines),
      backoff: { initialMs: 20, maxMs: 100 },
    });
    cleanups.push(() => conn.stop());
    const removed = conn.subscribe('old/topic', () => undefined);
    conn.start();
    await eventually(() => expect(conn.status.state).toBe('connected'));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the SUBACK
    await conn.stop();
    removed(); // while away: the broker still holds the subscription in our session
    await publish(url, 'old/topic', 'orphan');
    conn.start();
    await eventually(() => expect(conn.status.acknowledged).toBe(1));
    expect(lines.some((l) => l.includes('no device subscribes') && l.includes('old/topic'))).toBe(true);
    expect(lines.join('\n')).not.toContain('orphan');
  });

  it('resubscribes after the broker restarts on the same port without our session', async () => {
    const first = await startEmbeddedBroker({ port: 0, users: [DEVICE_USER], internalCredentials: GATEWAY_USER, deviceListens: () => true, log: silentLogger });
    const port = first.port;
    const url = `mqtt://127.0.0.1:${port}`;
    const conn = gatewayConnection(url, GATEWAY_USER);
    const t = new MqttTransport({ connection: conn, topic: 'clinic/scale', log: silentLogger });
    cleanups.push(() => t.stop());
    const r = record(t);
    t.start();
    conn.start();
    await eventually(() => expect(t.status.state).toBe('connected'));
    await publish(url, 'clinic/scale', 'before');
    await eventually(() => expect(r.received).toHaveLength(1));
    r.received[0]!.done();
    await eventually(() => expect(conn.status.acknowledged).toBe(1));

    await first.close();
    await eventually(() => expect(t.status.state).toBe('retrying'));
    await broker(port, undefined, GATEWAY_USER); // in memory: the new broker knows nothing of our subscription
    await eventually(() => expect(t.status.state).toBe('connected'));
    // The SUBACK may trail the CONNACK: publish until the resubscription is in place.
    await eventually(async () => {
      if (r.received.length < 2) await publish(url, 'clinic/scale', 'after');
      expect(r.received.length).toBeGreaterThanOrEqual(2);
    });
    expect(r.received[1]!.text).toBe('after');
    expect(t.status.reconnects).toBeGreaterThanOrEqual(1);
    expect(r.opened).toHaveLength(1);
  });
});

describe('embedded broker with the gateway router', () => {
  it('acknowledges a device publish only once it is stored, and not at all when storing fails', async () => {
    const { startEmbeddedBroker } = await import('../../../src/transports/mqtt-broker.ts');
    const { EmbeddedRouter } = await import('../../../src/transports/mqtt-router.ts');
    const { silentLogger } = await import('../../../src/model/logger.ts');
    const { connectAsync } = await import('mqtt');
    const router = new EmbeddedRouter(silentLogger);
    const user = { username: 'dev', password: 'dev-password', publish: ['clinic/+/reading'] };
    const broker = await startEmbeddedBroker({ port: 0, users: [user], log: silentLogger, deviceListens: router.listens, onDevicePublish: router.deliver });
    const stored: string[] = [];
    let failNext = false;
    router.subscribe('clinic/+/reading', (_topic, payload, _meta, done) => {
      setTimeout(() => {
        if (failNext) {
          failNext = false;
          done(new Error('disk full'));
          return;
        }
        stored.push(payload.toString());
        done();
      }, 300);
    });
    router.start();
    const device = await connectAsync(`mqtt://127.0.0.1:${broker.port}`, {
      ...user,
      protocolVersion: 4,
      clean: false,
      clientId: 'bp-cuff-1',
      reconnectPeriod: 100,
    });
    device.on('error', () => undefined);
    try {
      const t0 = Date.now();
      await device.publishAsync('clinic/bp1/reading', 'one', { qos: 1 });
      expect(Date.now() - t0).toBeGreaterThanOrEqual(280); // the PUBACK waited for the store
      expect(stored).toEqual(['one']);

      // Storing fails: no PUBACK, the connection drops, the device sends it again, and it is stored once.
      failNext = true;
      await device.publishAsync('clinic/bp1/reading', 'two', { qos: 1 });
      expect(stored).toEqual(['one', 'two']);
    } finally {
      await device.endAsync(true);
      await router.stop();
      await broker.close();
    }
  });
});
