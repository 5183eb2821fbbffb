// The gateway side (MqttConnection -> MqttTransport -> DeviceRunner -> mqtt-json session) against a
// real mosquitto with persistence: messages published while the gateway is away, broker restarts,
// a store that fails once, invalid messages, and the MQTT vitals simulator through the runner.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { driver } from '../../../drivers/mqtt-json/index.ts';
import { create as createVitals } from '../../../simulators/mqtt-vitals.ts';
import { runMqtt } from '../../../simulators/runner.ts';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import { DeviceRunner } from '../../../src/devices/device-runner.ts';
import type { DeviceReport, ProtocolError } from '../../../src/model/driver.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import { MqttConnection } from '../../../src/transports/mqtt-connection.ts';
import { MqttTransport } from '../../../src/transports/mqtt.ts';
import { eventually } from '../../support/eventually.ts';
import { startMosquitto, type Mosquitto } from '../../support/mosquitto.ts';
import { device } from './helpers.ts';
import { memoryResends } from '../../support/resend-memory.ts';

let broker: Mosquitto;
beforeAll(async () => {
  broker = await startMosquitto();
});
afterAll(async () => {
  await broker?.stop();
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Gateway {
  connection: MqttConnection;
  stored: DeviceReport[];
  errors: ProtocolError[];
  /** Ids of stored readings, in order. */
  ids(): string[];
}

let seq = 0;

/** The gateway's MQTT side for one mqtt-json device; `accept` may fail to simulate a full disk. */
function gateway(topic: string, accept?: (report: DeviceReport) => Promise<void>): Gateway {
  const connection = new MqttConnection({
    url: broker.url,
    clientId: `medgate-mosq-${process.pid}-${++seq}`,
    log: silentLogger,
    backoff: { initialMs: 20, maxMs: 200 },
  });
  const transport = new MqttTransport({ connection, topic, log: silentLogger });
  const config: DeviceConfigT = { id: `vitals-${seq}`, driver: 'mqtt-json', transport: { type: 'mqtt', topic } };
  const stored: DeviceReport[] = [];
  const errors: ProtocolError[] = [];
  const runner = new DeviceRunner({
    device: config,
    driver,
    transport,
    log: silentLogger,
    accept: async (_device, report) => {
      await accept?.(report);
      return `R${stored.push(report)}`;
    },
    resends: memoryResends(),
    onProtocolError: (_id, e) => errors.push(e),
  });
  runner.start();
  connection.start();
  cleanups.push(async () => {
    await runner.stop();
    await connection.stop();
  });
  const ids = (): string[] => stored.map((r) => (JSON.parse(r.raw) as { id: string }).id);
  return { connection, stored, errors, ids };
}

function reading(id: string, systolic = 120): string {
  return JSON.stringify({
    device: 'SN-20431',
    time: '2026-11-27T09:41:00-05:00',
    id,
    measurements: [
      { type: 'bp.systolic', value: systolic, unit: 'mmHg' },
      { type: 'bp.diastolic', value: 80, unit: 'mmHg' },
    ],
  });
}

async function publishAll(topic: string, payloads: string[]): Promise<void> {
  const d = await device(broker.url);
  for (const p of payloads) await d.publishAsync(topic, p, { qos: 1 });
  await d.endAsync();
}

const batch = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i + 1}`);

describe('MQTT devices through mosquitto', () => {
  it('gets what was published while the gateway was stopped, and across broker restarts, each exactly once', async () => {
    const topic = 'clinic/room1/vitals';
    const g = gateway('clinic/+/vitals');
    await eventually(() => expect(g.connection.status.state).toBe('connected'));

    // Live.
    await publishAll(
      topic,
      batch('live', 5).map((id) => reading(id)),
    );
    await eventually(() => expect(g.ids()).toEqual(batch('live', 5)));

    // While we are away: queued in our persistent session.
    await g.connection.stop();
    await publishAll(
      topic,
      batch('away', 5).map((id) => reading(id)),
    );
    g.connection.start();
    await eventually(() => expect(g.ids()).toHaveLength(10));

    // Broker restart while we are connected: we reconnect by ourselves.
    await broker.restart();
    await eventually(() => expect(g.connection.status.state).toBe('connected'));
    await publishAll(
      topic,
      batch('after-restart', 5).map((id) => reading(id)),
    );
    await eventually(() => expect(g.ids()).toHaveLength(15));

    // Queued while we are away, and the broker restarts meanwhile: its persistence keeps them.
    await g.connection.stop();
    await publishAll(
      topic,
      batch('queued-over-restart', 5).map((id) => reading(id)),
    );
    await broker.restart();
    g.connection.start();
    await eventually(() => expect(g.ids()).toHaveLength(20));

    // Let any stray redelivery show up before judging.
    await publishAll(topic, [reading('marker')]);
    await eventually(() => expect(g.ids()).toContain('marker'));
    expect(g.ids()).toEqual([...batch('live', 5), ...batch('away', 5), ...batch('after-restart', 5), ...batch('queued-over-restart', 5), 'marker']);
    expect(g.errors).toEqual([]);
    expect(g.connection.status.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('a reading that could not be stored comes back (DUP) and is stored once', async () => {
    let failures = 1;
    const g = gateway('clinic/flaky/vitals', async () => {
      if (failures-- > 0) throw new Error('disk full');
    });
    await eventually(() => expect(g.connection.status.state).toBe('connected'));
    await publishAll('clinic/flaky/vitals', [reading('flaky-1'), reading('flaky-2')]);
    await eventually(() => expect(g.ids()).toEqual(['flaky-1', 'flaky-2']));
    expect(g.connection.status.lastError).toMatch(/disk full/);
    expect(g.connection.status.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('rejects invalid messages with reasons that name the field, and acknowledges them', async () => {
    const topic = 'clinic/bad/vitals';
    const g = gateway(topic);
    await eventually(() => expect(g.connection.status.state).toBe('connected'));
    const invalid = JSON.parse(reading('bad-1')) as { measurements: Array<Record<string, unknown>> };
    invalid.measurements[1]!.value = 'eighty';
    await publishAll(topic, [
      'BP 128/84 P72',
      JSON.stringify(invalid),
      JSON.stringify({ device: 'SN-1', measurements: [{ type: 'pulse', value: 70 }] }),
      reading('good-1'),
    ]);
    await eventually(() => expect(g.ids()).toEqual(['good-1']));
    expect(g.errors.map((e) => e.reason)).toEqual([
      expect.stringMatching(/^message is not JSON/),
      'measurements[1].value: expected a number, got text',
      'measurements[0].unit: is required',
    ]);
    // Acknowledged: a new session start does not bring them back.
    await g.connection.stop();
    g.connection.start();
    await publishAll(topic, [reading('good-2')]);
    await eventually(() => expect(g.ids()).toEqual(['good-1', 'good-2']));
    expect(g.errors).toHaveLength(3);
  });

  it('the MQTT vitals simulator, with faults, through the runner: every reading stored once', async () => {
    const topic = 'clinic/sim/vitals';
    const g = gateway(topic);
    await eventually(() => expect(g.connection.status.state).toBe('connected'));
    const sim = createVitals({ count: 8, intervalMs: 5, seed: 7, faults: ['garbage', 'duplicate', 'implausible'] });
    const run = runMqtt(sim, { url: broker.url, topic });
    cleanups.push(() => run.stop());
    await run.done;
    await eventually(() => expect(g.stored).toHaveLength(8));
    expect(g.ids()).toEqual(sim.messages.map((m) => m.id));
    expect(g.errors.length).toBeGreaterThanOrEqual(1);
    expect(g.errors.every((e) => e.reason.startsWith('message is not JSON'))).toBe(true);
    const systolics = g.stored.flatMap((r) => r.measurements.filter((m) => m.type === 'bp.systolic').map((m) => m.value));
    expect(systolics).toContain(400);
  });
});
