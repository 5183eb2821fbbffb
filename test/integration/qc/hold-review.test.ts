// Issue 16, "Done when" 2 (the hold after a rejection and its review), end to end: a lot with a
// configured target; an out-of-control control (1-3s, Westgard 1981) raises one rejection, shown in
// GET /api/qc/rejections/:id, /api/health and /api/status and logged at warn with codes only; from
// then on that analyzer's patient results for that test are held (kind qc, code qc-failed), its other
// tests and the other analyzer's glucose are not; a held one is released on its own only with
// acceptQcFailure, by a user of the review role only; a staff user may not review when the review role is admin; the lab lead's review
// is in the audit journal when it answers, releases what only the rejection held, and the analyzer's
// next glucose goes straight to the EHR stand-in (its own process, real MLLP).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QcRejectionView } from '../../../src/qc/qc-view.ts';
import type { ReadingView } from '../../../src/web/api-types.ts';
import type { ByteLink } from '../../support/astm-analyzer.ts';
import { startAnalyzerServer, type AnalyzerServer } from '../../support/analyzer-server.ts';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import type { EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import type { GatewayProcess } from '../../support/gateway-process.ts';
import type { FeedPatient } from '../../support/order-feed.ts';
import { dialledAstmAnalyzer, startOrdersRig, type OrdersRig } from '../../support/orders-rig.ts';
import {
  asUser,
  audited,
  awaitQcEntries,
  expectNotLogged,
  type EventStream,
  expectNowhereForPatients,
  healthReasons,
  heldOf,
  listenToEvents,
  qcOverview,
  qcRejection,
  statusProblems,
} from '../../support/qc-api.ts';
import { astmSpecimen, hoursAgo, transmit } from '../../support/qc-wire.ts';
import { firstAdmin, signIn, type SignedIn } from '../../support/sign-in.ts';

const HANK: FeedPatient = { mrn: 'MRN1603', family: 'Hill', given: 'Hank', dob: '1949-11-30', sex: 'M' };
const LOT = 'QC-GLU-1';
const HELD_TEXT = `qc failed: GLU on lot ${LOT} (1-3s) not reviewed`;

/** An ASTM analyzer the gateway dials, with glucose control level 1: mean 5.5 mmol/L, SD 0.15. */
function analyzer(id: string, label: string, port: number, holdOnReject?: boolean): DeviceConfigT {
  const lots = [{ id: LOT, level: '1', material: 'Glucose control 1', targets: { GLU: { mean: 5.5, sd: 0.15, unit: 'mmol/L' } } }];
  return dialledAstmAnalyzer(id, port, { label, qc: { lots, ...(holdOnReject === undefined ? {} : { holdOnReject }) } });
}

describe('a QC rejection holds that analyzer’s results for that test until a person reviews it', { timeout: 150_000 }, () => {
  let serverA: AnalyzerServer;
  let serverB: AnalyzerServer;
  let rig: OrdersRig;
  let gw: GatewayProcess;
  let ehr: EhrStandin;
  let a: ByteLink;
  let b: ByteLink;
  let lead: SignedIn;
  let nurse: SignedIn;
  let rejection: string;
  let live: EventStream;

  beforeAll(async () => {
    serverA = await startAnalyzerServer();
    serverB = await startAnalyzerServer();
    rig = await startOrdersRig([analyzer('chem-a', 'Chemistry A', serverA.port), analyzer('chem-b', 'Chemistry B', serverB.port, false)], [HANK]);
    ({ gw, ehr } = rig);
    [a, b] = await Promise.all([serverA.link(), serverB.link()]);
    lead = await firstAdmin(gw, 'lablead', 'a long lab lead password');
    const created = await asUser(gw, lead, 'POST', '/api/users', { name: 'nurse', password: 'a long staff password', role: 'staff' });
    expect(created.status).toBe(201);
    nurse = await signIn(gw, 'nurse', 'a long staff password');
    live = await listenToEvents(gw, lead);
  }, 60_000);

  afterAll(async () => {
    live?.close();
    await rig?.stop();
    await serverA?.close();
    await serverB?.close();
  });

  const control = (link: ByteLink, value: string, hours: number) =>
    transmit(link, astmSpecimen({ specimen: LOT, results: { GLU: value }, unit: 'mmol/l', action: 'Q', at: hoursAgo(hours) }));
  const patient = (link: ByteLink, specimen: string, results: Record<string, string>, mrn = HANK.mrn) =>
    transmit(link, astmSpecimen({ specimen, results, unit: 'mmol/l', action: 'N', patientId: mrn, at: hoursAgo(0.2) }));
  const atEhr = (specimen: string) => eventually(() => expect(ehr.messages.filter((m) => m.text.includes(specimen))).toHaveLength(1), 15_000);
  const heldFor = async (device: string, specimen: string): Promise<ReadingView> =>
    eventually(async () => {
      const r = (await heldOf(gw, device)).find((x) => x.reading.specimen?.id === specimen);
      expect(r, `${specimen} held`).toBeDefined();
      return r!;
    }, 15_000);

  it('judges an in-control result against the configured target and accepts it', async () => {
    await control(a, '5.53', 3);
    await control(b, '5.46', 3);
    const [entry] = await awaitQcEntries(gw, { device: 'chem-a', test: 'GLU', lot: LOT }, 1);
    expect(entry).toMatchObject({ status: 'accepted', rules: [], level: '1', target: { mean: 5.5, sd: 0.15, source: 'configured' } });
    expect(entry!.z).toBeCloseTo(0.2, 6);
    expect((await qcOverview(gw)).rejections).toEqual([]);
  });

  it('raises one rejection for a 1-3s, shown in the API, the health verdict and the status strip, logged without values', async () => {
    await control(a, '6.31', 2);
    const [entry] = await awaitQcEntries(gw, { device: 'chem-a', test: 'GLU', lot: LOT }, 2);
    expect(entry).toMatchObject({ value: 6.31, status: 'rejected' });
    expect(entry!.z).toBeCloseTo(5.4, 6);
    expect(entry!.rules).toContainEqual(expect.objectContaining({ rule: '1-3s', outcome: 'rejection', scope: 'point' }));
    expect(entry!.rejection).toEqual(expect.any(String));
    rejection = entry!.rejection!;

    expect(await qcRejection(gw, rejection)).toMatchObject({
      id: rejection,
      device: 'chem-a',
      test: 'GLU',
      lot: LOT,
      level: '1',
      rules: ['1-3s'],
      entry: entry!.id,
      holds: true,
      held: 0,
    });
    expect((await qcRejection(gw, rejection)).review).toBeUndefined();
    expect((await gw.api('GET', '/api/qc/rejections/no-such-rejection')).status).toBe(404);
    const overview = await qcOverview(gw);
    expect(overview.rejections.map((r) => r.id)).toEqual([rejection]);
    expect(overview.series.find((s) => s.device === 'chem-a' && s.test === 'GLU' && s.lot === LOT)).toMatchObject({ openRejection: rejection, runs: 2 });
    expect(overview.series.find((s) => s.device === 'chem-b' && s.test === 'GLU')?.openRejection).toBeUndefined();

    await eventually(async () => {
      expect(await healthReasons(gw, 'qc-rejected')).toEqual([expect.objectContaining({ severity: 'degraded', subject: 'chem-a' })]);
    }, 10_000);
    const [reason] = await healthReasons(gw, 'qc-rejected');
    for (const word of ['GLU', LOT, '1-3s']) expect(reason!.message).toContain(word);
    expect(await statusProblems(gw, 'qc-rejected')).toEqual([
      expect.objectContaining({ severity: 'degraded', text: 'Chemistry A: QC failed for GLU (1-3s)', device: 'chem-a' }),
    ]);
    // The page hears of it at once: ids and codes, never the value.
    await eventually(() => expect(live.events()).toContainEqual(expect.objectContaining({ type: 'qc', device: 'chem-a', test: 'GLU', lot: LOT, rejection })));
    expect(JSON.stringify(live.events().filter((e) => e.type === 'qc'))).not.toContain('6.31');
    const warned = await gw.waitForLog(
      (l) => (l.level ?? 0) >= 40 && l.device === 'chem-a' && l.test === 'GLU' && l.lot === LOT,
      10_000,
      'the rejection warning',
    );
    expect(warned.rules).toEqual(['1-3s']);
    expectNotLogged(gw, ['6.31', '5.53', '5.46']);
  });

  it("holds that analyzer's glucose for a patient, not its other tests nor the other analyzer's glucose", async () => {
    await patient(a, 'SPA-1', { GLU: '5.9' });
    await patient(a, 'SPA-2', { CREA: '0.91' });
    await patient(b, 'SPB-1', { GLU: '6.0' });
    await patient(a, 'SPA-3', { CREA: '0.88', GLU: '7.1' });
    // A patient the directory does not know: held for that too, so the review alone must not release it.
    await patient(a, 'SPA-5', { GLU: '5.7' }, 'MRN0000');
    await atEhr('SPA-2');
    await atEhr('SPB-1');

    expect((await heldFor('chem-a', 'SPA-1')).holdReasons).toEqual([{ kind: 'qc', code: 'qc-failed', text: HELD_TEXT, observations: [0] }]);
    expect((await heldFor('chem-a', 'SPA-3')).holdReasons).toEqual([{ kind: 'qc', code: 'qc-failed', text: HELD_TEXT, observations: [1] }]);
    const both = (await heldFor('chem-a', 'SPA-5')).holdReasons.map((r) => `${r.kind}/${r.code}`);
    expect(both).toContain('qc/qc-failed');
    expect(both).toContain('patient/unknown-patient-id');
    expect(await heldOf(gw, 'chem-b')).toEqual([]);
    for (const s of ['SPA-1', 'SPA-3', 'SPA-5']) expect(ehr.messages.filter((m) => m.text.includes(s))).toEqual([]);
    await expectNowhereForPatients(gw, ehr, LOT);

    expect((await qcRejection(gw, rejection)).held).toBe(3);
    await eventually(async () => expect(await statusProblems(gw, 'qc-rejected')).toEqual([expect.objectContaining({ count: 3 })]), 10_000);
  });

  it('releases one held result on its own only with acceptQcFailure, and audits the override', async () => {
    const one = await heldFor('chem-a', 'SPA-1');
    const refused = await gw.api<{ message: string }>('POST', `/api/readings/${one.reading.id}/release`, { acceptImplausible: true });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toContain('acceptQcFailure');

    const mixed = await heldFor('chem-a', 'SPA-3');
    // One reading at a time is still the review's decision: a staff user may not, as they may not review.
    const byNurse = await asUser<{ message: string }>(gw, nurse, 'POST', `/api/readings/${mixed.reading.id}/release`, { acceptQcFailure: true });
    expect(byNurse.status).toBe(403);
    expect(byNurse.body.message).toMatch(/acceptQcFailure\) needs the admin role \(qc\.reviewRole\); \S+ is staff/);
    expect((await heldFor('chem-a', 'SPA-3')).holdReasons.map((r) => r.code)).toContain('qc-failed');
    const released = await gw.api<{ reading: ReadingView }>('POST', `/api/readings/${mixed.reading.id}/release`, { acceptQcFailure: true });
    expect(released.status).toBe(200);
    await atEhr('SPA-3');
    const trail = (await gw.api<{ audit: Array<{ action: string; reason?: string }> }>('GET', `/api/audit?reading=${mixed.reading.id}`)).body.audit;
    expect(trail).toContainEqual(expect.objectContaining({ action: 'override', reason: expect.stringContaining('acceptQcFailure') }));
    await eventually(async () => expect((await qcRejection(gw, rejection)).held).toBe(2), 10_000);
  });

  it("refuses a staff user's review when the review role is admin, and records nothing", async () => {
    const refused = await asUser<{ message: string }>(gw, nurse, 'POST', `/api/qc/rejections/${rejection}/review`, { action: 'looked at it', release: true });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/admin/);
    expect(await audited(gw, 'qc-review')).toEqual([]);
    expect((await qcRejection(gw, rejection)).review).toBeUndefined();
    expect((await heldFor('chem-a', 'SPA-1')).holdReasons.map((r) => r.code)).toEqual(['qc-failed']);
  });

  it("records the lab lead's review in the audit journal before it answers and releases what only the rejection held", async () => {
    const action = 'Reagent cartridge replaced, recalibrated; control rerun within limits';
    const res = await asUser<{ rejection: QcRejectionView }>(gw, lead, 'POST', `/api/qc/rejections/${rejection}/review`, { action, release: true });
    expect(res.status).toBe(200);
    expect(res.body.rejection.review).toMatchObject({ by: 'lablead', action, released: 1 });
    // On record when it answered: no waiting.
    expect(await audited(gw, 'qc-review', 'chem-a')).toEqual([
      expect.objectContaining({ who: 'lablead', action: 'qc-review', device: 'chem-a', reason: `GLU lot ${LOT} 1-3s: ${action}` }),
    ]);
    await atEhr('SPA-1');
    const spa1 = (await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=delivered&device=chem-a&limit=100')).body.readings.find(
      (r) => r.reading.specimen?.id === 'SPA-1',
    );
    expect(spa1).toBeDefined();
    const trail = (await gw.api<{ audit: Array<{ action: string; who: string }> }>('GET', `/api/audit?reading=${spa1!.reading.id}`)).body.audit;
    expect(trail).toContainEqual(expect.objectContaining({ action: 'override', who: 'lablead' }));
    // Held for its patient as well: still held, for a person to assign.
    expect((await heldFor('chem-a', 'SPA-5')).holdReasons.map((r) => r.kind)).toContain('patient');
    expect(ehr.messages.filter((m) => m.text.includes('SPA-5'))).toEqual([]);

    expect((await qcRejection(gw, rejection)).review).toMatchObject({ by: 'lablead', action, released: 1 });
    expect((await asUser(gw, lead, 'POST', `/api/qc/rejections/${rejection}/review`, { action: 'again', release: false })).status).toBe(409);
    await eventually(async () => {
      expect(await healthReasons(gw, 'qc-rejected')).toEqual([]);
      expect(await statusProblems(gw, 'qc-rejected')).toEqual([]);
    }, 10_000);
    expect((await qcOverview(gw)).series.find((s) => s.device === 'chem-a' && s.test === 'GLU')?.openRejection).toBeUndefined();
  });

  it("sends the analyzer's next glucose straight to the EHR after the review", async () => {
    await patient(a, 'SPA-6', { GLU: '5.4' });
    await atEhr('SPA-6');
    expect((await heldOf(gw, 'chem-a')).map((r) => r.reading.specimen?.id)).toEqual(['SPA-5']);
  });

  it('raises and shows a rejection on an analyzer set not to hold (holdOnReject: false), and lets its glucose go out', async () => {
    await control(b, '4.71', 1);
    const [entry] = await awaitQcEntries(gw, { device: 'chem-b', test: 'GLU', lot: LOT }, 2);
    expect(entry).toMatchObject({ value: 4.71, status: 'rejected' });
    expect(await qcRejection(gw, entry!.rejection!)).toMatchObject({ device: 'chem-b', rules: ['1-3s'], holds: false, held: 0 });
    await eventually(async () => expect((await statusProblems(gw, 'qc-rejected')).map((p) => p.device)).toEqual(['chem-b']), 10_000);
    await patient(b, 'SPB-2', { GLU: '5.5' });
    await atEhr('SPB-2');
    expect(await heldOf(gw, 'chem-b')).toEqual([]);
  });
});
