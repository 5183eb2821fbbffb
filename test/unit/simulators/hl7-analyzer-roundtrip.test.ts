// The HL7 analyzer simulator wired in process to the hl7-analyzer driver (fake timers): for any seed,
// with and without faults, and with a store that sometimes fails, exactly `count` messages are
// accepted and each becomes exactly one stored report with the values the analyzer sent.

import net from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import type { DeviceLink, DeviceReport, ProtocolError } from '../../../src/model/driver.ts';
import { driver } from '../../../drivers/hl7-analyzer/index.ts';
import { create, type AckedMessage } from '../../../simulators/hl7-analyzer.ts';
import type { Fault } from '../../../simulators/types.ts';
import { recordingLogger } from '../drivers/harness.ts';
import { linkMemory } from '../../support/resend-memory.ts';

interface Outcome {
  done: boolean;
  sent: number;
  acked: readonly AckedMessage[];
  stored: DeviceReport[];
  errors: ProtocolError[];
  framesSent: number;
  logs: Array<{ level: string; msg: string }>;
}

async function roundtrip(count: number, seed: number, faults: Fault[], failEvery?: number): Promise<Outcome> {
  const sim = create({ count, seed, faults, intervalMs: 1000, ackTimeoutMs: 3000 });
  const stored: DeviceReport[] = [];
  const errors: ProtocolError[] = [];
  const logs: Array<{ level: string; msg: string }> = [];
  let framesSent = 0;
  let calls = 0;
  const memory = linkMemory();
  const link: DeviceLink = {
    // Like a socket: the bytes arrive on a later turn.
    write: async (bytes) => {
      const copy = Uint8Array.from(bytes);
      setTimeout(() => sim.receive(copy), 1);
    },
    device: { id: 'sim', settings: {} },
    now: () => new Date(),
    log: recordingLogger(logs),
    resends: memory.resends,
  };
  const session = driver.open(link);
  session.on('report', async (r) => {
    calls++;
    await new Promise<void>((resolve) => setTimeout(resolve, 5)); // a durable write takes a while
    if (failEvery !== undefined && calls % failEvery === 0) throw new Error('store hiccup');
    stored.push(r);
    memory.stored(r);
  });
  session.on('protocolError', (e) => errors.push(e));
  let done = false;
  void sim.done.then(() => {
    done = true;
  });
  sim.start({
    write: (bytes) => {
      framesSent += bytes.filter((b) => b === 0x0b).length;
      const copy = Uint8Array.from(bytes);
      setTimeout(() => session.receive(copy), 1);
    },
  });
  for (let i = 0; i < 2000 && !done; i++) await vi.advanceTimersByTimeAsync(250);
  await vi.advanceTimersByTimeAsync(20_000); // a late duplicate or resend must not add anything
  sim.stop();
  session.close();
  return { done, sent: sim.sent, acked: sim.acked, stored, errors, framesSent, logs };
}

function expectExactlyTheAckedResults(o: Outcome, count: number): void {
  expect(o.done).toBe(true);
  expect(o.sent).toBe(count);
  expect(o.acked).toHaveLength(count);
  expect(o.stored).toHaveLength(count);
  expect(new Set(o.acked.map((m) => m.controlId)).size).toBe(count);
  o.acked.forEach((m, i) => {
    const r = o.stored[i]!;
    expect(r.raw).toBe(m.text);
    expect(r.specimen?.id).toBe(m.specimenId);
    expect(r.subject?.mrn).toBe(m.mrn);
    expect(r.order?.code?.code).toBe(m.panel);
    expect(
      r.measurements.map((x) => ({
        code: x.code?.loinc ?? x.code?.local?.code,
        value: x.valueText,
        unit: x.unit ?? '',
        flag: x.flags?.[0],
        status: x.status,
        numeric: typeof x.value === 'number' && x.value === Number(x.valueText),
      })),
    ).toEqual(m.results.map((res) => ({ code: res.code, value: res.value, unit: res.unit, flag: res.flag, status: 'F', numeric: true })));
  });
}

describe('hl7-analyzer simulator -> driver roundtrip', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-01-14T09:30:00Z'));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('without faults: exactly count messages, each stored once, no protocol errors', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.integer(), async (count, seed) => {
        const o = await roundtrip(count, seed, []);
        expectExactlyTheAckedResults(o, count);
        expect(o.errors).toEqual([]);
        expect(o.framesSent).toBe(count);
      }),
      { numRuns: 12 },
    );
  });

  it('with garbage, partial and duplicate faults: the same results, none twice', async () => {
    const all: Fault[] = ['garbage', 'partial', 'duplicate'];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.integer(), fc.subarray(all, { minLength: 1 }), async (count, seed, faults) => {
        const o = await roundtrip(count, seed, faults);
        expectExactlyTheAckedResults(o, count);
        for (const e of o.errors) expect(e.reason).toMatch(/^MLLP framing: skipped \d+ bytes outside a frame$/);
        if (faults.includes('garbage')) expect(o.errors.length).toBeGreaterThan(0);
        if (faults.includes('duplicate')) {
          expect(o.framesSent).toBeGreaterThan(count);
          expect(o.logs.some((l) => /not stored twice/.test(l.msg))).toBe(true);
        }
      }),
      { numRuns: 12 },
    );
  });

  it('a store that fails now and then: AE, the analyzer resends, every message stored once', async () => {
    await fc.assert(
      // count >= failEvery: at least one store attempt fails.
      fc.asyncProperty(fc.integer({ min: 4, max: 7 }), fc.integer(), fc.integer({ min: 2, max: 4 }), async (count, seed, failEvery) => {
        const o = await roundtrip(count, seed, ['duplicate'], failEvery);
        expectExactlyTheAckedResults(o, count);
        expect(o.logs.some((l) => l.level === 'warn' && /answered AE/.test(l.msg))).toBe(true);
      }),
      { numRuns: 8 },
    );
  });
});

describe('hl7-analyzer simulator -> driver over a real TCP socket', () => {
  it('one session per connection: garbage, partial frames and duplicates, every message stored once', async () => {
    const stored: DeviceReport[] = [];
    const errors: ProtocolError[] = [];
    // One memory for every connection, as the gateway has per device.
    const memory = linkMemory();
    const server = net.createServer((socket) => {
      const session = driver.open({
        write: (bytes) => new Promise<void>((resolve, reject) => socket.write(bytes, (err) => (err ? reject(err) : resolve()))),
        device: { id: 'analyzer', settings: {} },
        now: () => new Date(),
        log: recordingLogger([]),
        resends: memory.resends,
      });
      session.on('report', async (r) => {
        await new Promise<void>((resolve) => setTimeout(resolve, 2));
        stored.push(r);
        memory.stored(r);
      });
      session.on('protocolError', (e) => errors.push(e));
      socket.on('data', (d) => session.receive(d));
      socket.on('error', () => undefined);
      socket.on('close', () => session.close());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const sim = create({ count: 5, seed: 11, faults: ['garbage', 'partial', 'duplicate'], intervalMs: 20, ackTimeoutMs: 2000 });
    const client = net.connect({ host: '127.0.0.1', port });
    client.on('data', (d) => sim.receive(d));
    await new Promise<void>((resolve) => client.on('connect', resolve));
    sim.start({ write: (bytes) => void client.write(bytes) });
    await sim.done;
    await new Promise<void>((resolve) => setTimeout(resolve, 200)); // the last duplicate, if any, is answered
    sim.stop();
    await new Promise<void>((resolve) => client.end(resolve));
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(stored.map((r) => r.specimen?.id)).toEqual(sim.acked.map((m) => m.specimenId));
    expect(stored).toHaveLength(5);
    for (const e of errors) expect(e.reason).toMatch(/^MLLP framing: skipped/);
  });
});
