import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { register as globalRegistry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayMetrics, type ScrapeSources } from '../../../src/metrics/gateway-metrics.ts';
import type { OutboxMessage } from '../../../src/store/types.ts';
import type { LinkState } from '../../../src/transports/types.ts';

type Sample = { value: number; labels: Record<string, string | number>; metricName?: string };

const open: GatewayMetrics[] = [];
afterEach(() => {
  for (const m of open.splice(0)) m.close();
});

function metricsOver(sources: Partial<ScrapeSources> = {}, dataDir = mkdtempSync(join(tmpdir(), 'medgate-metrics-'))): GatewayMetrics {
  const m = new GatewayMetrics({ dataDir });
  m.readFrom({ devices: () => [], destinationIds: () => [], messages: () => [], ...sources });
  open.push(m);
  return m;
}

async function samples(m: GatewayMetrics, name: string): Promise<Sample[]> {
  const all = (await m.registry.getMetricsAsJSON()) as Array<{ name: string; values: Sample[] }>;
  const metric = all.find((x) => x.name === name);
  if (!metric) throw new Error(`no metric ${name}`);
  return metric.values;
}

const byLabels = (values: Sample[]) => Object.fromEntries(values.map((v) => [Object.values(v.labels).join('/'), v.value]));

describe('GatewayMetrics', () => {
  it('counts readings per device and outcome, with zeros for configured devices that sent nothing', async () => {
    const m = metricsOver({
      devices: () => [
        { id: 'scale-1', enabled: true, state: 'connected' },
        { id: 'bp-1', enabled: true, state: 'connected' },
      ],
    });
    m.reading('scale-1', 'queued');
    m.reading('scale-1', 'queued');
    m.reading('scale-1', 'held');
    m.reading('scale-1', 'rejected');
    m.reading('removed-1', 'rejected');
    expect(byLabels(await samples(m, 'medgate_readings_total'))).toEqual({
      'scale-1/queued': 2,
      'scale-1/held': 1,
      'scale-1/rejected': 1,
      'bp-1/queued': 0,
      'bp-1/held': 0,
      'bp-1/rejected': 0,
      'removed-1/queued': 0,
      'removed-1/held': 0,
      'removed-1/rejected': 1,
    });
    // Scraped again, the same totals: a scrape reads, never adds.
    expect(byLabels(await samples(m, 'medgate_readings_total'))['scale-1/queued']).toBe(2);
  });

  it('keeps each gateway in its own registry, never the global one', async () => {
    const a = metricsOver();
    const b = metricsOver();
    a.reading('dev', 'queued');
    expect(byLabels(await samples(a, 'medgate_readings_total'))['dev/queued']).toBe(1);
    expect(await samples(b, 'medgate_readings_total')).toEqual([]);
    expect(globalRegistry.getSingleMetric('medgate_readings_total')).toBeUndefined();
    expect((await a.text()).includes('process_cpu_user_seconds_total')).toBe(true);
  });

  it('reads the outbox per destination at scrape time', async () => {
    const now = Date.now();
    const msg = (id: string, destinationId: string, state: OutboxMessage['state'], ageS: number): OutboxMessage => ({
      id,
      destinationId,
      readingId: id,
      seq: 1,
      controlId: id,
      body: '',
      state,
      attempts: 0,
      createdAt: new Date(now - ageS * 1000).toISOString(),
    });
    const messages = [msg('a', 'ehr', 'queued', 30), msg('b', 'ehr', 'retry_wait', 90), msg('c', 'ehr', 'dead', 500), msg('d', 'uplink', 'delivered', 10)];
    const m = metricsOver({ destinationIds: () => ['ehr', 'uplink'], messages: () => messages });
    expect(byLabels(await samples(m, 'medgate_outbox_queued'))).toEqual({ ehr: 2, uplink: 0 });
    expect(byLabels(await samples(m, 'medgate_outbox_dead'))).toEqual({ ehr: 1, uplink: 0 });
    const age = byLabels(await samples(m, 'medgate_outbox_oldest_age_seconds'));
    expect(age.ehr).toBeGreaterThanOrEqual(90);
    expect(age.ehr).toBeLessThan(120);
    expect(age.uplink).toBe(0);
  });

  it("times deliveries from the message being built to its ACK, and remembers each destination's last", async () => {
    const m = metricsOver({ destinationIds: () => ['ehr', 'uplink'] });
    expect(byLabels(await samples(m, 'medgate_messages_delivered_total'))).toEqual({ ehr: 0, uplink: 0 });
    const empty = await samples(m, 'medgate_delivery_seconds');
    expect(empty.find((v) => v.metricName === 'medgate_delivery_seconds_count')?.value).toBe(0);
    m.delivered('ehr', new Date(Date.now() - 2000).toISOString());
    m.delivered('uplink', new Date(Date.now() - 40).toISOString());
    const values = await samples(m, 'medgate_delivery_seconds');
    const of = (metricName: string, le?: number | string) => values.find((v) => v.metricName === metricName && (le === undefined || v.labels.le === le))?.value;
    expect(of('medgate_delivery_seconds_count')).toBe(2);
    expect(of('medgate_delivery_seconds_sum')).toBeGreaterThanOrEqual(2.04);
    expect(of('medgate_delivery_seconds_bucket', 0.05)).toBe(1);
    expect(of('medgate_delivery_seconds_bucket', 2.5)).toBe(2);
    expect(byLabels(await samples(m, 'medgate_messages_delivered_total'))).toEqual({ ehr: 1, uplink: 1 });
    m.delivered('ehr', new Date().toISOString());
    expect(byLabels(await samples(m, 'medgate_messages_delivered_total'))).toEqual({ ehr: 2, uplink: 1 });
    expect(m.lastDeliveredAt('ehr')).toBeGreaterThan(Date.now() - 1000);
    expect(m.lastDeliveredAt('other')).toBeUndefined();
  });

  it('says which enabled device links are up, and since when a link has been down without a break', async () => {
    const states: Record<string, LinkState> = { a: 'connected', b: 'listening', c: 'retrying', off: 'stopped' };
    const m = metricsOver({ devices: () => Object.entries(states).map(([id, state]) => ({ id, state, enabled: id !== 'off' })) });
    expect(byLabels(await samples(m, 'medgate_device_link_up'))).toEqual({ a: 1, b: 1, c: 0 });

    m.link('c', 'connecting');
    const down = m.downSince('c')!;
    expect(down).toBeGreaterThan(Date.now() - 1000);
    await new Promise((r) => setTimeout(r, 5));
    m.link('c', 'retrying');
    m.link('c', 'connecting');
    expect(m.downSince('c')).toBe(down); // redialing is still the same outage
    m.link('c', 'connected');
    expect(m.downSince('c')).toBeUndefined();
  });

  it('reports the free and total space of the data folder, and unknown (not zero) when it cannot be read', async () => {
    const m = metricsOver();
    const [free] = await samples(m, 'medgate_data_disk_free_bytes');
    const [size] = await samples(m, 'medgate_data_disk_size_bytes');
    expect(free!.value).toBeGreaterThan(0);
    expect(size!.value).toBeGreaterThanOrEqual(free!.value);

    const gone = metricsOver({}, join(tmpdir(), 'medgate-metrics-no-such-folder', String(Date.now())));
    const [unknown] = await samples(gone, 'medgate_data_disk_free_bytes');
    expect(unknown!.value).toBeNaN();
  });
});
