// The "done when", with the ASTM analyzer simulator (simulators/astm-lis2.ts) on real pty
// pairs and the gateway as its own process: ADT and an order arrive through the inbound feed (real
// MLLP, its own process); in query mode the simulator scans the specimen, is given exactly the
// ordered tests it performs, in its own codes, and sends results; in download mode the order reaches
// its worklist when it arrives and it runs it. The EHR stand-in receives each ORU under the right
// patient with the order's numbers. Also with the simulator: an unknown specimen, both sides sending
// ENQ at once, and a cancellation before the analyzer ran the test.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message } from 'node-hl7-client';
import { create as createAstmAnalyzer, type AstmSimulatedDevice } from '../../../simulators/astm-lis2.ts';
import type { ReadingView } from '../../../src/web/api-types.ts';
import { sendAdt } from '../../support/adt-sender.ts';
import { ENQ, EOT, STX } from '../../support/astm-wire.ts';
import { serialDevice } from '../../support/configs.ts';
import type { EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import type { GatewayProcess } from '../../support/gateway-process.ts';
import { CREATININE, GLUCOSE, HBA1C, POTASSIUM, labOrder, type FeedOrder, type FeedPatient } from '../../support/order-feed.ts';
import { orderAt } from '../../support/orders-api.ts';
import { CHEMISTRY_CODES, QUICK_E1381, startOrdersRig, type OrdersRig } from '../../support/orders-rig.ts';
import { openPtyPair, type PtyPair } from '../../support/pty.ts';
import { onSerialLine, type Attached, type WireByte } from '../../support/simulated-analyzer.ts';

const ERIN: FeedPatient = { mrn: 'MRN9101', family: 'Example', given: 'Erin', dob: '1990-03-21', sex: 'F' };

/** Serum orders go to the querying analyzer, plasma ones to the downloading one (their `specimenTypes`). */
function order(n: number, specimenType: 'SER' | 'PLAS', tests = [GLUCOSE, CREATININE, HBA1C], control: FeedOrder['control'] = 'NW'): string {
  return labOrder({
    controlId: `OML91${n}${control}`,
    patient: ERIN,
    placer: `PL91${n}`,
    filler: `FL91${n}`,
    specimen: `SPS91${n}`,
    specimenType,
    tests,
    control,
  });
}

/**
 * Frames (STX) the gateway sent after its ENQ met the analyzer's (contention: the instrument has
 * priority) and before the analyzer's transmission ended with EOT: a gateway that yields sends none.
 */
function hostFramesWhileDeviceHadTheLine(wire: readonly WireByte[]): number {
  const hostEnq = wire.findIndex((b, i) => b.from === 'host' && b.ch === ENQ && wire.slice(i + 1).find((n) => n.from === 'device')?.ch === ENQ);
  if (hostEnq === -1) throw new Error('no contention on the wire: the analyzer never answered the gateway ENQ with its own');
  const deviceEot = wire.findIndex((b, i) => i > hostEnq && b.from === 'device' && b.ch === EOT);
  if (deviceEot === -1) throw new Error("the analyzer's transmission after the contention never ended");
  return wire.slice(hostEnq, deviceEot).filter((b) => b.from === 'host' && b.ch === STX).length;
}

describe('the ASTM analyzer simulator on pty pairs: host query and download through the gateway process', { timeout: 90_000 }, () => {
  let rig: OrdersRig;
  let ehr: EhrStandin;
  let gw: GatewayProcess;
  let inbound: number;
  const ptys: PtyPair[] = [];
  let querying: Attached<AstmSimulatedDevice>;
  let downloading: Attached<AstmSimulatedDevice>;

  beforeAll(async () => {
    const [qPty, dPty] = [await openPtyPair(), await openPtyPair()];
    ptys.push(qPty, dPty);
    rig = await startOrdersRig(
      [
        {
          ...serialDevice('sim-q', 'astm-lis2', qPty.a, QUICK_E1381),
          label: 'Chemistry analyzer (host query)',
          codeMap: CHEMISTRY_CODES,
          orders: { mode: 'query', specimenTypes: ['SER'], tests: { [GLUCOSE.code]: 'GLU', [CREATININE.code]: 'CREA', [POTASSIUM.code]: 'K' } },
        },
        {
          ...serialDevice('sim-d', 'astm-lis2', dPty.a, QUICK_E1381),
          label: 'Chemistry analyzer (download)',
          codeMap: CHEMISTRY_CODES,
          orders: { mode: 'download', specimenTypes: ['PLAS'] },
        },
      ],
      [ERIN],
    );
    ({ ehr, gw, inbound } = rig);
    const options = { unsolicited: false, runMs: 200, hostQueryWaitMs: 10_000, contentionWaitMs: 1000, seed: 15 };
    querying = await onSerialLine(createAstmAnalyzer({ ...options, resultsForUnknown: true }), qPty.b);
    downloading = await onSerialLine(createAstmAnalyzer(options), dPty.b);
  }, 60_000);

  afterAll(async () => {
    await querying?.close();
    await downloading?.close();
    await rig?.stop();
    for (const p of ptys) await p.close();
  });

  const oruFor = (placer: string) => ehr.messages.filter((m) => m.text.includes(placer));

  function expectOru(placer: string, filler: string): Message {
    const m = new Message({ text: oruFor(placer)[0]!.text });
    expect(m.get('PID.3.1').toString()).toBe(ERIN.mrn);
    expect(m.get('PID.5.1').toString()).toBe(ERIN.family);
    expect([m.get('OBR.2.1').toString(), m.get('OBR.3.1').toString()]).toEqual([placer, filler]);
    return m;
  }

  it('query: the analyzer scans the tube, is given exactly the ordered tests it performs, and its results reach the EHR under the order', async () => {
    expect((await sendAdt(inbound, [order(1, 'SER')])).map((a) => a.code)).toEqual(['AA']);
    const sim = querying.device;
    sim.scan('SPS911');
    await eventually(() => expect(sim.queries.map((q) => q.specimenId)).toEqual(['SPS911']), 15_000);
    expect(sim.queries[0]!.answer).toBe('orders');
    // Glucose and creatinine in its own codes; HbA1c, which it does not do, never reached it.
    expect([...sim.queries[0]!.tests].sort()).toEqual(['CREA', 'GLU']);

    await eventually(() => expect(oruFor('PL911')).toHaveLength(1), 20_000);
    const m = expectOru('PL911', 'FL911');
    const codes: string[] = [];
    m.get('OBX').forEach((seg) => codes.push(seg.get('OBX.3.1').toString()));
    expect(codes.sort()).toEqual([CREATININE.code, GLUCOSE.code]);
    await eventually(async () => expect((await orderAt(gw, 'PL911', 'sim-q')).state).toBe('resulted'), 10_000);
  });

  it('query: an unknown specimen is answered "no information"; the results the analyzer sends anyway are held, never sent', async () => {
    const sim = querying.device;
    const before = ehr.messages.length;
    sim.scan('SPS999');
    await eventually(() => expect(sim.queries.find((q) => q.specimenId === 'SPS999')?.answer).toBe('no-information'), 15_000);
    await eventually(async () => {
      const held = (await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=held&limit=100')).body.readings.filter(
        (r) => r.reading.deviceId === 'sim-q' && r.reading.specimen?.id === 'SPS999',
      );
      expect(held.length).toBeGreaterThan(0);
      expect(held.flatMap((r) => r.holdReasons.map((x) => x.code))).toEqual(held.map(() => 'no-order'));
    }, 20_000);
    expect(ehr.messages.slice(before).filter((m) => m.text.includes('SPS999'))).toHaveLength(0);
  });

  it('download: the order reaches the worklist when it arrives; the analyzer runs it and the results reach the EHR under the order', async () => {
    const sim = downloading.device;
    expect((await sendAdt(inbound, [order(2, 'PLAS', [GLUCOSE, POTASSIUM, HBA1C])])).map((a) => a.code)).toEqual(['AA']);
    await eventually(() => expect(sim.worklist.map((w) => w.specimenId)).toEqual(['SPS912']), 20_000);
    expect([...sim.worklist[0]!.tests].sort()).toEqual(['GLU', 'K']);
    expect(sim.worklist[0]!.patientId).toBe(ERIN.mrn);
    await eventually(async () => expect((await orderAt(gw, 'PL912', 'sim-d')).state).toBe('sent'), 10_000);

    expect(sim.runWorklist()).toBe(1);
    await eventually(() => expect(oruFor('PL912')).toHaveLength(1), 20_000);
    expectOru('PL912', 'FL912');
    await eventually(async () => expect((await orderAt(gw, 'PL912', 'sim-d')).state).toBe('resulted'), 10_000);
    expect(sim.worklist).toEqual([]);
  });

  it('contention: when both send ENQ the analyzer goes first, and the download still arrives afterwards', async () => {
    const sim = downloading.device;
    const contentions = sim.contentions;
    const from = downloading.wire.length;
    // The analyzer's next ENQ meets the gateway's: it then asks about a tube nobody ordered.
    sim.crossNextEnq('SPS998');
    expect((await sendAdt(inbound, [order(3, 'PLAS', [CREATININE])])).map((a) => a.code)).toEqual(['AA']);
    await eventually(() => expect(sim.contentions).toBe(contentions + 1), 20_000);
    // The analyzer's transmission was received and answered ...
    await eventually(() => expect(sim.queries.find((q) => q.specimenId === 'SPS998')?.answer).toBe('no-information'), 20_000);
    expect(hostFramesWhileDeviceHadTheLine(downloading.wire.slice(from))).toBe(0);
    // ... and the download the gateway had to hold back arrives afterwards, whole.
    await eventually(() => expect(sim.worklist.map((w) => [w.specimenId, w.tests.join()])).toEqual([['SPS913', 'CREA']]), 30_000);
    await eventually(async () => expect((await orderAt(gw, 'PL913', 'sim-d')).state).toBe('sent'), 10_000);
    expect(sim.runWorklist()).toBe(1);
    await eventually(() => expect(oruFor('PL913')).toHaveLength(1), 20_000);
  });

  it('cancellation before the analyzer ran the test: the worklist empties, nothing is resulted, the order shows cancelled', async () => {
    const sim = downloading.device;
    expect((await sendAdt(inbound, [order(4, 'PLAS', [GLUCOSE])])).map((a) => a.code)).toEqual(['AA']);
    await eventually(() => expect(sim.worklist.map((w) => w.specimenId)).toEqual(['SPS914']), 20_000);
    expect((await sendAdt(inbound, [order(4, 'PLAS', [GLUCOSE], 'CA')])).map((a) => a.code)).toEqual(['AA']);
    await eventually(() => expect(sim.worklist).toEqual([]), 20_000);
    await eventually(async () => {
      const view = await orderAt(gw, 'PL914', 'sim-d');
      expect(view.state).toBe('cancelled');
      expect(view.readings ?? []).toEqual([]);
    }, 10_000);
    expect(sim.runWorklist()).toBe(0);
    expect(oruFor('PL914')).toHaveLength(0);
  });
});
