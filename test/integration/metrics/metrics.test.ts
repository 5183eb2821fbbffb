// /metrics and /api/health against a gateway process: A&D scales dialled over TCP (test servers
// standing in for serial device servers), the EHR stand-in in its own process. Readings are queued,
// held and rejected for real, one is delivered, one refused (dead letter), one stuck while the EHR
// is away, and a device link goes down; the exposition is read with a Prometheus text-format parser.

import { mkdirSync, writeFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import parsePrometheusTextFormat, { type PromFamily, type PromSample } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import type { HealthReport, ReadingView } from '../../../src/web/api-types.ts';
import { ALICE, gatewayConfig } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { freePort } from '../../support/free-port.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { firstAdmin, signIn } from '../../support/sign-in.ts';

/** A serial device server with an A&D scale behind it: the gateway dials it, the test writes the scale's lines. */
interface ScaleServer {
  port: number;
  connected(): Promise<net.Socket>;
  close(): Promise<void>;
}

async function startScaleServer(): Promise<ScaleServer> {
  const sockets = new Set<net.Socket>();
  let waiting: ((s: net.Socket) => void) | undefined;
  let latest: net.Socket | undefined;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    latest = socket;
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    waiting?.(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    connected: () => (latest && !latest.destroyed ? Promise.resolve(latest) : new Promise((resolve) => (waiting = resolve))),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const scale = (id: string, port: number): DeviceConfigT => ({
  id,
  driver: 'ad-scale',
  label: id,
  transport: { type: 'tcp', mode: 'connect', host: '127.0.0.1', port },
  settings: { mode: 'print' },
});

function family(families: PromFamily[], name: string, type: PromFamily['type']): PromFamily {
  const f = families.find((x) => x.name === name);
  expect(f, `metric ${name}`).toBeDefined();
  expect(f!.type).toBe(type);
  return f!;
}

function sample(f: PromFamily, labels: Record<string, string>): PromSample {
  const s = f.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  expect(s, `${f.name}${JSON.stringify(labels)}`).toBeDefined();
  return s!;
}

const value = (f: PromFamily, labels: Record<string, string> = {}) => Number(sample(f, labels).value);

describe('/metrics and /api/health of a running gateway', () => {
  let ehr: EhrStandin;
  let gw: GatewayProcess;
  let scale1: ScaleServer;
  let scale2: ScaleServer;
  let dataDir: string;

  const health = async () => {
    const res = await gw.api<HealthReport>('GET', '/api/health');
    expect(res.status).toBe(200);
    return res.body;
  };
  const codes = (report: HealthReport) => report.reasons.map((r) => `${r.code}${r.subject ? ` ${r.subject}` : ''}`);
  const scrape = async (headers: Record<string, string> = { authorization: `Bearer ${gw.token}` }) => fetch(`${gw.url}/metrics`, { headers });

  beforeAll(async () => {
    ehr = await startEhrStandin();
    scale1 = await startScaleServer();
    scale2 = await startScaleServer();
    const dir = tempDir();
    dataDir = join(dir, 'data');
    gw = await startGatewayProcess(
      gatewayConfig(dir, ehr.port, [scale('scale-1', scale1.port), scale('scale-2', scale2.port)], {
        // Short, so the test sees them; the disk's own fill level must not decide this test (see the next describe).
        health: { destinationStalledMinutes: 0.05, deviceDownMinutes: 0.02, diskLowPercent: 0, diskCriticalPercent: 0 },
      }),
      { dir },
    );
  });

  afterAll(async () => {
    await gw?.stop();
    await ehr?.stop();
    await scale1?.close();
    await scale2?.close();
  });

  it('refuses /metrics without the API token, or with a wrong one', async () => {
    const none = await scrape({});
    expect(none.status).toBe(401);
    expect(await none.text()).not.toContain('medgate_');
    expect((await scrape({ authorization: 'Bearer not-the-token' })).status).toBe(401);
  });

  it('is ok once the devices are connected and nothing waits', async () => {
    await Promise.all([scale1.connected(), scale2.connected()]);
    await eventually(async () => expect(await health()).toMatchObject({ status: 'ok', reasons: [] }), 10_000);
  });

  it('counts, times and reports what happened, as a Prometheus parser reads it', async () => {
    const s1 = await scale1.connected();
    const s2 = await scale2.connected();
    expect((await gw.api('PUT', '/api/devices/scale-1/patient', { ...ALICE, minutes: 30 })).status).toBe(200);

    // Queued and delivered.
    s1.write('ST,GS,+0070.50kg\r\n');
    await ehr.waitFor(1, 15_000);
    // Held: scale-2 is bound to no one.
    s2.write('ST,GS,+0081.00kg\r\n');
    await eventually(async () => {
      const held = (await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=held&device=scale-2')).body.readings;
      expect(held).toHaveLength(1);
    }, 10_000);
    // Rejected: bytes no A&D scale sends.
    s2.write(Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a]));
    await gw.waitForLog((l) => l.msg === 'protocol error from device' && l.device === 'scale-2');
    // Refused by the EHR: a dead letter.
    await ehr.script(['AR']);
    s1.write('ST,GS,+0070.60kg\r\n');
    await gw.waitForLog((l) => l.msg === 'rejected by the receiver; dead letter', 15_000);
    await eventually(async () => expect(codes(await health())).toEqual(['dead-letters ehr']), 10_000);
    expect((await health()).status).toBe('degraded');

    // The EHR goes away with a reading waiting: after the (shortened) threshold, failing.
    await ehr.stop();
    s1.write('ST,GS,+0070.70kg\r\n');
    const failing = await eventually(
      async () => {
        const h = await health();
        expect(codes(h)).toEqual(['destination-stalled ehr', 'dead-letters ehr']);
        return h;
      },
      20_000,
      200,
    );
    expect(failing.status).toBe('failing');
    expect(failing.reasons[0]!.message).toMatch(/^destination ehr has delivered nothing for \d+ s while 1 message\(s\) wait$/);

    // A device link goes down.
    const closedAt = Date.now();
    await scale2.close();
    const down = await eventually(
      async () => {
        const reason = (await health()).reasons.find((r) => r.code === 'device-link-down');
        expect(reason?.subject).toBe('scale-2');
        return reason!;
      },
      15_000,
      200,
    );
    // Down since the link went (the start of this outage), not since the gateway started.
    expect(Date.parse(down.since!)).toBeGreaterThanOrEqual(closedAt - 50);

    const res = await scrape();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(await res.text());

    const readings = family(families, 'medgate_readings_total', 'COUNTER');
    expect(value(readings, { device: 'scale-1', outcome: 'queued' })).toBe(3);
    expect(value(readings, { device: 'scale-1', outcome: 'held' })).toBe(0);
    expect(value(readings, { device: 'scale-1', outcome: 'rejected' })).toBe(0);
    expect(value(readings, { device: 'scale-2', outcome: 'queued' })).toBe(0);
    expect(value(readings, { device: 'scale-2', outcome: 'held' })).toBe(1);
    expect(value(readings, { device: 'scale-2', outcome: 'rejected' })).toBe(1);

    expect(value(family(families, 'medgate_outbox_queued', 'GAUGE'), { destination: 'ehr' })).toBe(1);
    expect(value(family(families, 'medgate_outbox_dead', 'GAUGE'), { destination: 'ehr' })).toBe(1);
    const age = value(family(families, 'medgate_outbox_oldest_age_seconds', 'GAUGE'), { destination: 'ehr' });
    expect(age).toBeGreaterThanOrEqual(3);
    expect(age).toBeLessThan(120);

    // One delivery (the dead letter was answered, not delivered), ACKed well within a second here.
    const delivery = sample(family(families, 'medgate_delivery_seconds', 'HISTOGRAM'), {});
    expect(Number(delivery.count)).toBe(1);
    expect(Number(delivery.sum)).toBeGreaterThan(0);
    expect(Number(delivery.sum)).toBeLessThan(10);
    expect(Number(delivery.buckets!['+Inf'])).toBe(1);
    expect(Number(delivery.buckets!['10'])).toBe(1);

    expect(value(family(families, 'medgate_messages_delivered_total', 'COUNTER'), { destination: 'ehr' })).toBe(1);

    const link = family(families, 'medgate_device_link_up', 'GAUGE');
    expect(value(link, { device: 'scale-1' })).toBe(1);
    expect(value(link, { device: 'scale-2' })).toBe(0);

    const fs = await statfs(dataDir);
    const free = value(family(families, 'medgate_data_disk_free_bytes', 'GAUGE'));
    const size = value(family(families, 'medgate_data_disk_size_bytes', 'GAUGE'));
    expect(size).toBe(fs.blocks * fs.bsize);
    expect(free).toBeGreaterThan(0);
    expect(free).toBeLessThanOrEqual(size);

    // The library's process metrics, in the same registry.
    expect(value(family(families, 'process_cpu_user_seconds_total', 'COUNTER'))).toBeGreaterThan(0);
    expect(value(family(families, 'process_resident_memory_bytes', 'GAUGE'))).toBeGreaterThan(1e6);
    expect(value(family(families, 'nodejs_heap_size_used_bytes', 'GAUGE'))).toBeGreaterThan(1e6);
  });

  it('lets a signed-in administrator read /metrics, not staff; any signed-in user reads /api/health', async () => {
    const admin = await firstAdmin(gw);
    expect((await scrape({ cookie: admin.cookie })).status).toBe(200);
    expect((await gw.api('POST', '/api/users', { name: 'nurse', password: 'another long password', role: 'staff' })).status).toBe(201);
    const staff = (await signIn(gw, 'nurse', 'another long password')).cookie;
    expect((await scrape({ cookie: staff })).status).toBe(403);
    expect((await fetch(`${gw.url}/api/health`, { headers: { cookie: staff } })).status).toBe(200);
    expect((await fetch(`${gw.url}/api/health`)).status).toBe(401);
  });
});

describe('/api/health on a damaged database and a nearly full disk', () => {
  let gw: GatewayProcess;

  beforeAll(async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'data', 'db'), { recursive: true });
    writeFileSync(join(dir, 'data', 'db', 'data.mdb'), 'garbage\n');
    // Any disk is "nearly full" against 100 %: the reading of the disk is what is under test here.
    gw = await startGatewayProcess(gatewayConfig(dir, await freePort(), [], { health: { diskLowPercent: 100 } }), { dir });
  });

  afterAll(async () => {
    await gw?.stop();
  });

  it('is degraded, naming both, and /healthz stays the cheap check it was', async () => {
    const report = (await gw.api<HealthReport>('GET', '/api/health')).body;
    expect(report.status).toBe('degraded');
    expect(report.reasons.map((r) => r.code)).toEqual(['disk-low', 'storage-damaged']);
    expect(report.reasons[1]!.message).toContain('db.damaged-');
    const healthz = (await (await fetch(`${gw.url}/healthz`)).json()) as { status: string };
    expect(healthz.status).toBe('degraded');
  });
});
