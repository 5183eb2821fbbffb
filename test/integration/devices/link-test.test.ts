// The link test over real links: a socat pty pair, a TCP device server, ports that are not there.

import { afterEach, describe, expect, it } from 'vitest';
import net from 'node:net';
import { SerialPort } from 'serialport';
import { testLink } from '../../../src/devices/link-test.ts';
import { RequestError } from '../../../src/model/request-error.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import { openPtyPair } from '../../support/pty.ts';
import { freePort } from '../../support/free-port.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function openPort(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  cleanups.push(() => new Promise<void>((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve())));
  return port;
}

/** A port nothing listens on: bound, then released. */

describe('testLink', () => {
  it('sees what a device writes on the other end of a serial line', async () => {
    const pty = await openPtyPair();
    cleanups.push(() => pty.close());
    const device = await openPort(pty.b);
    const writer = setInterval(() => device.write(Buffer.from('SPO2=097 HR=072\r\n')), 100);
    cleanups.push(() => clearInterval(writer));

    const result = await testLink({ transport: { type: 'serial', path: pty.a }, seconds: 1, log: silentLogger });
    expect(result.opened).toBe(true);
    expect(result.error).toBeUndefined();
    expect(result.bytes).toBeGreaterThanOrEqual(17);
    const text = result.chunks.map((c) => c.text).join('');
    expect(text).toContain('SPO2=097 HR=072<0d><0a>');
    expect(result.chunks.map((c) => c.hex).join(' ')).toContain('0d 0a');

    // The test transport let go of the port: it can be opened again at once.
    const again = await openPort(pty.a);
    expect(again.isOpen).toBe(true);
  });

  it('sees what a TCP device server sends', async () => {
    const server = net.createServer((socket) => {
      socket.write(Buffer.from([0x02, 0x31, 0x48, 0x03]));
      const timer = setInterval(() => socket.write('ST,+00072.50  kg\r\n'), 100);
      socket.on('close', () => clearInterval(timer));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const { port } = server.address() as net.AddressInfo;

    const result = await testLink({ transport: { type: 'tcp', mode: 'connect', host: '127.0.0.1', port }, seconds: 1, log: silentLogger });
    expect(result.opened).toBe(true);
    expect(result.chunks[0]?.text.startsWith('<02>1H<03>')).toBe(true);
    expect(result.chunks.map((c) => c.text).join('')).toContain('ST,+00072.50  kg<0d><0a>');
    // Closed after the test: the server sees its connection go.
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => reject(new Error('test connection still open')), 5000);
      const poll = () => server.getConnections((_e, n) => (n === 0 ? (clearTimeout(deadline), resolve()) : setTimeout(poll, 20)));
      poll();
    });
  });

  it('listens for a device that dials in', async () => {
    const port = await freePort();
    const testing = testLink({ transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port }, seconds: 2, log: silentLogger });
    // Dial until the test listener is up.
    let client: net.Socket | undefined;
    for (let i = 0; i < 50 && !client; i++) {
      client = await new Promise<net.Socket | undefined>((resolve) => {
        const s = net.connect({ host: '127.0.0.1', port }, () => resolve(s));
        s.on('error', () => resolve(undefined));
      });
      if (!client) await new Promise((r) => setTimeout(r, 20));
    }
    if (!client) throw new Error('could not reach the test listener');
    cleanups.push(() => void client.destroy());
    client.write('H|\\^&|||analyzer\r');
    const done = await testing;
    expect(done.opened).toBe(true);
    expect(done.chunks.map((c) => c.text).join('')).toBe('H|\\^&|||analyzer<0d>');
  });

  it('says a serial port does not exist', async () => {
    const result = await testLink({ transport: { type: 'serial', path: '/dev/ttyUSB9' }, seconds: 1, log: silentLogger });
    expect(result).toEqual({ opened: false, error: '/dev/ttyUSB9: no such port', chunks: [], bytes: 0, truncated: false });
  });

  it('says a TCP device refused the connection', async () => {
    const port = await freePort();
    const result = await testLink({ transport: { type: 'tcp', mode: 'connect', host: '127.0.0.1', port }, seconds: 1, log: silentLogger });
    expect(result.opened).toBe(false);
    expect(result.error).toBe(`127.0.0.1:${port}: connection refused`);
  });

  it('says a serial port is in use', async () => {
    const pty = await openPtyPair();
    cleanups.push(() => pty.close());
    await openPort(pty.a);
    const result = await testLink({ transport: { type: 'serial', path: pty.a }, seconds: 1, log: silentLogger });
    expect(result.opened).toBe(false);
    expect(result.error).toMatch(/: port is in use/);
  });

  it('refuses MQTT and file links: those are tested on the running device', async () => {
    await expect(testLink({ transport: { type: 'mqtt', topic: 'a/+' }, seconds: 1, log: silentLogger })).rejects.toThrow(RequestError);
    await expect(testLink({ transport: { type: 'file', path: '/tmp' }, seconds: 1, log: silentLogger })).rejects.toThrow(/save the device first/);
  });
});
