import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import mqttPacket from 'mqtt-packet';
import { PacketMeter, SignInQueue } from '../../../src/transports/mqtt-packet-meter.ts';

const limits = { maxPacketBytes: 1000, maxUnauthenticatedBytes: 200 };

function publish(size: number): Buffer {
  return mqttPacket.generate({ cmd: 'publish', topic: 't', payload: Buffer.alloc(size), qos: 0, retain: false, dup: false });
}

function signedIn(): PacketMeter {
  const m = new PacketMeter(limits);
  m.authenticated();
  return m;
}

describe('PacketMeter', () => {
  it('refuses a packet from its fixed header alone (MQTT 3.1.1 section 2.2.3)', () => {
    // 0x10 CONNECT, Remaining Length 100 MB in four bytes.
    expect(new PacketMeter(limits).feed(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x32]))).toMatch(/before sign-in/);
    expect(signedIn().feed(publish(2000).subarray(0, 3))).toMatch(/over the limit of 1000/);
  });

  it('takes packets up to the limit, however the bytes are split', () => {
    const stream = Buffer.concat([publish(990), publish(10), publish(0), publish(500)]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 20 }), (cuts) => {
        const m = signedIn();
        const points = [0, ...[...new Set(cuts)].sort((a, b) => a - b), stream.length];
        for (let i = 1; i < points.length; i++) expect(m.feed(stream.subarray(points[i - 1], points[i]))).toBeUndefined();
      }),
    );
  });

  it('finds an oversized packet after others, split anywhere', () => {
    const stream = Buffer.concat([publish(100), publish(5000)]);
    for (let cut = 1; cut < 110; cut++) {
      const m = signedIn();
      const first = m.feed(stream.subarray(0, cut));
      expect(first ?? m.feed(stream.subarray(cut))).toMatch(/over the limit/);
    }
  });

  it('caps all bytes before sign-in, and a malformed length', () => {
    const m = new PacketMeter(limits);
    expect(m.feed(Buffer.from([0xc0, 0x00]))).toBeUndefined(); // PINGREQ
    expect(m.feed(Buffer.alloc(300, 0xc0))).toMatch(/more than 200 bytes before sign-in/);
    expect(signedIn().feed(Buffer.from([0x30, 0xff, 0xff, 0xff, 0xff]))).toMatch(/malformed/);
  });
});

describe('SignInQueue', () => {
  it('caps connections not signed in per address and in all; leaving frees the place', () => {
    const q = new SignInQueue(3, 2);
    expect([q.enter('a'), q.enter('a'), q.enter('a')]).toEqual([true, true, false]);
    expect([q.enter('b'), q.enter('c')]).toEqual([true, false]);
    q.leave('a');
    expect([q.enter('c'), q.enter('a')]).toEqual([true, false]);
  });
});
