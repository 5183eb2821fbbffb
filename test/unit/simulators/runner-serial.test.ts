// The runner over real transports: a socat pty pair (serial) and TCP both ways.

import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { SerialPort } from 'serialport';
import type { DeviceReport, DriverSession } from '../../../src/model/driver.ts';
import { runSimulator } from '../../../simulators/runner.ts';
import { openPtyPair, type PtyPair } from '../../support/pty.ts';
import { openDriverUnderTest } from '../../support/driver-under-test.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function openDriver(id: string, write: (b: Uint8Array) => void, settings: Record<string, unknown> = {}): { session: DriverSession; reports: DeviceReport[] } {
  const { session, reports } = openDriverUnderTest(id, write, { deviceId: 'under-test', settings });
  cleanups.push(() => session.close());
  return { session, reports };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('simulator runner', () => {
  it('drives the A&D driver through a socat pty pair', async () => {
    const pty: PtyPair = await openPtyPair();
    cleanups.push(() => pty.close());
    const port = new SerialPort({ path: pty.a, baudRate: 2400, dataBits: 7, parity: 'even', stopBits: 1, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
    cleanups.push(() => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())));
    const { session, reports } = openDriver('ad-scale', (b) => void port.write(Buffer.from(b)));
    port.on('data', (d: Buffer) => session.receive(d));

    const running = await runSimulator({ driver: 'ad-scale', serial: { path: pty.b }, count: 3, intervalMs: 60, seed: 42, faults: ['partial', 'unstable'] });
    cleanups.push(() => running.stop());
    await running.done;
    expect(running.sent).toBe(3);
    await until(() => reports.length >= 3, '3 readings');
    await new Promise((r) => setTimeout(r, 100));
    expect(reports).toHaveLength(3);
    for (const r of reports) expect(r.measurements[0]).toMatchObject({ type: 'weight', unit: 'kg' });
  });

  it('tcpListen: serves a polling gateway on an ephemeral port (Accutorr)', async () => {
    const running = await runSimulator({ driver: 'accutorr', tcpListen: { port: 0 }, count: 3, intervalMs: 80, seed: 3 });
    cleanups.push(() => running.stop());
    expect(running.port).toBeGreaterThan(0);
    const socket = net.connect({ host: '127.0.0.1', port: running.port ?? 0 });
    cleanups.push(() => void socket.destroy());
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    const { session, reports } = openDriver('accutorr', (b) => void socket.write(b), { pollIntervalMs: 50 });
    socket.on('data', (d) => session.receive(d));
    session.linkUp?.();
    await running.done;
    await until(() => reports.length >= 3, '3 NIBP readings');
    await new Promise((r) => setTimeout(r, 200)); // more polls: still no extra reading
    expect(reports).toHaveLength(3);
    for (const r of reports) expect(r.measurements.map((m) => m.type).slice(0, 3)).toEqual(['bp.systolic', 'bp.diastolic', 'bp.mean']);
  });

  it('tcpListen: the gateway reconnects and the device resumes on the new connection', async () => {
    const running = await runSimulator({ driver: 'tanita', tcpListen: { port: 0 }, count: 4, intervalMs: 100, seed: 9 });
    cleanups.push(() => running.stop());
    const connect = async () => {
      const socket = net.connect({ host: '127.0.0.1', port: running.port ?? 0 });
      cleanups.push(() => void socket.destroy());
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      const { session, reports } = openDriver('tanita', (b) => void socket.write(b));
      socket.on('data', (d) => session.receive(d));
      return { socket, reports };
    };
    const first = await connect();
    await until(() => first.reports.length >= 1, 'a first record');
    first.socket.destroy();
    const second = await connect();
    await running.done;
    await until(() => second.reports.length >= 1, 'a record on the second connection');
    expect(first.reports.length + second.reports.length).toBeLessThanOrEqual(4);
  });

  it('tcpConnect: retries until the gateway listens, then delivers', async () => {
    // Find a free port, then start listening on it only after the simulator began retrying.
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const address = probe.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const running = await runSimulator({ driver: 'generic-line', tcpConnect: { host: '127.0.0.1', port }, count: 3, intervalMs: 50, seed: 5 });
    cleanups.push(() => running.stop());
    await new Promise((r) => setTimeout(r, 150));
    expect(running.sent).toBe(0);

    const reports: DeviceReport[] = [];
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => {
      sockets.push(socket);
      const opened = openDriver('generic-line', (b) => void socket.write(b), {
        pattern: '^SPO2=(?<spo2>\\d{1,3}|-{3})\\s+HR=(?<hr>\\d{1,3}|-{3})[\\s*F]*$',
        fields: { spo2: { type: 'spo2', unit: '%', absent: ['---'] }, hr: { type: 'pulse.oximetry', unit: 'bpm', absent: ['---'] } },
      });
      opened.session.on('report', (r) => {
        reports.push(r);
      });
      socket.on('data', (d) => opened.session.receive(d));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          server.close(() => resolve());
        }),
    );
    await running.done;
    await until(() => reports.length >= 3, '3 oximeter readings');
    expect(reports).toHaveLength(3);
  });

  it('refuses an unknown driver and a missing transport', async () => {
    await expect(runSimulator({ driver: 'nope', tcpListen: { port: 0 } })).rejects.toThrow(/no simulator for driver "nope"/);
    await expect(runSimulator({ driver: 'ad-scale' })).rejects.toThrow(/exactly one of serial, tcpListen, tcpConnect/);
  });
});
