// Issue 16, "Done when" 2 (a gateway restart keeps the QC log): QC entries, a target established from
// the first N results (qc.establishFromRuns) and an unreviewed rejection survive a clean stop and a
// SIGKILL on the same data folder; the target is never recomputed from later results; a control the
// analyzer had its last ACK for just before the kill is there after it; and the analyzer's glucose
// for a patient is still held after each restart. The analyzer is on a pty pair and written here.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QcEntryView, QcPage, QcSeriesView } from '../../../src/qc/qc-view.ts';
import { serialDevice } from '../../support/configs.ts';
import { eventually } from '../../support/eventually.ts';
import { startGatewayProcess } from '../../support/gateway-process.ts';
import type { FeedPatient } from '../../support/order-feed.ts';
import { CHEMISTRY_CODES, QUICK_E1381, startWithSerialAnalyzer, type SerialAnalyzerRig } from '../../support/orders-rig.ts';
import { awaitQcEntries, healthReasons, heldOf, qcEntries, qcOverview, qcRejection } from '../../support/qc-api.ts';
import { astmSpecimen, hoursAgo, transmit } from '../../support/qc-wire.ts';

const IDA: FeedPatient = { mrn: 'MRN1604', family: 'Irwin', given: 'Ida', dob: '1990-07-07', sex: 'F' };
const LOT = 'QC-EST-1';
/** The first ten results of a new lot: mean 5.5, sample SD sqrt(0.12 / 9) (CLSI C24: n - 1). */
const FIRST_TEN = ['5.4', '5.6', '5.5', '5.3', '5.7', '5.5', '5.4', '5.6', '5.5', '5.5'];
const SD = Math.sqrt(0.12 / 9);

describe('the QC log, established targets and rejections survive restarts', { timeout: 180_000 }, () => {
  let line: SerialAnalyzerRig;
  let rejection: string;
  let before: { entries: QcEntryView[]; series: QcSeriesView };

  beforeAll(async () => {
    line = await startWithSerialAnalyzer(
      (path) => ({
        ...serialDevice('chem-r', 'astm-lis2', path, QUICK_E1381),
        label: 'Chemistry (restart)',
        codeMap: CHEMISTRY_CODES,
        qc: { establishFromRuns: 10 },
      }),
      [IDA],
    );
  }, 60_000);

  afterAll(async () => {
    await line?.stop();
  });

  const gw = () => line.rig.gw;
  const control = (value: string, hours: number) =>
    transmit(line.end, astmSpecimen({ specimen: LOT, results: { GLU: value }, unit: 'mmol/l', action: 'Q', at: hoursAgo(hours) }));
  const patientGlucose = (specimen: string) =>
    transmit(line.end, astmSpecimen({ specimen, results: { GLU: '6.4' }, unit: 'mmol/l', action: 'N', patientId: IDA.mrn, at: hoursAgo(0.1) }));
  const series = async (): Promise<QcSeriesView> => {
    const s = (await qcOverview(gw())).series.find((x) => x.device === 'chem-r' && x.test === 'GLU' && x.lot === LOT);
    if (!s) throw new Error('no chem-r GLU series in GET /api/qc/overview');
    return s;
  };
  const heldSpecimens = async () => (await heldOf(gw(), 'chem-r')).map((r) => r.reading.specimen?.id).sort();

  async function restart(how: 'stop' | 'kill'): Promise<void> {
    if (how === 'stop') await gw().stop();
    else await gw().kill('SIGKILL');
    line.rig.gw = await startGatewayProcess(line.rig.config, { dir: line.rig.dir });
    await gw().waitForLog((l) => l.msg === 'device link up' && l.device === 'chem-r', 15_000, "chem-r's link");
  }

  async function expectKept(extraEntries: number): Promise<void> {
    const entries = await qcEntries(gw(), { device: 'chem-r', test: 'GLU', lot: LOT, limit: 1000 });
    expect(entries.slice(extraEntries).map((e) => [e.id, e.value, e.time, e.status])).toEqual(before.entries.map((e) => [e.id, e.value, e.time, e.status]));
    expect((await series()).target).toEqual(before.series.target);
    const r = await qcRejection(gw(), rejection);
    expect(r.review).toBeUndefined();
    expect((await qcOverview(gw())).rejections.map((x) => x.id)).toEqual([rejection]);
    await eventually(async () => expect((await healthReasons(gw(), 'qc-rejected')).map((x) => x.subject)).toEqual(['chem-r']), 10_000);
  }

  it('establishes the target from the first ten results, then judges against it and raises a rejection', async () => {
    for (const [i, v] of FIRST_TEN.entries()) await control(v, 30 - i);
    await awaitQcEntries(gw(), { device: 'chem-r', lot: LOT }, 10);
    const s = await eventually(async () => {
      const x = await series();
      expect(x.target?.source).toBe('established');
      return x;
    }, 10_000);
    expect(s.target!.mean).toBeCloseTo(5.5, 9);
    expect(s.target!.sd).toBeCloseTo(SD, 9);
    expect(s.target!.from?.n).toBe(10);

    await control('6.5', 10);
    const [out] = await awaitQcEntries(gw(), { device: 'chem-r', lot: LOT }, 11);
    expect(out).toMatchObject({ value: 6.5, status: 'rejected', target: { source: 'established' } });
    expect(out!.z).toBeCloseTo(1 / SD, 6);
    rejection = out!.rejection!;
    expect(rejection).toEqual(expect.any(String));

    await patientGlucose('SPR-1');
    await eventually(async () => expect(await heldSpecimens()).toEqual(['SPR-1']), 15_000);
    before = { entries: await qcEntries(gw(), { device: 'chem-r', test: 'GLU', lot: LOT, limit: 1000 }), series: await series() };
  });

  it('keeps them over a clean stop: the log, the target, the open rejection, the held result; the next glucose is held too', async () => {
    await restart('stop');
    await expectKept(0);
    expect(await heldSpecimens()).toEqual(['SPR-1']);
    await patientGlucose('SPR-2');
    await eventually(async () => expect(await heldSpecimens()).toEqual(['SPR-1', 'SPR-2']), 15_000);
  });

  it('keeps them over a SIGKILL, with the control the analyzer was ACKed for just before it', async () => {
    // Its last frame's ACK is the gateway's word that it is stored: killed right after it.
    await control('5.52', 5);
    await restart('kill');
    await expectKept(1);
    const [last] = await qcEntries(gw(), { device: 'chem-r', test: 'GLU', lot: LOT, limit: 1 });
    expect(last!.value).toBe(5.52);
    expect(await heldSpecimens()).toEqual(['SPR-1', 'SPR-2']);
    await patientGlucose('SPR-3');
    await eventually(async () => expect(await heldSpecimens()).toEqual(['SPR-1', 'SPR-2', 'SPR-3']), 15_000);
  });

  it('judges later results against the same established target, never recomputed from them', async () => {
    await control('5.58', 4);
    const [entry] = await awaitQcEntries(gw(), { device: 'chem-r', lot: LOT }, 13);
    expect(entry!.target).toEqual(before.series.target);
    expect(entry!.z).toBeCloseTo(0.08 / SD, 6);
    expect((await series()).target).toEqual(before.series.target);
  });

  it('pages the log newest first by measured time: limit, then before = next, no entry twice or left out', async () => {
    const all = await qcEntries(gw(), { device: 'chem-r', limit: 1000 });
    expect(all).toHaveLength(13);
    expect(all.map((e) => e.time)).toEqual([...all.map((e) => e.time)].sort().reverse());
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 5; page++) {
      const q = `/api/qc?device=chem-r&limit=5${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`;
      const res = await gw().api<QcPage>('GET', q);
      expect(res.status).toBe(200);
      seen.push(...res.body.entries.map((e) => e.id));
      cursor = res.body.next;
      if (!cursor) break;
    }
    expect(seen).toEqual(all.map((e) => e.id));
    expect((await gw().api('GET', '/api/qc?device=chem-r&before=yesterday')).status).toBe(400);
  });
});
