// Simulators started from the page (demo mode), over real TCP and a socat pty pair.

import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { SerialPort } from 'serialport';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import { SimulatorManager } from '../../../src/demo/simulators.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import { RequestError } from '../../../src/model/request-error.ts';
import type { SimulatorView } from '../../../src/web/api-types.ts';
import { eventually } from '../../support/eventually.ts';
import { openPtyPair } from '../../support/pty.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function manager(): { sims: SimulatorManager; changes: SimulatorView[] } {
  const changes: SimulatorView[] = [];
  const sims = new SimulatorManager({ log: silentLogger, onChange: (v) => changes.push(v) });
  cleanups.push(() => sims.stopAll());
  return { sims, changes };
}

/** A TCP server standing in for the gateway's listening transport; counts what arrives. */
async function countingServer(): Promise<{ port: number; bytes: () => number; text: () => string; connections: () => number }> {
  const chunks: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const { port } = server.address() as net.AddressInfo;
  const all = () => Buffer.concat(chunks);
  return { port, bytes: () => all().length, text: () => all().toString('latin1'), connections: () => sockets.size };
}

const tcpDevice = (id: string, mode: 'connect' | 'listen', port: number, driver = 'generic-line'): DeviceConfigT => ({
  id,
  driver,
  transport: { type: 'tcp', mode, host: '127.0.0.1', port },
});

describe('SimulatorManager', () => {
  it('dials a device that the gateway listens for, counts what it sends, and stops', async () => {
    const { sims, changes } = manager();
    const server = await countingServer();
    const device = tcpDevice('oxi-1', 'listen', server.port);
    expect(sims.list([device])).toEqual([
      { deviceId: 'oxi-1', driver: 'generic-line', running: false, sent: 0, needsSerialPath: false, target: `tcp 127.0.0.1:${server.port}` },
    ]);

    const started = await sims.start(device, { intervalMs: 50 });
    expect(started).toMatchObject({ deviceId: 'oxi-1', running: true, target: `tcp 127.0.0.1:${server.port}` });
    await eventually(() => expect(server.text()).toMatch(/SPO2=\d{3} HR=\d{3}.*\r\n[\s\S]*SPO2=/));
    await expect(sims.start(device, {})).rejects.toMatchObject({ status: 409 });
    expect(sims.list([device])[0]?.sent).toBeGreaterThanOrEqual(2);

    const stopped = await sims.stop('oxi-1');
    expect(stopped?.running).toBe(false);
    expect(stopped?.sent).toBeGreaterThanOrEqual(2);
    await eventually(() => expect(server.connections()).toBe(0));
    const after = server.bytes();
    await new Promise((r) => setTimeout(r, 200));
    expect(server.bytes()).toBe(after);
    expect(changes.map((c) => c.running)).toEqual([true, false]);
  });

  it('listens for a gateway that dials the device, on the port the demo entry gives', async () => {
    const { sims } = manager();
    const device = tcpDevice('scale-1', 'connect', 4999, 'ad-scale');
    const view = await sims.start(device, { demo: { device: 'scale-1', tcpListen: { port: 0 } }, intervalMs: 50 });
    const port = Number(view.target?.split(':')[1]);
    expect(port).toBeGreaterThan(0);
    expect(port).not.toBe(4999);
    const received: Buffer[] = [];
    const client = net.connect({ host: '127.0.0.1', port });
    client.on('data', (d) => received.push(d));
    cleanups.push(() => void client.destroy());
    await eventually(() => expect(Buffer.concat(received).toString('latin1')).toMatch(/kg\r\n/));
  });

  it('ends by itself after count readings and says so', async () => {
    const { sims, changes } = manager();
    const server = await countingServer();
    const device = tcpDevice('oxi-2', 'listen', server.port);
    await sims.start(device, { count: 2, intervalMs: 50 });
    await eventually(() => expect(changes.at(-1)?.running).toBe(false), 10_000);
    expect(changes.at(-1)).toMatchObject({ deviceId: 'oxi-2', running: false, sent: 2 });
    expect(changes.at(-1)?.error).toBeUndefined();
    expect(server.text().match(/SPO2=/g)).toHaveLength(2);
    // Ended: it can be started again.
    const again = await sims.start(device, { count: 1, intervalMs: 50 });
    expect(again).toMatchObject({ running: true, sent: 0 });
  });

  it('writes a serial device to the other end of a pty pair', async () => {
    const { sims } = manager();
    const pty = await openPtyPair();
    cleanups.push(() => pty.close());
    const gatewaySide = new SerialPort({ path: pty.a, baudRate: 9600, autoOpen: false });
    await new Promise<void>((resolve, reject) => gatewaySide.open((err) => (err ? reject(err) : resolve())));
    cleanups.push(() => new Promise<void>((resolve) => (gatewaySide.isOpen ? gatewaySide.close(() => resolve()) : resolve())));
    const received: Buffer[] = [];
    gatewaySide.on('data', (d: Buffer) => received.push(d));

    const device: DeviceConfigT = { id: 'oxi-3', driver: 'generic-line', transport: { type: 'serial', path: pty.a } };
    expect(sims.list([device])[0]).toMatchObject({ needsSerialPath: true, running: false });
    await expect(sims.start(device, {})).rejects.toThrow(RequestError);
    const view = await sims.start(device, { serialPath: pty.b, intervalMs: 50, count: 2 });
    expect(view).toMatchObject({ running: true, target: `serial ${pty.b}`, needsSerialPath: true });
    await eventually(() =>
      expect(
        Buffer.concat(received)
          .toString('latin1')
          .match(/SPO2=\d{3} HR=\d{3}/g),
      ).toHaveLength(2),
    );
    await eventually(() => expect(sims.list([device])[0]).toMatchObject({ running: false, sent: 2 }), 10_000);
  });

  it('refuses what it cannot simulate and says why a start failed', async () => {
    const { sims, changes } = manager();
    const noSim: DeviceConfigT = { id: 'x', driver: 'no-such-driver', transport: { type: 'tcp', mode: 'listen', port: 4000 } };
    expect(sims.list([noSim])).toEqual([]);
    const err = await sims.start(noSim, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestError);
    expect((err as RequestError).status).toBe(404);

    const file: DeviceConfigT = { id: 'ekg', driver: 'ekg-aecg', transport: { type: 'file', path: '/tmp/ekg' } };
    await expect(sims.start(file, {})).rejects.toThrow(/file transport is not supported/);
    const mqttDevice: DeviceConfigT = { id: 'mon', driver: 'mqtt-json', transport: { type: 'mqtt', topic: 'v/+' } };
    await expect(sims.start(mqttDevice, {})).rejects.toThrow(/no broker is configured/);

    const serial: DeviceConfigT = { id: 'oxi-4', driver: 'generic-line', transport: { type: 'serial', path: '/dev/ttyUSB0' } };
    await expect(sims.start(serial, { serialPath: '/dev/ttyUSB9' })).rejects.toThrow(
      'the simulator of device "oxi-4" (serial /dev/ttyUSB9) could not start: no such port',
    );
    expect(sims.list([serial])[0]).toMatchObject({ running: false, error: 'could not start: no such port' });
    expect(changes.at(-1)).toMatchObject({ deviceId: 'oxi-4', running: false, error: 'could not start: no such port' });
    expect(await sims.stop('never-started')).toBeUndefined();
  });
});
