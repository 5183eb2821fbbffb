// The shipped demo (config/demo.json, ports moved to free ones) shows QC: both demo analyzers run
// their control lots soon after start and then on a schedule (sped up here from one minute to two
// seconds; nothing else of the demo changes), the HL7 analyzer's third run breaks 1-3s on glucose,
// and the page's QC log and rejections have it. No control result is ever a patient reading or
// reaches the EHR: the demo's EHR destination goes to the EHR stand-in (its own process, real
// MLLP) so every message can be read, and "nothing there" is checked after later patient results
// have arrived.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QcEntryView, QcOverview, QcPage, QcRejectionView } from '../../../src/qc/qc-view.ts';
import type { SlimReading } from '../../../src/web/api-types.ts';
import { demoConfig } from '../../support/demo-config.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';

const QC_SAMPLE_IDS = ['QC-4711', 'QC-4712', 'QC-LOT-4711', 'QC-LOT-4712'];
const QC_EVERY_MS = 2000;

describe('the demo: QC runs of both analyzers, one rejection, and no control result in any chart', { timeout: 120_000 }, () => {
  let gw: GatewayProcess;
  let ehr: EhrStandin;

  beforeAll(async () => {
    const dir = tempDir();
    ehr = await startEhrStandin();
    const config = await demoConfig(dir);
    const sims = config.demo?.simulators ?? [];
    expect(sims.filter((s) => s.qc !== undefined).map((s) => s.device)).toEqual(['chem-1', 'astm-1']);
    for (const s of sims) if (s.qc) s.qc.everyMs = QC_EVERY_MS;
    config.destinations = config.destinations.map((d) => (d.type === 'mllp' ? { ...d, host: '127.0.0.1', port: ehr.port } : d));
    gw = await startGatewayProcess(config, { dir });
  });

  afterAll(async () => {
    await gw?.stop();
    await ehr?.stop();
  });

  const qc = async (query: string): Promise<QcEntryView[]> => (await gw.api<QcPage>('GET', `/api/qc?${query}`)).body.entries;

  it('both analyzers QC reaches GET /api/qc with the configured lots and levels; chem-1 glucose level 1 is rejected (1-3s)', async () => {
    const rejection = await eventually(
      async () => {
        const overview = await gw.api<QcOverview>('GET', '/api/qc/overview');
        expect(overview.status).toBe(200);
        const r = overview.body.rejections.find((x) => x.device === 'chem-1' && x.test === 'GLU' && x.review === undefined);
        expect(r).toBeDefined();
        return r!;
      },
      60_000,
      500,
    );
    expect(rejection.lot).toBe('QC-4711');
    expect(rejection.rules).toContain('1-3s');
    expect(rejection.holds).toBe(true);
    const one = await gw.api<QcRejectionView>('GET', `/api/qc/rejections/${encodeURIComponent(rejection.id)}`);
    expect(one.status).toBe(200);

    const glu = await qc('device=chem-1&test=GLU&lot=QC-4711&limit=50');
    const raised = glu.find((e) => e.id === rejection.entry);
    expect(raised?.status).toBe('rejected');
    expect(raised?.z).toBeGreaterThan(3);
    expect(raised?.level).toBe('1');
    expect(raised?.unit).toBe('mg/dL');
    expect(raised?.target).toMatchObject({ mean: 99, sd: 2.7, source: 'configured' });
    // The runs before it were in control.
    const earlier = glu.filter((e) => e.time < raised!.time);
    expect(earlier.length).toBeGreaterThanOrEqual(2);
    for (const e of earlier) expect(e.status).toBe('accepted');

    const astm = await eventually(
      async () => {
        const entries = await qc('device=astm-1&limit=200');
        expect(new Set(entries.map((e) => `${e.lot} ${e.test}`))).toEqual(
          new Set(['QC-LOT-4711 GLU', 'QC-LOT-4711 NA', 'QC-LOT-4711 K', 'QC-LOT-4712 GLU', 'QC-LOT-4712 NA', 'QC-LOT-4712 K']),
        );
        return entries;
      },
      30_000,
      500,
    );
    for (const e of astm) {
      expect(e.marker).toBe('ASTM O-12 Q');
      expect(e.level).toBe(e.lot === 'QC-LOT-4711' ? '1' : '2');
      // Every test on its configured target, in control: the demo's only rejection is chem-1's planned one.
      expect(e.target?.source).toBe('configured');
      expect(e.status).toBe('accepted');
    }
    const after = (await gw.api<QcOverview>('GET', '/api/qc/overview')).body;
    expect(after.rejections.filter((r) => r.device === 'astm-1')).toEqual([]);
    const chem = await qc('device=chem-1&limit=200');
    expect(chem.every((e) => e.marker === 'HL7 SPM-11 Q')).toBe(true);
  });

  it('no control result is a patient reading, held or not, and none reaches the EHR', async () => {
    // Wait until patient results sent after QC had begun have reached the EHR, so "none" is not "not yet".
    const seen = ehr.messages.length;
    await eventually(() => expect(ehr.messages.length).toBeGreaterThan(seen + 2), 60_000, 250);
    for (const m of ehr.messages) {
      for (const id of QC_SAMPLE_IDS) expect(m.text).not.toContain(id);
      const spm11 = m.text
        .split('\r')
        .filter((s) => s.startsWith('SPM|'))
        .map((s) => s.split('|')[11]);
      expect(spm11.filter((r) => r === 'Q' || r === 'C')).toEqual([]);
    }
    for (const status of ['held', 'queued', 'delivered', 'dead', 'discarded']) {
      const page = await gw.api<{ readings: SlimReading[] }>('GET', `/api/readings?status=${status}&limit=500`);
      expect(page.status).toBe(200);
      // Patient specimens here are SP..., S0... and DEMO-SPC-...; the controls' all start with QC.
      const specimens = page.body.readings.map((r) => r.reading.specimen?.id ?? '');
      expect(specimens.filter((id) => /^QC/i.test(id))).toEqual([]);
    }
  });
});
