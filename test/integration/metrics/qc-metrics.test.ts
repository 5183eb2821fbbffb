// The QC metrics of a running gateway: an ASTM analyzer (dialled over TCP) sends a control in range and
// one out of range (1-3s); /metrics counts the results by verdict and shows the open rejection until the
// lab lead's review, as a Prometheus parser reads the exposition.

import parsePrometheusTextFormat, { type PromFamily } from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import type { QcRejectionView } from '../../../src/qc/qc-view.ts';
import { startAnalyzerServer, type AnalyzerServer } from '../../support/analyzer-server.ts';
import type { ByteLink } from '../../support/astm-analyzer.ts';
import { eventually } from '../../support/eventually.ts';
import type { GatewayProcess } from '../../support/gateway-process.ts';
import { CHEMISTRY_CODES, QUICK_E1381, startOrdersRig, type OrdersRig } from '../../support/orders-rig.ts';
import { awaitQcEntries } from '../../support/qc-api.ts';
import { astmSpecimen, hoursAgo, transmit } from '../../support/qc-wire.ts';

const LOT = 'QC-GLU-1';

const analyzer = (port: number): DeviceConfigT => ({
  id: 'chem',
  driver: 'astm-lis2',
  label: 'Chemistry',
  transport: { type: 'tcp', mode: 'connect', host: '127.0.0.1', port },
  settings: QUICK_E1381,
  codeMap: CHEMISTRY_CODES,
  qc: { lots: [{ id: LOT, level: '1', targets: { GLU: { mean: 5.5, sd: 0.15, unit: 'mmol/L' } } }] },
});

describe('QC metrics of a running gateway', { timeout: 120_000 }, () => {
  let server: AnalyzerServer;
  let rig: OrdersRig;
  let gw: GatewayProcess;
  let link: ByteLink;

  beforeAll(async () => {
    server = await startAnalyzerServer();
    rig = await startOrdersRig([analyzer(server.port)], []);
    gw = rig.gw;
    link = await server.link();
  }, 60_000);

  afterAll(async () => {
    await rig?.stop();
    await server?.close();
  });

  const families = async (): Promise<PromFamily[]> => {
    const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${gw.token}` } });
    expect(res.status).toBe(200);
    return parsePrometheusTextFormat(await res.text());
  };
  const values = (all: PromFamily[], name: string): Record<string, number> => {
    const family = all.find((f) => f.name === name);
    if (!family) throw new Error(`no metric ${name}`);
    return Object.fromEntries(family.metrics.map((m) => [Object.values(m.labels ?? {}).join('/'), Number(m.value)]));
  };
  const control = (value: string, hours: number) =>
    transmit(link, astmSpecimen({ specimen: LOT, results: { GLU: value }, unit: 'mmol/l', action: 'Q', at: hoursAgo(hours) }));

  it('counts QC results by verdict and the unreviewed rejection, 0 once reviewed', async () => {
    await control('5.53', 2);
    await control('6.31', 1);
    const [rejected] = await awaitQcEntries(gw, { device: 'chem', test: 'GLU', lot: LOT }, 2);
    expect(rejected).toMatchObject({ status: 'rejected' });
    const before = await families();
    expect(values(before, 'medgate_qc_results_total')).toEqual({ 'chem/accepted': 1, 'chem/warning': 0, 'chem/rejected': 1, 'chem/not-judged': 0 });
    expect(values(before, 'medgate_qc_rejections_open')).toEqual({ chem: 1 });

    const review = await gw.api<{ rejection: QcRejectionView }>('POST', `/api/qc/rejections/${rejected!.rejection}/review`, {
      action: 'new reagent cartridge; control repeated in range',
    });
    expect(review.status).toBe(200);
    await eventually(async () => expect(values(await families(), 'medgate_qc_rejections_open')).toEqual({ chem: 0 }), 10_000);
  });
});
