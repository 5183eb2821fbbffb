// MllpClient against a raw TCP peer written here, so each case controls the bytes exactly. The peer's
// framing is its own (indexOf on VT and FS CR), not src/mllp/framing.ts.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { MllpClient, MllpError, type MllpLinkState } from '../../../src/mllp/client.ts';
import { writeSelfSignedCertificate } from '../../support/test-certificate.ts';

const VT = Buffer.from([0x0b]);
const END = Buffer.from([0x1c, 0x0d]);

function frame(text: string): Buffer {
  return Buffer.concat([VT, Buffer.from(text, 'utf8'), END]);
}

function oru(controlId: string, obxValue = '120'): string {
  return (
    `MSH|^~\\&|MEDGATE|CLINIC|EHR|HOSP|20250114093016||ORU^R01^ORU_R01|${controlId}|P|2.6|||AL|NE\r` +
    'PID|||HO2009001^^^NIST^PI||Hon^Albert^^^^^L\r' +
    `OBX|1|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC|1.1.1.1|${obxValue}|mm[Hg]^mm[Hg]^UCUM|||||R\r`
  );
}

function ack(controlId: string, code = 'AA'): string {
  return `MSH|^~\\&|EHR|HOSP|MEDGATE|CLINIC|20250114093017||ACK^R01^ACK|K${controlId}|P|2.6\rMSA|${code}|${controlId}\r`;
}

function controlIdOf(hl7: string): string {
  return hl7.split('\r')[0]?.split('|')[9] ?? '';
}

interface Peer {
  port: number;
  /** Every connection accepted, in order. */
  sockets: net.Socket[];
  /** Frames received, with the index of the connection they came on. */
  frames: Array<{ text: string; conn: number }>;
  close(): Promise<void>;
}

type OnFrame = (socket: net.Socket, text: string, conn: number) => void;

async function startPeer(onFrame: OnFrame, opts: { port?: number; tls?: tls.TlsOptions } = {}): Promise<Peer> {
  const sockets: net.Socket[] = [];
  const frames: Peer['frames'] = [];
  const onSocket = (socket: net.Socket): void => {
    const conn = sockets.push(socket) - 1;
    let buf = Buffer.alloc(0);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const start = buf.indexOf(VT);
        const end = start === -1 ? -1 : buf.indexOf(END, start);
        if (end === -1) return;
        const text = buf.subarray(start + 1, end).toString('utf8');
        buf = buf.subarray(end + 2);
        frames.push({ text, conn });
        onFrame(socket, text, conn);
      }
    });
  };
  const server = opts.tls ? tls.createServer(opts.tls, onSocket) : net.createServer(onSocket);
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const address = server.address() as net.AddressInfo;
  return {
    port: address.port,
    sockets,
    frames,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

const answerAA: OnFrame = (socket, text) => {
  socket.write(frame(ack(controlIdOf(text))));
};

async function rejection(p: Promise<unknown>): Promise<MllpError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof MllpError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

function waitClosed(socket: net.Socket): Promise<void> {
  return socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()));
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function client(port: number, extra: Partial<ConstructorParameters<typeof MllpClient>[0]> = {}): MllpClient {
  const c = new MllpClient({ host: '127.0.0.1', port, ackTimeoutMs: 5_000, connectTimeoutMs: 2_000, ...extra });
  cleanups.push(() => c.close());
  return c;
}

async function peer(onFrame: OnFrame, opts: { port?: number; tls?: tls.TlsOptions } = {}): Promise<Peer> {
  const p = await startPeer(onFrame, opts);
  cleanups.push(() => p.close());
  return p;
}

describe('MllpClient', () => {
  it('sends one message and resolves with the matching ACK', async () => {
    const p = await peer(answerAA);
    const c = client(p.port);
    const states: MllpLinkState[] = [];
    c.on('state', (s: MllpLinkState) => states.push(s));
    const result = await c.send(oru('MG1'), 'MG1');
    expect(result).toMatchObject({ code: 'AA', controlId: 'MG1' });
    expect(result.raw).toBe(ack('MG1'));
    expect(p.frames).toEqual([{ text: oru('MG1'), conn: 0 }]);
    expect(states).toEqual(['connecting', 'connected']);
    expect(c.state).toBe('connected');
  });

  it('reassembles an ACK that arrives one byte at a time', async () => {
    const p = await peer((socket, text) => {
      void (async () => {
        for (const byte of frame(ack(controlIdOf(text), 'CA'))) {
          socket.write(Uint8Array.of(byte));
          await sleep(1);
        }
      })();
    });
    const result = await client(p.port).send(oru('MG2'), 'MG2');
    expect(result).toMatchObject({ code: 'CA', controlId: 'MG2' });
  });

  it('ignores a stale ACK merged in one chunk with the right one', async () => {
    const p = await peer((socket, text) => {
      socket.write(Buffer.concat([frame(ack('OLD-1', 'AE')), frame(ack(controlIdOf(text), 'AA'))]));
    });
    const result = await client(p.port).send(oru('MG3'), 'MG3');
    expect(result).toMatchObject({ code: 'AA', controlId: 'MG3' });
  });

  it('keeps waiting after a stale ACK until the right one comes', async () => {
    const p = await peer((socket, text) => {
      socket.write(frame(ack('OLD-2', 'AA')));
      setTimeout(() => socket.write(frame(ack(controlIdOf(text), 'AE'))), 50);
    });
    const result = await client(p.port).send(oru('MG4'), 'MG4');
    expect(result).toMatchObject({ code: 'AE', controlId: 'MG4' });
  });

  it('times out when no ACK comes, drops that connection, and sends the next message on a new one', async () => {
    const p = await peer((socket, text, conn) => {
      if (conn > 0) answerAA(socket, text, conn);
    });
    const c = client(p.port, { ackTimeoutMs: 300 });
    const err = await rejection(c.send(oru('MG5'), 'MG5'));
    expect(err.kind).toBe('timeout');
    await waitClosed(p.sockets[0]!); // the client hung up: a late ACK has nowhere to land
    const result = await c.send(oru('MG6'), 'MG6');
    expect(result.controlId).toBe('MG6');
    expect(p.sockets).toHaveLength(2);
    expect(p.frames.map((f) => [controlIdOf(f.text), f.conn])).toEqual([
      ['MG5', 0],
      ['MG6', 1],
    ]);
  });

  it("rejects with 'closed' when the connection drops mid-message", async () => {
    const server = net.createServer((socket) => {
      socket.once('data', () => socket.destroy()); // first bytes in, then gone
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const c = client((server.address() as net.AddressInfo).port);
    const err = await rejection(c.send(oru('MG7', 'x'.repeat(200_000)), 'MG7'));
    expect(err.kind).toBe('closed');
    expect(c.state).toBe('idle');
  });

  it("rejects with 'connect' when nothing listens", async () => {
    const p = await startPeer(() => undefined);
    const port = p.port;
    await p.close();
    const c = client(port);
    const states: Array<[MllpLinkState, string | undefined]> = [];
    c.on('state', (s: MllpLinkState, why?: string) => states.push([s, why]));
    const err = await rejection(c.send(oru('MG8'), 'MG8'));
    expect(err.kind).toBe('connect');
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(states[0]).toEqual(['connecting', undefined]);
    expect(states[1]?.[0]).toBe('idle');
    expect(states[1]?.[1]).toMatch(/ECONNREFUSED/);
  });

  it('reconnects after the receiver restarts between messages', async () => {
    const first = await startPeer(answerAA);
    const port = first.port;
    const c = client(port);
    expect((await c.send(oru('MG9'), 'MG9')).controlId).toBe('MG9');
    const noticed = new Promise<string | undefined>((resolve) => c.once('state', (_s: MllpLinkState, why?: string) => resolve(why)));
    await first.close();
    // The client sees the drop while idle (a send racing the drop itself fails with 'closed' and is
    // the caller's to retry); while the receiver is still down a send fails with 'connect'.
    expect(await noticed).toMatch(/closed/);
    expect(c.state).toBe('idle');
    expect((await rejection(c.send(oru('MG10'), 'MG10'))).kind).toBe('connect');
    const second = await peer(answerAA, { port });
    const result = await c.send(oru('MG10'), 'MG10');
    expect(result.controlId).toBe('MG10');
    expect(second.frames.map((f) => controlIdOf(f.text))).toEqual(['MG10']);
    expect(c.state).toBe('connected');
  });

  it('sends queued concurrent messages one at a time, in order', async () => {
    let outstanding = 0;
    let maxOutstanding = 0;
    const p = await peer((socket, text) => {
      outstanding++;
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      // Answer later, so a client that does not wait would have sent the next frame by then.
      setTimeout(() => {
        outstanding--;
        socket.write(frame(ack(controlIdOf(text))));
      }, 20);
    });
    const c = client(p.port);
    const ids = ['Q1', 'Q2', 'Q3', 'Q4', 'Q5'];
    const acks = await Promise.all(ids.map((id) => c.send(oru(id), id)));
    expect(acks.map((a) => a.controlId)).toEqual(ids);
    expect(p.frames.map((f) => controlIdOf(f.text))).toEqual(ids);
    expect(maxOutstanding).toBe(1);
    expect(p.sockets).toHaveLength(1);
  });

  it('writes a 1 MB message whole even when the receiver reads slowly', async () => {
    const big = oru('BIG1', 'é'.repeat(300_000) + '温'.repeat(150_000));
    expect(Buffer.byteLength(big)).toBeGreaterThan(1_000_000);
    const p = await startPeer(answerAA);
    cleanups.push(() => p.close());
    const c = client(p.port);
    const pending = c.send(big, 'BIG1');
    // Stop reading for a while so the socket buffers fill and the write has to wait.
    await sleep(20);
    p.sockets[0]?.pause();
    await sleep(150);
    p.sockets[0]?.resume();
    const result = await pending;
    expect(result.controlId).toBe('BIG1');
    expect(p.frames).toHaveLength(1);
    expect(p.frames[0]?.text).toBe(big);
  });

  it("rejects an unreadable reply with 'protocol' and drops the connection", async () => {
    const p = await peer((socket) => socket.write(frame('this is not HL7')));
    const c = client(p.port);
    const err = await rejection(c.send(oru('MG11'), 'MG11'));
    expect(err.kind).toBe('protocol');
    expect(err.message).toMatch(/no MSH/);
    await waitClosed(p.sockets[0]!);
  });

  it("rejects with 'closed' after close(), including messages still queued", async () => {
    const p = await peer(() => undefined); // never answers
    const c = client(p.port);
    const inFlight = rejection(c.send(oru('C1'), 'C1'));
    const queued = rejection(c.send(oru('C2'), 'C2'));
    await sleep(50);
    await c.close();
    expect((await inFlight).kind).toBe('closed');
    expect((await queued).kind).toBe('closed');
    expect((await rejection(c.send(oru('C3'), 'C3'))).kind).toBe('closed');
    expect(c.state).toBe('closed');
    expect(p.frames.map((f) => controlIdOf(f.text))).toEqual(['C1']);
  });

  describe('TLS', () => {
    const dir = mkdtempSync(join(tmpdir(), 'medgate-tls-'));
    writeSelfSignedCertificate(join(dir, 'key.pem'), join(dir, 'cert.pem'));
    const key = readFileSync(join(dir, 'key.pem'));
    const cert = readFileSync(join(dir, 'cert.pem'));
    rmSync(dir, { recursive: true, force: true });

    it('round-trips a message over TLS with a trusted self-signed certificate', async () => {
      const p = await peer(answerAA, { tls: { key, cert } });
      const c = client(p.port, { tls: { ca: cert, servername: 'localhost' } });
      const result = await c.send(oru('T1'), 'T1');
      expect(result).toMatchObject({ code: 'AA', controlId: 'T1' });
      expect(p.sockets[0]).toBeInstanceOf(tls.TLSSocket);
    });

    it("refuses an untrusted certificate with 'connect'", async () => {
      const p = await peer(answerAA, { tls: { key, cert } });
      const err = await rejection(client(p.port, { tls: { servername: 'localhost' } }).send(oru('T2'), 'T2'));
      expect(err.kind).toBe('connect');
      expect(err.message).toMatch(/self-signed|self signed/);
      expect(p.frames).toEqual([]);
    });

    it("gives up with 'connect' when the TLS handshake never completes", async () => {
      const p = await peer(() => undefined); // plain TCP: accepts, never answers the ClientHello
      const err = await rejection(client(p.port, { tls: { ca: cert }, connectTimeoutMs: 300 }).send(oru('T3'), 'T3'));
      expect(err.kind).toBe('connect');
      expect(err.message).toMatch(/timed out/);
    });

    it("rejects with 'closed' when close() comes during the handshake", async () => {
      const p = await peer(() => undefined);
      const c = client(p.port, { tls: { ca: cert } });
      const pending = rejection(c.send(oru('T4'), 'T4'));
      await sleep(50);
      expect(c.state).toBe('connecting');
      await c.close();
      const err = await pending;
      expect(err.kind).toBe('closed');
    });
  });
});
