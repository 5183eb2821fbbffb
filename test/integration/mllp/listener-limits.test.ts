// MllpListener limits (the inbound feed's door): allow list at accept, connections past
// maxConnections closed at once, a connection that never sends closed after silentTimeoutMs, any
// silent one after idleTimeoutMs when set, and a peer that
// sends without reading its ACKs stops being read instead of growing the gateway's send buffer.

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { buildAck } from '../../../src/hl7/ack.ts';
import { encodeFrame } from '../../../src/mllp/framing.ts';
import { MllpListener, type MllpListenerOptions } from '../../../src/mllp/listener.ts';
import { eventually } from '../../support/eventually.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const adt = (id: string): string => `MSH|^~\\&|EHR|HOSP|MEDGATE|CLINIC|20250114093016||ADT^A01^ADT_A01|${id}|P|2.5\rPID|||12345^^^HOSP^MR||Doe^Jane\r`;

/** Messages the listener's handler got, in the current test. */
const handled: string[] = [];

async function listen(opts: Partial<MllpListenerOptions>): Promise<{ port: number; handled: string[] }> {
  handled.length = 0;
  const listener = new MllpListener({
    host: '127.0.0.1',
    port: 0,
    handler: (m) => {
      handled.push(m);
      return buildAck(m, 'AA');
    },
    ...opts,
  });
  const { port } = await listener.start();
  cleanups.push(() => listener.close());
  return { port, handled };
}

function peer(port: number, localAddress?: string): { socket: net.Socket; closed: Promise<number>; acks: () => number } {
  const started = Date.now();
  const socket = net.connect({ port, host: '127.0.0.1', ...(localAddress ? { localAddress } : {}) });
  socket.on('error', () => undefined);
  let bytes = '';
  socket.on('data', (c: Buffer) => {
    bytes += c.toString('latin1');
  });
  cleanups.push(() => {
    socket.destroy();
  });
  return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve(Date.now() - started))), acks: () => bytes.split('\x1c\r').length - 1 };
}

describe('MllpListener limits', () => {
  it('closes a peer not on the allow list before it is heard', async () => {
    const { port, handled } = await listen({ limits: { allow: ['127.0.0.1'] } });
    const stranger = peer(port, '127.0.0.2');
    stranger.socket.write(encodeFrame(adt('EVIL1')));
    await stranger.closed;
    expect(stranger.acks()).toBe(0);
    const friend = peer(port);
    friend.socket.write(encodeFrame(adt('OK1')));
    await eventually(() => expect(friend.acks()).toBe(1));
    expect(handled.map((m) => m.split('|')[9])).toEqual(['OK1']);
  });

  it('closes connections past maxConnections at once, not after the idle timeout', async () => {
    // An idle timeout of a minute: a refused connection closed in seconds was closed at accept.
    const { port } = await listen({ limits: { maxConnections: 2, idleTimeoutMs: 60_000 } });
    const kept = [peer(port), peer(port)];
    await Promise.all(kept.map((k) => new Promise((r) => k.socket.once('connect', r))));
    await new Promise((r) => setTimeout(r, 50));
    const extra = Array.from({ length: 10 }, () => peer(port));
    const lasted = await Promise.all(extra.map((e) => e.closed));
    expect(Math.max(...lasted)).toBeLessThan(5000);
    expect(kept.every((k) => !k.socket.destroyed)).toBe(true);
  });

  it('closes a connection that never sent a byte after silentTimeoutMs, and frees its slot', async () => {
    const { port } = await listen({ limits: { maxConnections: 2, silentTimeoutMs: 400 } });
    const kept = [peer(port), peer(port)];
    const idle = await Promise.all(kept.map((k) => k.closed));
    expect(Math.min(...idle)).toBeGreaterThanOrEqual(350);
    const late = peer(port);
    late.socket.write(encodeFrame(adt('LATE')));
    await eventually(() => expect(late.acks()).toBe(1));
  });

  it('keeps a connection that has talked open past silentTimeoutMs; idleTimeoutMs closes it when set', async () => {
    const { port } = await listen({ limits: { silentTimeoutMs: 300 } });
    const talker = peer(port);
    talker.socket.write(encodeFrame(adt('T1')));
    await eventually(() => expect(talker.acks()).toBe(1));
    await new Promise((r) => setTimeout(r, 1200));
    expect(talker.socket.destroyed).toBe(false);

    const { port: strict } = await listen({ limits: { silentTimeoutMs: 300, idleTimeoutMs: 300 } });
    const quiet = peer(strict);
    quiet.socket.write(encodeFrame(adt('T2')));
    await eventually(() => expect(quiet.acks()).toBe(1));
    expect(await quiet.closed).toBeGreaterThanOrEqual(250);
  });

  it('stops reading from a peer that does not read its ACKs', async () => {
    // Large ACKs (an echoed text), so the gateway's send buffer would grow fast.
    const { port } = await listen({ handler: (m) => (handled.push(m), buildAck(m, 'AE', { text: 'z'.repeat(8000), errorCode: '207' })) });
    const flooder = peer(port);
    flooder.socket.pause(); // never reads
    await new Promise((r) => flooder.socket.once('connect', r));
    // The peer keeps sending for as long as the gateway reads.
    const small = encodeFrame(adt('F1'));
    let sent = 0;
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      if (flooder.socket.write(small)) sent++;
      else await new Promise((r) => setTimeout(r, 5));
    }
    const first = handled.length;
    await new Promise((r) => setTimeout(r, 500));
    // Handling stopped (the gateway waits for the peer to read) instead of growing without end.
    expect(handled.length).toBe(first);
    expect(first).toBeLessThan(sent);
  });
});
