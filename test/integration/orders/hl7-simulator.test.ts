// The "done when" for an HL7 analyzer, with the HL7 analyzer simulator (simulators/hl7-analyzer.ts)
// dialling the gateway process over MLLP/TCP: an order from the inbound feed (its own process) is
// downloaded to its worklist, or given to it when it queries the specimen, in its own codes; its
// results reach the EHR stand-in under the right patient with the order's numbers. An analyzer
// that refuses a download leaves the order `rejected` with its reason until a person resends it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message } from 'node-hl7-client';
import { create as createHl7Analyzer, type Hl7AnalyzerSimulator, type Hl7AnalyzerSimulatorOptions } from '../../../simulators/hl7-analyzer.ts';
import { sendAdt } from '../../support/adt-sender.ts';
import type { EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { freePort } from '../../support/free-port.ts';
import type { GatewayProcess } from '../../support/gateway-process.ts';
import { CREATININE, GLUCOSE, HBA1C, POTASSIUM, labOrder, type FeedPatient } from '../../support/order-feed.ts';
import { orderAt, orderNamed } from '../../support/orders-api.ts';
import { hl7Analyzer, startOrdersRig, type OrdersRig } from '../../support/orders-rig.ts';
import { overTcp, type Attached } from '../../support/simulated-analyzer.ts';

const FAY: FeedPatient = { mrn: 'MRN9201', family: 'Sample', given: 'Fay', dob: '1958-11-30', sex: 'F' };

const SIM: Hl7AnalyzerSimulatorOptions = { unsolicited: false, runMs: 200, hostQueryWaitMs: 10_000, ackTimeoutMs: 5000, seed: 21 };

/** Serum orders go to the downloading analyzer, plasma to the querying one, whole blood to the refusing one. */
function order(n: number, specimenType: 'SER' | 'PLAS' | 'WB', tests = [GLUCOSE, POTASSIUM, HBA1C]): string {
  return labOrder({ controlId: `OML92${n}`, patient: FAY, placer: `PL92${n}`, filler: `FL92${n}`, specimen: `SPH92${n}`, specimenType, tests });
}

describe('the HL7 analyzer simulator over MLLP: download and host query through the gateway process', { timeout: 90_000 }, () => {
  let rig: OrdersRig;
  let ehr: EhrStandin;
  let gw: GatewayProcess;
  let inbound: number;
  const ports = { download: 0, query: 0, refusing: 0 };
  const attached: Array<Attached<Hl7AnalyzerSimulator>> = [];

  beforeAll(async () => {
    for (const k of ['download', 'query', 'refusing'] as const) ports[k] = await freePort();
    rig = await startOrdersRig(
      [
        hl7Analyzer('hsim-d', ports.download, { mode: 'download', specimenTypes: ['SER'] }),
        hl7Analyzer('hsim-q', ports.query, { mode: 'query', specimenTypes: ['PLAS'] }),
        hl7Analyzer('hsim-r', ports.refusing, { mode: 'download', specimenTypes: ['WB'] }),
      ],
      [FAY],
    );
    ({ ehr, gw, inbound } = rig);
  }, 60_000);

  afterAll(async () => {
    for (const a of attached) await a.close();
    await rig?.stop();
  });

  async function attach(port: number, options: Hl7AnalyzerSimulatorOptions = SIM): Promise<Hl7AnalyzerSimulator> {
    const a = await overTcp(createHl7Analyzer(options), port);
    attached.push(a);
    return a.device;
  }

  const orusFor = (placer: string) => ehr.messages.filter((x) => x.text.includes(placer)).map((x) => new Message({ text: x.text }));

  /** OBX-3.1 of every ORU the EHR received for the order, sorted. */
  function resultCodes(placer: string): string[] {
    const codes: string[] = [];
    for (const m of orusFor(placer)) m.get('OBX').forEach((seg) => codes.push(seg.get('OBX.3.1').toString()));
    return codes.sort();
  }

  function expectOru(placer: string, filler: string): void {
    const orus = orusFor(placer);
    expect(orus.length).toBeGreaterThan(0);
    for (const m of orus) {
      expect(m.get('PID.3.1').toString()).toBe(FAY.mrn);
      expect(m.get('PID.5.1').toString()).toBe(FAY.family);
      expect([m.get('OBR.2.1').toString(), m.get('OBR.3.1').toString()]).toEqual([placer, filler]);
    }
  }

  it('download: the order reaches the worklist in its own codes; the analyzer runs it and the results reach the EHR under the order', async () => {
    const sim = await attach(ports.download);
    expect((await sendAdt(inbound, [order(1, 'SER')])).map((a) => a.code)).toEqual(['AA']);
    await eventually(() => expect(sim.worklist.map((w) => w.specimenId)).toEqual(['SPH921']), 20_000);
    expect([...sim.worklist[0]!.tests].sort()).toEqual(['GLU', 'K']);
    expect(sim.received.map((r) => r.ack)).toEqual(['AA']);
    await eventually(async () => expect((await orderAt(gw, 'PL921', 'hsim-d')).state).toBe('sent'), 10_000);

    expect(sim.runWorklist()).toBe(1);
    // One ORC/OBR per test comes back (IHE LAW reports per work order step): one ORU each, all under the order.
    await eventually(() => expect(resultCodes('PL921')).toEqual([GLUCOSE.code, POTASSIUM.code]), 20_000);
    expectOru('PL921', 'FL921');
    await eventually(async () => expect((await orderAt(gw, 'PL921', 'hsim-d')).state).toBe('resulted'), 10_000);
  });

  it('query: the analyzer scans the tube, is given exactly the ordered tests it performs, and its results reach the EHR under the order', async () => {
    const sim = await attach(ports.query);
    expect((await sendAdt(inbound, [order(2, 'PLAS', [CREATININE, HBA1C])])).map((a) => a.code)).toEqual(['AA']);
    await eventually(async () => expect((await orderAt(gw, 'PL922', 'hsim-q')).tests).toEqual(['CREA']), 10_000);
    sim.scan('SPH922');
    await eventually(() => expect(sim.queries.map((q) => [q.specimenId, q.answer, q.tests.join()])).toEqual([['SPH922', 'orders', 'CREA']]), 20_000);
    await eventually(() => expect(resultCodes('PL922')).toEqual([CREATININE.code]), 20_000);
    expectOru('PL922', 'FL922');
    await eventually(async () => expect((await orderAt(gw, 'PL922', 'hsim-q')).state).toBe('resulted'), 10_000);
  });

  it("rejection: a refused download shows rejected with the analyzer's reason; once fixed, a person resends it and it is sent", async () => {
    const refusing = await attach(ports.refusing, { ...SIM, refuseDownloads: 'AR', refuseReason: 'Unknown test code K' });
    expect((await sendAdt(inbound, [order(3, 'WB', [POTASSIUM])])).map((a) => a.code)).toEqual(['AA']);
    await eventually(async () => {
      const view = await orderAt(gw, 'PL923', 'hsim-r');
      expect(view.state).toBe('rejected');
      expect(view.reason).toContain('Unknown test code K');
    }, 20_000);
    expect(refusing.received.map((r) => r.ack)).toEqual(['AR']);

    // The technician sets the test up on the analyzer (a new connection from an analyzer that takes it).
    await attached.pop()!.close();
    const fixed = await attach(ports.refusing);
    const key = (await orderNamed(gw, 'PL923')).key;
    expect((await gw.api('POST', `/api/orders/${encodeURIComponent(key)}/devices/hsim-r/resend`)).status).toBe(200);
    await eventually(() => expect(fixed.worklist.map((w) => [w.specimenId, w.tests.join()])).toEqual([['SPH923', 'K']]), 20_000);
    await eventually(async () => expect((await orderAt(gw, 'PL923', 'hsim-r')).state).toBe('sent'), 10_000);
    expect(refusing.received.map((r) => r.ack)).toEqual(['AR']);
  });
});
