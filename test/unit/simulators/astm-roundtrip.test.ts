// The ASTM analyzer simulator wired to the astm-lis2 driver: in process with fake timers (driver
// replies -> simulator, simulator bytes -> driver) for many seeds and every link fault, and once
// over a real socat pty pair with SerialPort on both ends. Whatever the faults, each completed
// transmission comes out as exactly its orders' reports, with the values that were sent.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { SerialPort } from 'serialport';
import type { DeviceLink, DeviceReport, ProtocolError } from '../../../src/model/driver.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import { driver } from '../../../drivers/astm-lis2/index.ts';
import { create, type AstmSimulatedDevice } from '../../../simulators/astm-lis2.ts';
import type { SentOrder, SentTransmission } from '../../../simulators/astm-lis2/content.ts';
import type { Fault } from '../../../simulators/types.ts';
import { openPtyPair } from '../../support/pty.ts';
import { linkMemory } from '../../support/resend-memory.ts';

const LINK_FAULTS: Fault[] = ['bad-checksum', 'dropped-frame', 'lost-ack', 'stall', 'enq-collision', 'eot-mid-record', 'garbage', 'partial'];

interface Run {
  sim: AstmSimulatedDevice;
  reports: DeviceReport[];
  errors: ProtocolError[];
  done: boolean;
}

interface RunOptions {
  count: number;
  seed: number;
  faults?: Fault[];
  /** The store: may reject a report (not durable). */
  store?: (r: DeviceReport) => Promise<void> | void;
}

async function roundtrip(o: RunOptions): Promise<Run> {
  const sim = create({ count: o.count, seed: o.seed, faults: o.faults ?? [], intervalMs: 1000, replyTimeoutMs: 3000, retryDelayMs: 1000, stallMs: 8000 });
  const memory = linkMemory();
  const link: DeviceLink = {
    write: async (bytes) => sim.receive(bytes),
    device: { id: 'sim', settings: { receiveTimeoutMs: 5000 } },
    now: () => new Date(),
    log: silentLogger,
    resends: memory.resends,
  };
  const session = driver.open(link);
  const reports: DeviceReport[] = [];
  const errors: ProtocolError[] = [];
  session.on('report', async (r) => {
    await o.store?.(r);
    reports.push(r);
    memory.stored(r);
  });
  session.on('protocolError', (e) => errors.push(e));
  let done = false;
  void sim.done.then(() => {
    done = true;
  });
  sim.start({ write: (bytes) => session.receive(bytes) });
  for (let i = 0; i < 2000 && !done; i++) await vi.advanceTimersByTimeAsync(250);
  // Anything still in flight would show up now: nothing may.
  await vi.advanceTimersByTimeAsync(20_000);
  sim.stop();
  session.close();
  return { sim, reports, errors, done };
}

const iso = (astm: string): string =>
  `${astm.slice(0, 4)}-${astm.slice(4, 6)}-${astm.slice(6, 8)}T${astm.slice(8, 10)}:${astm.slice(10, 12)}:${astm.slice(12, 14)}`;

/** What the driver must have made of one order the simulator sent, written from the simulator's side. */
function expected(order: SentOrder) {
  return {
    subject: {
      mrn: order.patientId,
      family: order.family,
      given: order.given,
      dob: `${order.dob.slice(0, 4)}-${order.dob.slice(4, 6)}-${order.dob.slice(6, 8)}`,
      sex: order.sex,
    },
    specimen: { id: order.specimenId, collectedAt: iso(order.collectedAt), type: order.specimenType },
    order: {
      placer: order.specimenId,
      filler: order.instrumentSpecimenId,
      code: { system: 'L', code: order.tests[0] },
      ...(order.tests.length > 1 ? { tests: order.tests.map((code) => ({ system: 'L', code })) } : {}),
    },
    comments: order.comments.length > 0 ? order.comments : undefined,
    measurements: order.results.map((r) => ({
      code: r.code,
      value: /^[0-9.]+$/.test(r.valueText) ? Number(r.valueText) : r.valueText,
      valueText: r.valueText,
      unit: r.unit,
      range: r.range,
      flags: r.flag ? [r.flag] : undefined,
      status: r.status,
      comments: r.comments.length > 0 ? r.comments : undefined,
    })),
  };
}

function actual(r: DeviceReport) {
  return {
    subject: r.subject,
    specimen: r.specimen,
    order: r.order,
    comments: r.comments,
    measurements: r.measurements.map((m) => ({
      code: m.code?.local?.code,
      value: m.value,
      valueText: m.valueText,
      unit: m.unit,
      range: m.referenceRange,
      flags: m.flags,
      status: m.status,
      comments: m.comments,
    })),
  };
}

function expectSameAsSent(reports: DeviceReport[], completed: readonly SentTransmission[]): void {
  const orders = completed.flatMap((t) => t.orders);
  expect(reports.map(actual)).toEqual(orders.map(expected));
  const specimens = reports.map((r) => r.specimen?.id);
  expect(new Set(specimens).size).toBe(specimens.length);
}

describe('astm-lis2 simulator -> driver, in process', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('delivers every completed transmission once, with the values sent, for any seed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.integer(), async (count, seed) => {
        const run = await roundtrip({ count, seed });
        expect(run.done).toBe(true);
        expect(run.sim.sent).toBe(count);
        expect(run.sim.completed).toHaveLength(count);
        expect(run.errors).toEqual([]);
        expectSameAsSent(run.reports, run.sim.completed);
        expect(run.sim.failedAttempts).toBe(0);
      }),
      { numRuns: 12 },
    );
  });

  it('rotates chemistry, hematology and urinalysis with realistic codes and units', async () => {
    const run = await roundtrip({ count: 3, seed: 5 });
    expect(run.sim.completed.map((t) => t.panel)).toEqual(['chemistry', 'hematology', 'urinalysis']);
    const codes = run.reports.map((r) => r.measurements.map((m) => m.code?.local?.code).join(','));
    expect(codes).toEqual(['GLU,BUN,CREA,NA,K,CL', 'WBC,RBC,HGB,HCT,PLT', 'GLU,PRO,PH,SG,KET,BLD,LEU']);
    expect(run.reports[1]?.measurements[0]?.unit).toBe('10*3/uL');
    expect(run.reports[2]?.measurements.find((m) => m.code?.local?.code === 'SG')?.value).toEqual(expect.any(Number));
    expect(run.reports[0]?.equipment).toBe('CHEM-300 SN1187');
    expect(run.reports.every((r) => /^PID\d{4}$/.test(r.subject?.mrn ?? ''))).toBe(true);
  });

  const signature: Partial<Record<Fault, RegExp>> = {
    'bad-checksum': /checksum mismatch/,
    'dropped-frame': /frame number \d, expected \d/,
    stall: /receiver timeout/,
    'eot-mid-record': /ended inside a record/,
    garbage: /outside a frame/,
    partial: /frame cut off/,
  };

  for (const fault of LINK_FAULTS) {
    it(`${fault}: the same reports as sent, none twice, none partial`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer(), async (count, seed) => {
          const run = await roundtrip({ count, seed, faults: [fault] });
          expect(run.done).toBe(true);
          expect(run.sim.sent).toBe(count);
          expectSameAsSent(run.reports, run.sim.completed);
          const sig = signature[fault];
          if (sig) expect(run.errors.map((e) => e.reason).join('\n')).toMatch(sig);
          if (fault === 'lost-ack') expect(run.errors).toEqual([]);
          if (fault === 'stall' || fault === 'eot-mid-record') expect(run.sim.failedAttempts).toBeGreaterThan(0);
        }),
        { numRuns: 8 },
      );
    });
  }

  it('all faults together, many seeds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 6 }), fc.integer(), fc.subarray(LINK_FAULTS, { minLength: 2 }), async (count, seed, faults) => {
        const run = await roundtrip({ count, seed, faults });
        expect(run.done).toBe(true);
        expectSameAsSent(run.reports, run.sim.completed);
      }),
      { numRuns: 15 },
    );
  });

  it('implausible: one chemistry panel carries a glucose of 9999, still reported', async () => {
    const run = await roundtrip({ count: 4, seed: 3, faults: ['implausible'] });
    expectSameAsSent(run.reports, run.sim.completed);
    expect(run.reports.some((r) => r.measurements.some((m) => m.code?.local?.code === 'GLU' && m.value === 9999))).toBe(true);
  });

  it('a store that fails now and then: NAK, retransmission, each report stored exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 5 }), fc.integer(), async (count, seed) => {
        let calls = 0;
        const stored = new Map<string, number>();
        const run = await roundtrip({
          count,
          seed,
          store: (r) => {
            calls++;
            if (calls % 2 === 1) return Promise.reject(new Error('disk full'));
            const id = r.specimen?.id ?? '';
            stored.set(id, (stored.get(id) ?? 0) + 1);
          },
        });
        expect(run.done).toBe(true);
        expectSameAsSent(run.reports, run.sim.completed);
        expect([...stored.values()].every((n) => n === 1)).toBe(true);
        expect(calls).toBe(2 * count);
      }),
      { numRuns: 8 },
    );
  });
});

describe('astm-lis2 simulator -> driver over a socat pty pair', () => {
  it('three transmissions with link faults arrive once each, as sent', async () => {
    const pty = await openPtyPair();
    const opened: SerialPort[] = [];
    const openPort = (path: string): Promise<SerialPort> =>
      new Promise((resolve, reject) => {
        const sp = new SerialPort({ path, baudRate: 9600, autoOpen: false });
        sp.open((err) => (err ? reject(err) : resolve(sp)));
      });
    try {
      const gatewayEnd = await openPort(pty.a);
      opened.push(gatewayEnd);
      const deviceEnd = await openPort(pty.b);
      opened.push(deviceEnd);
      const memory = linkMemory();
      const session = driver.open({
        write: (bytes) => new Promise<void>((resolve, reject) => gatewayEnd.write(Buffer.from(bytes), (err) => (err ? reject(err) : resolve()))),
        device: { id: 'pty', settings: { receiveTimeoutMs: 1000 } },
        now: () => new Date(),
        log: silentLogger,
        resends: memory.resends,
      });
      const reports: DeviceReport[] = [];
      const errors: ProtocolError[] = [];
      session.on('report', async (r) => {
        await new Promise((resolve) => setTimeout(resolve, 5)); // a store that takes a moment
        reports.push(r);
        memory.stored(r);
      });
      session.on('protocolError', (e) => errors.push(e));
      gatewayEnd.on('data', (data: Buffer) => session.receive(data));

      const sim = create({
        count: 3,
        seed: 42,
        faults: ['bad-checksum', 'lost-ack', 'eot-mid-record'],
        intervalMs: 20,
        replyTimeoutMs: 2000,
        retryDelayMs: 50,
        stallMs: 1500,
      });
      deviceEnd.on('data', (data: Buffer) => sim.receive(data));
      sim.start({ write: (bytes) => void deviceEnd.write(Buffer.from(bytes)) });
      await sim.done;
      await new Promise((resolve) => setTimeout(resolve, 200));
      sim.stop();
      session.close();

      expect(sim.sent).toBe(3);
      expectSameAsSent(reports, sim.completed);
      expect(errors.map((e) => e.reason).join('\n')).toMatch(/checksum mismatch/);
      expect(errors.map((e) => e.reason).join('\n')).toMatch(/ended inside a record/);
    } finally {
      for (const sp of opened) if (sp.isOpen) await new Promise<void>((resolve) => sp.close(() => resolve()));
      await pty.close();
    }
  });
});
