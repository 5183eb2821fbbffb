// Configuration changes through the API on a running gateway process: validated like the file,
// written to the file, applied without a restart, and only the changed device's link restarts.

import net from 'node:net';
import { readFileSync } from 'node:fs';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import type { DestinationConfigView, DeviceView, GatewayEvent } from '../../../src/web/api-types.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { eventually } from '../../support/eventually.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { freePort } from '../../support/free-port.ts';

interface CountingServer {
  port: number;
  connections: number;
  close(): Promise<void>;
}

/** A device server (what a serial-to-Ethernet box looks like) that counts how often the gateway dials it. */
async function countingServer(): Promise<CountingServer> {
  const sockets = new Set<net.Socket>();
  const s: CountingServer = { port: 0, connections: 0, close: async () => undefined };
  const server = net.createServer((socket) => {
    s.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  s.port = (server.address() as net.AddressInfo).port;
  s.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return s;
}

function tcpDevice(id: string, port: number): DeviceConfigT {
  return { id, driver: 'ad-scale', label: id, transport: { type: 'tcp', mode: 'connect', host: '127.0.0.1', port } };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function gatewayWith(devices: DeviceConfigT[], dir = tempDir()): Promise<GatewayProcess> {
  const gw = await startGatewayProcess(gatewayConfig(dir, 9, devices), { dir });
  cleanups.push(() => gw.stop());
  return gw;
}

const device = async (gw: GatewayProcess, id: string) => (await gw.api<{ devices: DeviceView[] }>('GET', '/api/devices')).body.devices.find((d) => d.id === id);

describe('configuration through the API', () => {
  it('restarts only the edited device, writes the file, and the change survives a restart', async () => {
    const a = await countingServer();
    const b = await countingServer();
    cleanups.push(
      () => a.close(),
      () => b.close(),
    );
    const dir = tempDir();
    const gw = await gatewayWith([tcpDevice('scale-a', a.port), tcpDevice('scale-b', b.port)], dir);
    await eventually(async () => expect((await device(gw, 'scale-b'))?.link.state).toBe('connected'), 10_000);
    await eventually(async () => expect((await device(gw, 'scale-a'))?.link.state).toBe('connected'), 10_000);
    const bBefore = await device(gw, 'scale-b');

    const put = await gw.api<{ device: DeviceConfigT }>('PUT', '/api/config/devices/scale-a', {
      device: { ...tcpDevice('scale-a', a.port), label: 'Scale, room 7' },
    });
    expect(put.status).toBe(200);
    await eventually(() => expect(a.connections).toBe(2), 10_000);
    const bAfter = await device(gw, 'scale-b');
    expect(b.connections).toBe(1);
    expect(bAfter?.link.since).toBe(bBefore?.link.since);
    expect((await device(gw, 'scale-a'))?.label).toBe('Scale, room 7');

    const onDisk = JSON.parse(readFileSync(gw.configFile, 'utf8')) as { devices: DeviceConfigT[]; dataDir: string };
    expect(onDisk.devices.find((d) => d.id === 'scale-a')?.label).toBe('Scale, room 7');

    const added = await gw.api('POST', '/api/config/devices', {
      device: { id: 'scale-c', driver: 'ad-scale', transport: { type: 'serial', path: '/dev/medgate-no-such-port' } },
    });
    expect(added.status).toBe(201);
    await eventually(async () => expect((await device(gw, 'scale-c'))?.link.state).toBe('retrying'), 10_000);
    expect((await gw.api('DELETE', '/api/config/devices/scale-b')).status).toBe(204);
    expect(await device(gw, 'scale-b')).toBeUndefined();

    await gw.stop();
    const again = await startGatewayProcess(gatewayConfig(dir, 9, []), { dir, keepConfigFile: true });
    cleanups.push(() => again.stop());
    const ids = (await again.api<{ devices: DeviceView[] }>('GET', '/api/devices')).body.devices.map((d) => [d.id, d.label]);
    expect(ids).toEqual([
      ['scale-a', 'Scale, room 7'],
      ['scale-c', undefined],
    ]);
  });

  it('starts the embedded MQTT broker when the first MQTT device is added at run time', async () => {
    const dir = tempDir();
    const brokerPort = await freePort();
    const user = { username: 'cart', password: 'cart-password-1' };
    const gw = await startGatewayProcess(
      gatewayConfig(dir, 9, [], { mqtt: { embedded: { host: '127.0.0.1', port: brokerPort, users: [{ ...user, publish: ['clinic/vitals/bp1/reading'] }] } } }),
      { dir },
    );
    cleanups.push(() => gw.stop());
    const added = await gw.api('POST', '/api/config/devices', {
      device: { id: 'bp-mqtt', driver: 'mqtt-json', transport: { type: 'mqtt', topic: 'clinic/vitals/+/reading' } },
    });
    expect(added.status).toBe(201);
    await gw.waitForLog((l) => l.msg === 'embedded MQTT broker listening');
    const client = await connectAsync(`mqtt://127.0.0.1:${brokerPort}`, { ...user, protocolVersion: 4, reconnectPeriod: 0 });
    cleanups.push(() => client.endAsync());
    await client.publishAsync(
      'clinic/vitals/bp1/reading',
      JSON.stringify({
        device: 'SN-1',
        measurements: [
          { type: 'bp.systolic', value: 128, unit: 'mmHg' },
          { type: 'bp.diastolic', value: 82, unit: 'mmHg' },
        ],
      }),
      { qos: 1 },
    );
    await eventually(async () => expect((await device(gw, 'bp-mqtt'))?.counters.reports).toBe(1), 10_000);
  });

  it('refuses a bad device with each problem at its field, and changes nothing', async () => {
    const gw = await gatewayWith([]);
    const bad = await gw.api<{ message: string; problems: Array<{ path: string; message: string }> }>('POST', '/api/config/devices', {
      device: { id: 'bad id!', driver: 'ad-scale', transport: { type: 'serial', path: '' }, settings: { mode: 'sometimes' } },
    });
    expect(bad.status).toBe(400);
    const paths = bad.body.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['id', 'transport.path']));
    expect(bad.body.message).toContain('transport.path');
    expect(
      (await gw.api('POST', '/api/config/devices', { device: { id: 'x', driver: 'no-such-driver', transport: { type: 'serial', path: '/dev/x' } } })).body,
    ).toMatchObject({
      problems: [{ path: 'driver', message: expect.stringContaining('unknown driver "no-such-driver"') }],
    });
    expect((await gw.api('PUT', '/api/config/devices/ghost', { device: tcpDevice('ghost', 1) })).status).toBe(404);
    expect((await gw.api('PUT', '/api/config/devices/a', { device: tcpDevice('b', 1) })).status).toBe(400);
    expect((await gw.api<{ devices: unknown[] }>('GET', '/api/devices')).body.devices).toEqual([]);
  });

  it('never answers with a stored secret, and keeps it when an edit leaves it out', async () => {
    const gw = await gatewayWith([]);
    const secret = 'uplink-Secret-9f8e7d';
    const created = await gw.api<{ destination: DestinationConfigView }>('POST', '/api/config/destinations', {
      destination: { id: 'up', type: 'mqtt', url: 'mqtt://127.0.0.1:9', topic: 'medgate/{deviceId}', username: 'gw', password: secret },
    });
    expect(created.status).toBe(201);
    expect(created.body.destination.passwordSet).toBe(true);
    const edited = await gw.api('PUT', '/api/config/destinations/up', { destination: { ...created.body.destination, topic: 'clinic/{deviceId}' } });
    expect(edited.status).toBe(200);
    const file = JSON.parse(readFileSync(gw.configFile, 'utf8')) as { destinations: Array<{ id: string; password?: string; topic?: string }> };
    expect(file.destinations.find((d) => d.id === 'up')).toMatchObject({ password: secret, topic: 'clinic/{deviceId}' });

    const everything = await Promise.all(
      ['/api/config/destinations', '/api/destinations', '/api/devices', '/api/session', '/api/drivers', '/api/schemas', '/api/messages', '/api/audit'].map(
        async (p) => JSON.stringify((await gw.api('GET', p)).body),
      ),
    );
    for (const text of [...everything, JSON.stringify(created.body), JSON.stringify(edited.body)]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain(gw.token);
    }
  });

  it('streams configuration and link events to a listener', async () => {
    const a = await countingServer();
    cleanups.push(() => a.close());
    const gw = await gatewayWith([]);
    const controller = new AbortController();
    const res = await fetch(`${gw.url}/api/events`, { headers: { authorization: `Bearer ${gw.token}` }, signal: controller.signal });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const events: GatewayEvent[] = [];
    const reading = (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body!) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((l) => l.startsWith('data: '));
          if (data) events.push(JSON.parse(data.slice(6)) as GatewayEvent);
        }
      }
    })().catch(() => undefined);
    cleanups.push(async () => {
      controller.abort();
      await reading;
    });
    await gw.api('POST', '/api/config/devices', { device: tcpDevice('scale-a', a.port) });
    await eventually(() => {
      expect(events).toContainEqual({ type: 'config', what: 'device', id: 'scale-a', change: 'added' });
      expect(events.some((e) => e.type === 'link' && e.deviceId === 'scale-a' && e.link.state === 'connected')).toBe(true);
    }, 10_000);
  });
});
