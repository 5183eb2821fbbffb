// The QC metrics: results logged per device and Westgard verdict, and the unreviewed rejections per
// device as the QC service has them now (for an alert: `medgate_qc_rejections_open > 0`).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayMetrics } from '../../../src/metrics/gateway-metrics.ts';

type Sample = { value: number; labels: Record<string, string | number> };

const open: GatewayMetrics[] = [];
afterEach(() => {
  for (const m of open.splice(0)) m.close();
});

async function samples(m: GatewayMetrics, name: string): Promise<Record<string, number>> {
  const all = (await m.registry.getMetricsAsJSON()) as Array<{ name: string; values: Sample[] }>;
  const metric = all.find((x) => x.name === name);
  if (!metric) throw new Error(`no metric ${name}`);
  return Object.fromEntries(metric.values.map((v) => [Object.values(v.labels).join('/'), v.value]));
}

describe('QC metrics', () => {
  it('counts QC results per device and status, and the open rejections per device, 0 once reviewed', async () => {
    let problems = [{ device: 'chem' }, { device: 'chem' }, { device: 'hema' }];
    const m = new GatewayMetrics({ dataDir: mkdtempSync(join(tmpdir(), 'medgate-qc-metrics-')) });
    open.push(m);
    m.readFrom({ devices: () => [], destinationIds: () => [], messages: () => [], qcProblems: () => problems });
    for (const s of ['accepted', 'accepted', 'warning', 'rejected'] as const) m.qcResult('chem', s);
    m.qcResult('hema', 'not-judged');
    expect(await samples(m, 'medgate_qc_results_total')).toEqual({
      'chem/accepted': 2,
      'chem/warning': 1,
      'chem/rejected': 1,
      'chem/not-judged': 0,
      'hema/accepted': 0,
      'hema/warning': 0,
      'hema/rejected': 0,
      'hema/not-judged': 1,
    });
    expect(await samples(m, 'medgate_qc_rejections_open')).toEqual({ chem: 2, hema: 1 });
    problems = [{ device: 'hema' }];
    expect(await samples(m, 'medgate_qc_rejections_open')).toEqual({ chem: 0, hema: 1 });
    // Scraped again, the same totals: a scrape reads, never adds.
    expect((await samples(m, 'medgate_qc_results_total'))['chem/accepted']).toBe(2);
    expect(await m.text()).toMatch(/^medgate_qc_rejections_open\{device="hema"\} 1$/m);
  });

  it('without a QC service or results, the metrics are there without series', async () => {
    const m = new GatewayMetrics({ dataDir: mkdtempSync(join(tmpdir(), 'medgate-qc-metrics-')) });
    open.push(m);
    m.readFrom({ devices: () => [], destinationIds: () => [], messages: () => [] });
    expect(await samples(m, 'medgate_qc_results_total')).toEqual({});
    expect(await samples(m, 'medgate_qc_rejections_open')).toEqual({});
  });
});
