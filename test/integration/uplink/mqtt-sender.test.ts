import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMqttSender, defaultClientId, MqttSender, type MqttSenderOptions } from '../../../src/destinations/mqtt/mqtt-sender.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import { readingMessage } from '../../../src/uplink/reading-json.ts';
import { eventually } from '../../support/eventually.ts';
import { bp, ctx, patient, scale } from '../../unit/uplink/fixtures.ts';
import { freePort, startBroker, subscribe } from './broker.ts';
import { writeSelfSignedCertificate } from '../../support/test-certificate.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

function track<T extends { stop(): Promise<void> } | { close(): Promise<void> }>(thing: T): T {
  cleanup.push(() => ('stop' in thing ? thing.stop() : thing.close()));
  return thing;
}

function sender(url: string, extra: Partial<MqttSenderOptions> = {}): MqttSender {
  return track(
    new MqttSender({
      url,
      topic: 'clinic/{kind}/{deviceId}',
      clientId: `medgate-test-${Math.random().toString(36).slice(2, 8)}`,
      ackTimeoutMs: 5000,
      connectTimeoutMs: 5000,
      ...extra,
    }),
  );
}

/** A JSON uplink body, its message id = control id. */
function body(id: string, reading = bp): string {
  return readingMessage({ reading, patient }, { ...ctx, messageId: id });
}

async function rejection(p: Promise<void>): Promise<Error & { kind?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { kind?: string };
  }
  throw new Error('expected the send to fail');
}

const ids = (xs: Array<{ body: string }>) => xs.map((x) => (JSON.parse(x.body) as { messageId: string }).messageId);

describe('MqttSender against a real broker', () => {
  it('publishes at QoS 1 on the topic filled from the body and resolves on the PUBACK', async () => {
    const broker = track(await startBroker());
    const sub = track(await subscribe(broker.url, 'clinic/#'));
    const s = sender(broker.url);
    const b1 = body('M1');
    const b2 = body('M2', scale);
    // Resolves with nothing: a PUBACK is no HL7 ACK.
    await expect(s.send(b1, 'M1')).resolves.toBeUndefined();
    await expect(s.send(b2, 'M2')).resolves.toBeUndefined();
    await eventually(() => expect(sub.received).toHaveLength(2));
    expect(sub.received).toEqual([
      { topic: 'clinic/bp/bp-1', body: b1, qos: 1 },
      { topic: 'clinic/scale/scale-1', body: b2, qos: 1 },
    ]);
    expect(s.state).toBe('connected');
  });

  it('broker down: rejects with kind connect and keeps nothing to publish later', async () => {
    const port = await freePort();
    const url = `mqtt://127.0.0.1:${port}`;
    const s = sender(url);
    const err = await rejection(s.send(body('DOWN1'), 'DOWN1'));
    expect(err.kind).toBe('connect');
    expect(err.message).toMatch(/cannot connect to mqtt:\/\/127\.0\.0\.1/);
    expect(s.state).toBe('idle');

    const broker = track(await startBroker({}, port));
    const sub = track(await subscribe(broker.url, 'clinic/#'));
    await s.send(body('UP2'), 'UP2');
    await s.send(body('UP3'), 'UP3');
    await eventually(() => expect(sub.received).toHaveLength(2));
    // Had mqtt.js kept DOWN1 offline, it would have gone out on connect, ahead of UP2.
    expect(ids(sub.received)).toEqual(['UP2', 'UP3']);
    // Only the outbox resends it, and then it arrives once.
    await s.send(body('DOWN1'), 'DOWN1');
    await eventually(() => expect(sub.received).toHaveLength(3));
    expect(ids(sub.received)).toEqual(['UP2', 'UP3', 'DOWN1']);
  });

  it('a broker that refuses the connection (bad credentials) is a connect failure', async () => {
    const broker = track(
      await startBroker({
        authenticate: (_client, username, password, done) => {
          const ok = username === 'gw' && password?.toString() === 'right';
          done(ok ? null : Object.assign(new Error('bad credentials'), { returnCode: 4 as const }), ok);
        },
      }),
    );
    const bad = sender(broker.url, { username: 'gw', password: 'wrong' });
    const err = await rejection(bad.send(body('A1'), 'A1'));
    expect(err.kind).toBe('connect');
    const good = sender(broker.url, { username: 'gw', password: 'right' });
    await expect(good.send(body('A2'), 'A2')).resolves.toBeUndefined();
  });

  it('no PUBACK in time: rejects with kind timeout, drops the connection, and the message is not resent behind the outbox back', async () => {
    const seen: string[] = [];
    const broker = track(
      await startBroker({
        authorizePublish: (_client, packet, callback) => {
          const id = (JSON.parse(packet.payload.toString()) as { messageId: string }).messageId;
          seen.push(id);
          if (id !== 'HELD') callback(null); // HELD: never authorized, so never acknowledged
        },
      }),
    );
    const sub = track(await subscribe(broker.url, 'clinic/#'));
    const s = sender(broker.url, { ackTimeoutMs: 300 });
    const err = await rejection(s.send(body('HELD'), 'HELD'));
    expect(err.kind).toBe('timeout');
    expect(err.message).toContain('no PUBACK for HELD within 300 ms');
    expect(s.state).toBe('idle');
    await expect(s.send(body('NEXT'), 'NEXT')).resolves.toBeUndefined();
    await eventually(() => expect(sub.received).toHaveLength(1));
    expect(ids(sub.received)).toEqual(['NEXT']);
    expect(seen).toEqual(['HELD', 'NEXT']); // the new connection did not carry HELD again
  });

  it('connection lost before the PUBACK: rejects with kind closed; the next send reconnects', async () => {
    const broker = track(
      await startBroker({
        authorizePublish: (client, packet, callback) => {
          if (packet.payload.toString().includes('"DROP"')) client?.conn.destroy();
          else callback(null);
        },
      }),
    );
    const s = sender(broker.url);
    await s.send(body('OK1'), 'OK1');
    const err = await rejection(s.send(body('DROP'), 'DROP'));
    expect(err.kind).toBe('closed');
    await expect(s.send(body('OK2'), 'OK2')).resolves.toBeUndefined();
  });

  it('after close(), send rejects with kind closed', async () => {
    const broker = track(await startBroker());
    const s = new MqttSender({ url: broker.url, topic: 'clinic/x', clientId: 'medgate-close-test' });
    await s.send(body('C1'), 'C1');
    await s.close();
    expect(s.state).toBe('closed');
    expect((await rejection(s.send(body('C2'), 'C2'))).kind).toBe('closed');
  });

  it('a body that cannot fill the topic is a protocol error, not a publish', async () => {
    const broker = track(await startBroker());
    const s = sender(broker.url);
    expect((await rejection(s.send('not json', 'X1'))).kind).toBe('protocol');
  });

  it('refuses a wildcard topic and a non-MQTT url at construction', () => {
    expect(() => new MqttSender({ url: 'mqtt://h', topic: 'a/+/b', clientId: 'x' })).toThrow('wildcard');
    expect(() => new MqttSender({ url: 'http://h', topic: 'a', clientId: 'x' })).toThrow('mqtt:// or mqtts://');
  });

  it('the default client id is stable per machine and destination, and short enough for any broker', () => {
    expect(defaultClientId('cloud', 'pi-1')).toBe(defaultClientId('cloud', 'pi-1'));
    expect(defaultClientId('cloud', 'pi-1')).not.toBe(defaultClientId('cloud', 'pi-2'));
    expect(defaultClientId('cloud', 'pi-1').length).toBeLessThanOrEqual(23);
  });

  it('a server that accepts TCP but never sends a CONNACK is a connect failure', async () => {
    const server = net.createServer(() => undefined);
    const sockets = new Set<net.Socket>();
    server.on('connection', (sock) => sockets.add(sock));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(async () => {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const s = sender(`mqtt://127.0.0.1:${(server.address() as AddressInfo).port}`, { connectTimeoutMs: 300 });
    const err = await rejection(s.send(body('N1'), 'N1'));
    expect(err.kind).toBe('connect');
    expect(err.message).toMatch(/connack/i);
  });

  describe('TLS (mqtts://)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medgate-mqtt-tls-'));
    writeSelfSignedCertificate(join(dir, 'key.pem'), join(dir, 'cert.pem'));
    const key = readFileSync(join(dir, 'key.pem'));
    const cert = readFileSync(join(dir, 'cert.pem'));
    rmSync(dir, { recursive: true, force: true });

    it('createMqttSender reads the CA file of the config and publishes over TLS', async () => {
      const broker = track(await startBroker({}, 0, { key, cert }));
      const sub = track(await subscribe(broker.url, 'clinic/#', { ca: cert }));
      const files = mkdtempSync(join(tmpdir(), 'medgate-mqtt-ca-'));
      cleanup.push(async () => rmSync(files, { recursive: true, force: true }));
      writeFileSync(join(files, 'ca.pem'), cert);
      const s = track(
        await createMqttSender(
          { id: 'cloud', type: 'mqtt', url: broker.url, topic: 'clinic/{deviceId}', ca: join(files, 'ca.pem'), ackTimeoutMs: 5000 },
          silentLogger,
        ),
      );
      await expect(s.send(body('T1'), 'T1')).resolves.toBeUndefined();
      await eventually(() => expect(ids(sub.received)).toEqual(['T1']));
      expect(sub.received[0]!.topic).toBe('clinic/bp-1');
    });

    it("an untrusted broker certificate is a 'connect' failure", async () => {
      const broker = track(await startBroker({}, 0, { key, cert }));
      const err = await rejection(sender(broker.url).send(body('T2'), 'T2'));
      expect(err.kind).toBe('connect');
      expect(err.message).toMatch(/self-signed|self signed/);
    });
  });
});
