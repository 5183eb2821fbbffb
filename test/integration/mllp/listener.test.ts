// MllpListener against raw TCP clients written here (own framing), plus one round trip with MllpClient.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAck, parseAck } from '../../../src/hl7/ack.ts';
import { MllpClient } from '../../../src/mllp/client.ts';
import { MllpListener, type MllpListenerOptions } from '../../../src/mllp/listener.ts';
import type { LogFn, Logger } from '../../../src/model/logger.ts';
import { eventually } from '../../support/eventually.ts';
import { writeSelfSignedCertificate } from '../../support/test-certificate.ts';

const VT = Buffer.from([0x0b]);
const END = Buffer.from([0x1c, 0x0d]);

function frame(text: string): Buffer {
  return Buffer.concat([VT, Buffer.from(text, 'utf8'), END]);
}

function adt(controlId: string): string {
  return `MSH|^~\\&|EHR|HOSP|MEDGATE|CLINIC|20250114093016||ADT^A01^ADT_A01|${controlId}|P|2.5\rPID|||12345^^^HOSP^MR||Doe^Jane\r`;
}

interface RecordingLogger extends Logger {
  lines: Array<{ level: string; msg: string; obj?: object }>;
}

function recordingLogger(): RecordingLogger {
  const lines: RecordingLogger['lines'] = [];
  const fn =
    (level: string): LogFn =>
    (a: string | object, b?: string) => {
      if (typeof a === 'string') lines.push({ level, msg: a });
      else lines.push({ level, msg: b ?? '', obj: a });
    };
  const log: RecordingLogger = { lines, error: fn('error'), warn: fn('warn'), info: fn('info'), debug: fn('debug'), child: () => log };
  return log;
}

/** A raw MLLP sender: writes bytes as told, collects the ACK frames that come back. */
async function rawClient(port: number): Promise<{ socket: net.Socket; acks: string[]; waitAcks(n: number): Promise<string[]> }> {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const acks: string[] = [];
  let buf = Buffer.alloc(0);
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const start = buf.indexOf(VT);
      const end = start === -1 ? -1 : buf.indexOf(END, start);
      if (end === -1) break;
      acks.push(buf.subarray(start + 1, end).toString('utf8'));
      buf = buf.subarray(end + 2);
    }
    wake?.();
  });
  cleanups.push(async () => {
    socket.destroy();
  });
  return {
    socket,
    acks,
    waitAcks: async (n) => {
      const deadline = Date.now() + 5_000;
      while (acks.length < n) {
        if (Date.now() > deadline) throw new Error(`only ${acks.length} of ${n} ACKs arrived`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
      return acks;
    },
  };
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(opts: Partial<MllpListenerOptions> & Pick<MllpListenerOptions, 'handler'>): Promise<{ listener: MllpListener; port: number }> {
  const listener = new MllpListener({ host: '127.0.0.1', port: 0, ...opts });
  const { port } = await listener.start();
  cleanups.push(() => listener.close());
  return { listener, port };
}

const acceptAll = (message: string): string => buildAck(message, 'AA');

function controlIdOf(hl7: string): string {
  return hl7.split('\r')[0]?.split('|')[9] ?? '';
}

describe('MllpListener', () => {
  it('answers several messages on one connection, in order', async () => {
    const seen: string[] = [];
    const { listener, port } = await listen({
      handler: (m, meta) => {
        seen.push(controlIdOf(m));
        expect(meta.remote).toMatch(/^127\.0\.0\.1:\d+$/);
        return acceptAll(m);
      },
    });
    const c = await rawClient(port);
    await sleep(10);
    expect(listener.connections).toBe(1);
    for (const id of ['A1', 'A2', 'A3']) c.socket.write(frame(adt(id)));
    const acks = await c.waitAcks(3);
    expect(acks.map((a) => parseAck(a).controlId)).toEqual(['A1', 'A2', 'A3']);
    expect(acks.map((a) => parseAck(a).code)).toEqual(['AA', 'AA', 'AA']);
    expect(seen).toEqual(['A1', 'A2', 'A3']);
    c.socket.destroy();
    await eventually(() => expect(listener.connections).toBe(0), 2000, 5);
  });

  it('reassembles split frames and separates merged ones', async () => {
    const { port } = await listen({ handler: acceptAll });
    const c = await rawClient(port);
    const bytes = Buffer.concat([frame(adt('S1')), frame(adt('S2')), frame(adt('S3'))]);
    // S1 byte by byte, then the rest (S2 and S3) in one chunk.
    const firstLength = frame(adt('S1')).length;
    for (const b of bytes.subarray(0, firstLength)) {
      c.socket.write(Uint8Array.of(b));
      await sleep(0);
    }
    c.socket.write(bytes.subarray(firstLength));
    const acks = await c.waitAcks(3);
    expect(acks.map((a) => parseAck(a).controlId)).toEqual(['S1', 'S2', 'S3']);
  });

  it('runs the handler for one message at a time per connection, ACKs in arrival order', async () => {
    let running = 0;
    let maxRunning = 0;
    const delays: Record<string, number> = { H1: 60, H2: 0, H3: 20 };
    const { port } = await listen({
      handler: async (m) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await sleep(delays[controlIdOf(m)] ?? 0);
        running--;
        return acceptAll(m);
      },
    });
    const c = await rawClient(port);
    c.socket.write(Buffer.concat([frame(adt('H1')), frame(adt('H2')), frame(adt('H3'))]));
    const acks = await c.waitAcks(3);
    expect(acks.map((a) => parseAck(a).controlId)).toEqual(['H1', 'H2', 'H3']);
    expect(maxRunning).toBe(1);
  });

  it('turns a handler throw or rejection into an AE naming the error', async () => {
    const log = recordingLogger();
    const { port } = await listen({
      log,
      handler: async (m) => {
        const id = controlIdOf(m);
        if (id === 'E1') throw new Error('unknown patient 12345');
        if (id === 'E2') return Promise.reject(new Error('store | full'));
        return acceptAll(m);
      },
    });
    const c = await rawClient(port);
    c.socket.write(Buffer.concat([frame(adt('E1')), frame(adt('E2')), frame(adt('E3'))]));
    const acks = (await c.waitAcks(3)).map(parseAck);
    expect(acks[0]).toMatchObject({ code: 'AE', controlId: 'E1', text: 'unknown patient 12345', errorCode: '207' });
    expect(acks[1]).toMatchObject({ code: 'AE', controlId: 'E2', text: 'store | full' });
    expect(acks[2]).toMatchObject({ code: 'AA', controlId: 'E3' });
    // The reason may carry patient data: above debug only the fact is logged.
    const aboveDebug = log.lines.filter((l) => l.level !== 'debug').map((l) => JSON.stringify(l));
    expect(aboveDebug.some((l) => l.includes('handler failed'))).toBe(true);
    expect(aboveDebug.some((l) => l.includes('12345'))).toBe(false);
  });

  it('skips garbage between frames, warns, and keeps the connection', async () => {
    const log = recordingLogger();
    const { port } = await listen({ log, handler: acceptAll });
    const c = await rawClient(port);
    c.socket.write(Buffer.concat([Buffer.from('GET / HTTP/1.1\r\n\r\n'), frame(adt('G1')), Buffer.from([0x00, 0xff, 0x1c, 0x0d]), frame(adt('G2'))]));
    const acks = await c.waitAcks(2);
    expect(acks.map((a) => parseAck(a).controlId)).toEqual(['G1', 'G2']);
    const warnings = log.lines.filter((l) => l.level === 'warn').map((l) => JSON.stringify(l.obj));
    expect(warnings).toEqual([expect.stringContaining('skipped 18 bytes outside a frame'), expect.stringContaining('skipped 4 bytes outside a frame')]);
  });

  it('drops an oversize frame and closes its connection; a new connection is answered', async () => {
    const log = recordingLogger();
    const { port } = await listen({ log, handler: acceptAll, maxFrameBytes: 200 });
    const c = await rawClient(port);
    c.socket.write(Buffer.concat([frame(adt('BIG') + 'NTE|1||' + 'x'.repeat(500) + '\r'), frame(adt('OK1'))]));
    await new Promise((r) => c.socket.once('close', r));
    expect(c.acks).toEqual([]);
    expect(log.lines.some((l) => l.level === 'warn' && JSON.stringify(l.obj).includes('larger than 200 bytes'))).toBe(true);
    expect(log.lines).toContainEqual({ level: 'warn', msg: 'MLLP frame over the size limit; closing the connection', obj: { maxFrameBytes: 200 } });
    const again = await rawClient(port);
    again.socket.write(frame(adt('OK2')));
    expect((await again.waitAcks(1)).map((a) => parseAck(a).controlId)).toEqual(['OK2']);
  });

  it('answers a non-HL7 frame through the handler without dropping the connection', async () => {
    const { port } = await listen({ handler: acceptAll });
    const c = await rawClient(port);
    c.socket.write(Buffer.concat([frame('hello?'), frame(adt('N1'))]));
    const acks = await c.waitAcks(2);
    expect(acks[0]).toMatch(/\rMSA\|AR\|\|/);
    expect(parseAck(acks[1]!).controlId).toBe('N1');
  });

  it('serves MllpClient over TLS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'medgate-tls-'));
    try {
      writeSelfSignedCertificate(join(dir, 'key.pem'), join(dir, 'cert.pem'));
      const key = readFileSync(join(dir, 'key.pem'));
      const cert = readFileSync(join(dir, 'cert.pem'));
      const { port } = await listen({ tls: { key, cert }, handler: acceptAll });
      const client = new MllpClient({ host: '127.0.0.1', port, tls: { ca: cert, servername: 'localhost' } });
      cleanups.push(() => client.close());
      expect(await client.send(adt('T1'), 'T1')).toMatchObject({ code: 'AA', controlId: 'T1' });
      expect(await client.send(adt('T2'), 'T2')).toMatchObject({ code: 'AA', controlId: 'T2' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('close() ends open connections and frees the port', async () => {
    const { listener, port } = await listen({ handler: acceptAll });
    const c = await rawClient(port);
    const closed = new Promise<void>((resolve) => c.socket.once('close', () => resolve()));
    await listener.close();
    await closed;
    expect(listener.connections).toBe(0);
    const again = new MllpListener({ host: '127.0.0.1', port, handler: acceptAll });
    expect((await again.start()).port).toBe(port);
    await again.close();
  });
});
