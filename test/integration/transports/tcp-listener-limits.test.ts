// A device listener as a hostile neighbour meets it: a peer not on the allow list is closed at
// accept (nothing it sends reaches the driver), connections past maxConnections are closed at once,
// a silent one is closed after idleTimeoutMs, a peer that never reads its ACKs is cut off, and TLS
// with client certificates lets only a peer with a certificate the CA signed in.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { findDriver } from '../../../drivers/index.ts';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import { DeviceRunner } from '../../../src/devices/device-runner.ts';
import { DEFAULT_MAX_FRAME_BYTES } from '../../../src/mllp/framing.ts';
import type { Driver } from '../../../src/model/driver.ts';
import { silentLogger, type Logger } from '../../../src/model/logger.ts';
import { TcpTransport, type TcpTransportOptions } from '../../../src/transports/tcp.ts';
import type { Connection } from '../../../src/transports/types.ts';
import { eventually } from '../../support/eventually.ts';
import { memoryResends } from '../../support/resend-memory.ts';
import { writeSelfSignedCertificate } from '../../support/test-certificate.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function recording(lines: Array<{ level: string; msg: string; fields: object }>): Logger {
  const at =
    (level: string) =>
    (a: string | object, b?: string): void => {
      lines.push(typeof a === 'string' ? { level, msg: a, fields: {} } : { level, msg: b ?? '', fields: a });
    };
  const log: Logger = { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug'), child: () => log };
  return log;
}

async function listening(opts: Partial<TcpTransportOptions>): Promise<{ t: TcpTransport; port: number; data: string[]; opened: Connection[] }> {
  const t = new TcpTransport({ mode: 'listen', host: '127.0.0.1', port: 0, log: silentLogger, ...opts });
  const data: string[] = [];
  const opened: Connection[] = [];
  t.on('data', (_c, chunk) => data.push(chunk.toString()));
  t.on('open', (c) => opened.push(c));
  t.start();
  cleanups.push(() => t.stop());
  await eventually(() => expect(t.status.state).toBe('listening'));
  return { t, port: t.boundPort!, data, opened };
}

/** Connects and resolves when the gateway has closed the connection (or after `waitMs`, still open). */
function connectAndWatch(port: number, opts: { localAddress?: string; send?: string } = {}): { socket: net.Socket; closed: Promise<number> } {
  const started = Date.now();
  const socket = net.connect({ port, host: '127.0.0.1', ...(opts.localAddress ? { localAddress: opts.localAddress } : {}) });
  socket.on('error', () => undefined);
  if (opts.send) socket.once('connect', () => socket.write(opts.send!));
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
  cleanups.push(() => {
    socket.destroy();
  });
  return { socket, closed };
}

describe('device listener limits', () => {
  it('closes a peer that is not on the allow list at accept, logs it, and lets an allowed one in', async () => {
    const lines: Array<{ level: string; msg: string; fields: object }> = [];
    // 127.0.0.2 is loopback too (127.0.0.0/8), a second address on the same machine.
    const { data, opened, t } = await listening({ limits: { allow: ['127.0.0.1'] }, log: recording(lines) });
    const stranger = connectAndWatch(t.boundPort!, { localAddress: '127.0.0.2', send: 'ST,GS,+0200.00kg\r\n' });
    await stranger.closed;
    expect(opened).toHaveLength(0);
    expect(data).toEqual([]);
    expect(lines).toContainEqual({ level: 'warn', msg: 'connection refused', fields: { reason: 'not in allow list', refused: 1, lastRemote: '127.0.0.2' } });

    connectAndWatch(t.boundPort!, { send: 'ST,GS,+0070.50kg\r\n' });
    await eventually(() => expect(data.join('')).toBe('ST,GS,+0070.50kg\r\n'));
    expect(opened).toHaveLength(1);
  });

  it('an allow list without 127.0.0.1 refuses every local peer', async () => {
    const { opened, t } = await listening({ limits: { allow: ['10.1.2.0/24'] } });
    const peers = [connectAndWatch(t.boundPort!), connectAndWatch(t.boundPort!)];
    await Promise.all(peers.map((p) => p.closed));
    expect(opened).toHaveLength(0);
  });

  it('closes connections past maxConnections (default 2) at once and keeps the first ones', async () => {
    const lines: Array<{ level: string; msg: string; fields: object }> = [];
    const { opened, t } = await listening({ log: recording(lines) });
    const first = [connectAndWatch(t.boundPort!), connectAndWatch(t.boundPort!)];
    await eventually(() => expect(opened).toHaveLength(2));
    const extra = Array.from({ length: 20 }, () => connectAndWatch(t.boundPort!));
    const after = await Promise.all(extra.map((p) => p.closed));
    // No idle timeout by default and a minute for a peer that never sends: seconds is at accept.
    expect(Math.max(...after)).toBeLessThan(5000);
    expect(opened).toHaveLength(2);
    expect(t.status.connections).toBe(2);
    expect(first.every((p) => !p.socket.destroyed)).toBe(true);
    // A flood is one line (and a summary later), not one line per connection.
    expect(lines.filter((l) => /refused/.test(l.msg))).toHaveLength(1);
  });

  it('closes a connection that stays silent for idleTimeoutMs, and keeps one that talks', async () => {
    const { t, opened } = await listening({ limits: { idleTimeoutMs: 300 } });
    const silent = connectAndWatch(t.boundPort!);
    const talking = connectAndWatch(t.boundPort!);
    const chatter = setInterval(() => talking.socket.write('x'), 100);
    cleanups.push(() => clearInterval(chatter));
    const lasted = await silent.closed;
    expect(lasted).toBeGreaterThanOrEqual(250);
    expect(lasted).toBeLessThan(3000);
    await new Promise((r) => setTimeout(r, 500));
    expect(talking.socket.destroyed).toBe(false);
    expect(opened).toHaveLength(2);
  });

  it('cuts off a peer that does not read what the gateway writes, instead of buffering without end', async () => {
    const { opened, t } = await listening({});
    const peer = connectAndWatch(t.boundPort!);
    peer.socket.pause(); // never reads
    await eventually(() => expect(opened).toHaveLength(1));
    const chunk = Buffer.alloc(256 * 1024, 0x06);
    let refused: unknown;
    // Not awaited: a write resolves once the peer took it, which this one never does.
    for (let i = 0; i < 40; i++) {
      opened[0]!.write(chunk).catch((err: unknown) => {
        refused ??= err;
      });
      await new Promise((r) => setTimeout(r, 5));
    }
    await eventually(() => expect(refused).toBeDefined());
    expect(String(refused)).toMatch(/does not read/);
    await eventually(() => expect(t.status.connections).toBe(0));
  });

  it('cuts off an analyzer peer whose MLLP frame grows past the frame limit', async () => {
    const lines: Array<{ level: string; msg: string; fields: object }> = [];
    const device: DeviceConfigT = { id: 'chem-1', driver: 'hl7-analyzer', transport: { type: 'tcp', mode: 'listen', port: 0 } };
    const transport = new TcpTransport({ mode: 'listen', host: '127.0.0.1', port: 0, log: recording(lines) });
    const runner = new DeviceRunner({
      device,
      driver: findDriver('hl7-analyzer') as Driver,
      transport,
      log: silentLogger,
      accept: async () => 'R1',
      resends: memoryResends(),
    });
    runner.start();
    cleanups.push(() => runner.stop());
    const port = await eventually(() => transport.boundPort ?? Promise.reject(new Error('not listening yet')));
    const peer = connectAndWatch(port);
    await new Promise((r) => peer.socket.once('connect', r));
    // A start byte and then more than any message may be, never an end.
    peer.socket.write(Buffer.from([0x0b]));
    const piece = Buffer.alloc(1024 * 1024, 0x41);
    let sent = 0;
    while (sent <= DEFAULT_MAX_FRAME_BYTES + piece.length && !peer.socket.destroyed) {
      if (!peer.socket.write(piece)) await new Promise((r) => setTimeout(r, 2));
      sent += piece.length;
    }
    await peer.closed;
    expect(lines).toContainEqual({
      level: 'warn',
      msg: 'closing a device connection',
      fields: { remote: expect.any(String), reason: `MLLP frame over ${DEFAULT_MAX_FRAME_BYTES} bytes` },
    });
    await eventually(() => expect(transport.status.connections).toBe(0));
  });

  describe('TLS with client certificates', () => {
    function certificate(dir: string, name: string): { cert: string; key: string } {
      writeSelfSignedCertificate(join(dir, `${name}.key`), join(dir, `${name}.pem`), name);
      return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) };
    }

    it('lets in the device whose certificate the CA file holds, and no one else', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'medgate-device-tls-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const server = certificate(dir, 'gateway');
      const device = certificate(dir, 'analyzer');
      const stranger = certificate(dir, 'stranger');
      const { data, t } = await listening({ tls: { certFile: server.cert, keyFile: server.key, caFile: device.cert, requestCert: true } });

      const dial = (client?: { cert: string; key: string }): Promise<'open' | 'refused'> =>
        new Promise((resolve) => {
          const s = tls.connect({
            port: t.boundPort!,
            host: '127.0.0.1',
            ca: execFileSync('cat', [server.cert]),
            ...(client ? { cert: execFileSync('cat', [client.cert]), key: execFileSync('cat', [client.key]) } : {}),
          });
          cleanups.push(() => {
            s.destroy();
          });
          s.on('error', () => resolve('refused'));
          s.on('close', () => resolve('refused'));
          // TLS 1.3: the server's verdict on the client certificate arrives after the client's handshake ends.
          s.once('secureConnect', () => {
            s.write('ST,GS,+0070.50kg\r\n');
            setTimeout(() => resolve(s.destroyed ? 'refused' : 'open'), 2000);
          });
        });
      expect(await dial(device)).toBe('open');
      await eventually(() => expect(data.join('')).toBe('ST,GS,+0070.50kg\r\n'));
      expect(await dial()).toBe('refused');
      expect(await dial(stranger)).toBe('refused');
      expect(data.join('')).toBe('ST,GS,+0070.50kg\r\n');
    });

    it('over TLS too, keeps a device that has talked past silentTimeoutMs and closes one that never sent', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'medgate-tls-silent-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const server = certificate(dir, 'gateway');
      const { data, t } = await listening({ limits: { silentTimeoutMs: 400 }, tls: { certFile: server.cert, keyFile: server.key } });
      const open = (): Promise<tls.TLSSocket> =>
        new Promise((resolve) => {
          const s = tls.connect({ port: t.boundPort!, host: '127.0.0.1', ca: execFileSync('cat', [server.cert]) }, () => resolve(s));
          s.on('error', () => undefined);
          cleanups.push(() => {
            s.destroy();
          });
        });
      const talker = await open();
      const mute = await open();
      const muteClosed = new Promise((r) => mute.once('close', r));
      talker.write('ST,GS,+0070.50kg\r\n');
      await eventually(() => expect(data.join('')).toBe('ST,GS,+0070.50kg\r\n'));
      await muteClosed;
      await new Promise((r) => setTimeout(r, 1000));
      expect(talker.destroyed).toBe(false);
    });
  });
});
