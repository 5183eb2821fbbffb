// The device runner keeps a report's duplicate key in the same flow that stores the reading: after
// the intake write resolved, before the transport may acknowledge; never for a reading not stored.

import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { driver as mqttJson } from '../../../drivers/mqtt-json/index.ts';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import { DeviceRunner } from '../../../src/devices/device-runner.ts';
import type { DeviceReport } from '../../../src/model/driver.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import type { Connection, LinkStatus, Transport, TransportEvents } from '../../../src/transports/types.ts';
import { recordingLogger } from '../drivers/harness.ts';
import { memoryResends } from '../../support/resend-memory.ts';

class FakeTransport extends EventEmitter<TransportEvents> implements Transport {
  readonly status: LinkStatus = { state: 'connected', since: '', reconnects: 0, connections: 1, bytesIn: 0, bytesOut: 0 };
  readonly conn: Connection = { id: 'c1', remote: 'broker', write: async () => undefined };
  start(): void {
    this.emit('open', this.conn);
  }
  async stop(): Promise<void> {}
  /** Delivers one message; resolves with what the runner told the transport (acknowledge or not). */
  deliver(payload: unknown, order: string[], conn: Connection = this.conn): Promise<Error | undefined> {
    return new Promise((resolve) =>
      this.emit('message', conn, Buffer.from(JSON.stringify(payload)), { topic: 'clinic/bp', receivedAt: new Date() }, (err) => {
        order.push(err ? 'not acknowledged' : 'acknowledged');
        resolve(err);
      }),
    );
  }
}

const device: DeviceConfigT = { id: 'bp-1', driver: 'mqtt-json', transport: { type: 'mqtt', topic: 'clinic/bp' } };
const message = { device: 'SN-1', id: 'm-1', time: '2026-03-01T10:00:00Z', measurements: [{ type: 'pulse', value: 70, unit: 'bpm' }] };

function runner(accept: (report: DeviceReport) => Promise<string>, opts: { failRemember?: boolean; logs?: Array<{ level: string; msg: string }> } = {}) {
  const transport = new FakeTransport();
  const order: string[] = [];
  const resends = memoryResends();
  const r = new DeviceRunner({
    device,
    driver: mqttJson,
    transport,
    log: opts.logs ? recordingLogger(opts.logs) : silentLogger,
    accept: async (_d, report) => {
      const id = await accept(report);
      order.push('stored');
      return id;
    },
    resends: {
      recall: (d, k) => resends.recall(d, k),
      remember: async (d, k, id) => {
        if (opts.failRemember) throw new Error('disk full');
        await resends.remember(d, k, id);
        order.push('remembered');
      },
    },
  });
  r.start();
  return { transport, order, resends };
}

describe('DeviceRunner and the duplicate memory', () => {
  it('remembers the key with the reading id after the reading is stored and before the device is acknowledged', async () => {
    const { transport, order, resends } = runner(async () => 'R-42');
    expect(await transport.deliver(message, order)).toBeUndefined();
    expect(order).toEqual(['stored', 'remembered', 'acknowledged']);
    expect([...resends.remembered.values()].map((f) => f.readingId)).toEqual(['R-42']);
  });

  it('a message the memory knows is acknowledged without being stored again', async () => {
    let stored = 0;
    const { transport, order } = runner(async () => `R-${++stored}`);
    await transport.deliver(message, order);
    await transport.deliver(message, order);
    expect(stored).toBe(1);
    expect(order).toEqual(['stored', 'remembered', 'acknowledged', 'acknowledged']);
  });

  it('remembers nothing for a reading that could not be stored; the device is not acknowledged and its resend is stored', async () => {
    let fail = true;
    const { transport, order, resends } = runner(async () => {
      if (fail) throw new Error('disk full');
      return 'R-2';
    });
    expect(await transport.deliver(message, order)).toBeInstanceOf(Error);
    expect(resends.remembered.size).toBe(0);
    fail = false;
    expect(await transport.deliver(message, order)).toBeUndefined();
    expect(order).toEqual(['not acknowledged', 'stored', 'remembered', 'acknowledged']);
  });

  it('a stored reading whose key could not be kept is still acknowledged, with a warning', async () => {
    const logs: Array<{ level: string; msg: string }> = [];
    const { transport, order } = runner(async () => 'R-1', { failRemember: true, logs });
    expect(await transport.deliver(message, order)).toBeUndefined();
    expect(order).toEqual(['stored', 'acknowledged']);
    expect(logs.some((l) => l.level === 'warn' && /duplicate key could not be kept/.test(l.msg))).toBe(true);
  });
});

describe('a store that refuses every report (a full disk)', () => {
  it('logs the refusal at error once per run of failures, the rest at debug', async () => {
    const logs: Array<{ level: string; msg: string }> = [];
    let full = true;
    const { transport } = runner(
      async () => {
        if (full) throw new Error('ENOSPC: no space left on device');
        return 'R1';
      },
      { logs },
    );
    const order: string[] = [];
    for (let i = 0; i < 3; i++) await transport.deliver({ ...message, id: `full-${i}` }, order);
    full = false;
    await transport.deliver({ ...message, id: 'ok' }, order);
    full = true;
    await transport.deliver({ ...message, id: 'full-again' }, order);
    expect(order).toEqual(['not acknowledged', 'not acknowledged', 'not acknowledged', 'acknowledged', 'not acknowledged']);
    const refusals = logs.filter((l) => l.msg === 'report could not be stored');
    expect(refusals.map((l) => l.level)).toEqual(['error', 'debug', 'debug', 'error']);
  });
});

/**
 * The same message on two connections at once (the second session has not seen the first copy),
 * then `release` lets the first store finish; resolves with what each copy was told.
 */
async function twoCopiesAtOnce(transport: FakeTransport, release: () => void): Promise<Array<Error | undefined>> {
  const order: string[] = [];
  const second: Connection = { id: 'c2', remote: 'broker', write: async () => undefined };
  transport.emit('open', second);
  const copies = [transport.deliver(message, order), transport.deliver(message, order, second)];
  await new Promise((r) => setTimeout(r, 20));
  release();
  return Promise.all(copies);
}

describe('a second copy while the first is being stored', () => {
  it('waits for the first: stored once, both acknowledged', async () => {
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const stored: string[] = [];
    const { transport } = runner(async (report) => {
      await slow;
      stored.push(report.resendKey ?? '');
      return `R${stored.length}`;
    });
    expect(await twoCopiesAtOnce(transport, release)).toEqual([undefined, undefined]);
    expect(stored).toHaveLength(1);
  });

  it('stores the second when the first was refused', async () => {
    let calls = 0;
    let release!: () => void;
    const slow = new Promise<void>((r) => (release = r));
    const { transport } = runner(async () => {
      calls++;
      if (calls === 1) {
        await slow;
        throw new Error('disk full');
      }
      return 'R2';
    });
    const [ea, eb] = await twoCopiesAtOnce(transport, release);
    expect(ea).toBeInstanceOf(Error);
    expect(eb).toBeUndefined();
    expect(calls).toBe(2);
  });
});
