// The TCP transport against real sockets: dialing a device that is not there yet, redialing after
// it drops, and accepting several devices that dial in.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/model/logger.ts';
import { TcpTransport } from '../../../src/transports/tcp.ts';
import type { Connection } from '../../../src/transports/types.ts';
import { eventually } from '../../support/eventually.ts';
import { freePort } from '../../support/free-port.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function deviceServer(port: number): Promise<{ server: net.Server; sockets: net.Socket[] }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, sockets })));
}

describe('TcpTransport connect mode', () => {
  it('keeps dialing until the device listens, then carries bytes both ways, and redials after a drop', async () => {
    const port = await freePort();
    const t = new TcpTransport({ mode: 'connect', host: '127.0.0.1', port, backoff: { initialMs: 20, maxMs: 50 }, log: silentLogger });
    const data: string[] = [];
    const opened: Connection[] = [];
    t.on('data', (_c, chunk) => data.push(chunk.toString()));
    t.on('open', (c) => opened.push(c));
    t.start();
    cleanups.push(() => t.stop());
    await eventually(() => expect(t.status.state).toBe('retrying'));
    expect(t.status.lastError).toMatch(/ECONNREFUSED/);

    const dev = await deviceServer(port);
    cleanups.push(async () => {
      await t.stop(); // first, or it redials while the server closes
      for (const s of dev.sockets) s.destroy();
      await new Promise((r) => dev.server.close(() => r(undefined)));
    });
    await eventually(() => expect(opened).toHaveLength(1));
    expect(t.status.state).toBe('connected');
    dev.sockets[0]!.write('ST,GS,+0070.50kg\r\n');
    await opened[0]!.write(Buffer.from('P'));
    await eventually(() => expect(data.join('')).toBe('ST,GS,+0070.50kg\r\n'));
    expect(t.status.bytesIn).toBe(18);
    expect(t.status.bytesOut).toBe(1);

    dev.sockets[0]!.destroy();
    await eventually(() => expect(opened).toHaveLength(2));
    expect(t.status.reconnects).toBeGreaterThanOrEqual(2);
  });

  it('refuses a write on a closed connection with an error, never a crash', async () => {
    const port = await freePort();
    const dev = await deviceServer(port);
    cleanups.push(async () => {
      for (const s of dev.sockets) s.destroy();
      await new Promise((r) => dev.server.close(() => r(undefined)));
    });
    const t = new TcpTransport({ mode: 'connect', host: '127.0.0.1', port, backoff: { initialMs: 1000, maxMs: 1000 }, log: silentLogger });
    const opened: Connection[] = [];
    t.on('open', (c) => opened.push(c));
    t.start();
    cleanups.push(() => t.stop());
    await eventually(() => expect(opened).toHaveLength(1));
    await t.stop();
    await expect(opened[0]!.write(Buffer.from('x'))).rejects.toThrow(/closed/);
  });
});

describe('TcpTransport listen mode', () => {
  it('gives each device that dials in its own connection', async () => {
    const port = await freePort();
    const t = new TcpTransport({ mode: 'listen', host: '127.0.0.1', port, log: silentLogger });
    const byConn = new Map<string, string>();
    const closed: string[] = [];
    t.on('data', (c, chunk) => byConn.set(c.id, (byConn.get(c.id) ?? '') + chunk.toString()));
    t.on('closed', (c) => closed.push(c.id));
    t.start();
    cleanups.push(() => t.stop());
    await eventually(() => expect(t.status.state).toBe('listening'));
    const a = net.connect(port, '127.0.0.1');
    const b = net.connect(port, '127.0.0.1');
    await Promise.all([a, b].map((s) => new Promise((r) => s.once('connect', r))));
    a.write('from a');
    b.write('from b');
    await eventually(() => expect([...byConn.values()].sort()).toEqual(['from a', 'from b']));
    expect(t.status.connections).toBe(2);
    a.destroy();
    await eventually(() => expect(closed).toHaveLength(1));
    expect(t.status.connections).toBe(1);
    b.destroy();
    await eventually(() => expect(t.status.state).toBe('listening'));
  });
});

describe('TcpTransport stop', () => {
  it('abandons a dial in progress: no connection goes live after stop()', async () => {
    const port = await freePort();
    const dev = await deviceServer(port);
    cleanups.push(async () => {
      for (const s of dev.sockets) s.destroy();
      await new Promise((r) => dev.server.close(() => r(undefined)));
    });
    const t = new TcpTransport({ mode: 'connect', host: '127.0.0.1', port, log: silentLogger });
    const opened: Connection[] = [];
    t.on('open', (c) => opened.push(c));
    t.start();
    await t.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(opened).toHaveLength(0);
    expect(t.status.state).toBe('stopped');
    expect(dev.sockets.every((s) => s.destroyed || s.readyState !== 'open')).toBe(true);
  });
});
