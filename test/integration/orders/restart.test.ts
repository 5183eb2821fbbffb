// A gateway restart between order and result: an order downloaded before a clean stop, and one
// queued while the analyzer was off when the gateway was killed, both survive on the same data
// folder; the analyzer gets the queued one when it connects, and the results of both reach the EHR
// stand-in with their order's numbers. An order an ASTM analyzer (the simulator, on a pty pair) has
// not asked about yet is still given to it when it scans the tube after a restart.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message } from 'node-hl7-client';
import { create as createAstmAnalyzer, type AstmSimulatedDevice } from '../../../simulators/astm-lis2.ts';
import { sendAdt } from '../../support/adt-sender.ts';
import { serialDevice } from '../../support/configs.ts';
import { eventually } from '../../support/eventually.ts';
import { freePort } from '../../support/free-port.ts';
import { startGatewayProcess } from '../../support/gateway-process.ts';
import { connectHl7Analyzer, field, specimenResultsMessage, type Hl7AnalyzerEnd } from '../../support/hl7-analyzer-end.ts';
import { CREATININE, GLUCOSE, labOrder, type FeedPatient } from '../../support/order-feed.ts';
import { orderAt } from '../../support/orders-api.ts';
import { CHEMISTRY_CODES, QUICK_E1381, hl7Analyzer, startOrdersRig, type OrdersRig } from '../../support/orders-rig.ts';
import { openPtyPair, type PtyPair } from '../../support/pty.ts';
import { onSerialLine, type Attached } from '../../support/simulated-analyzer.ts';

const DAN: FeedPatient = { mrn: 'MRN8101', family: 'Doe', given: 'Dan', dob: '1980-02-14', sex: 'M' };

describe('orders survive a gateway restart between order and result', { timeout: 90_000 }, () => {
  let rig: OrdersRig;
  let port: number;
  let analyzer: Hl7AnalyzerEnd | undefined;
  let pty: PtyPair;
  let asking: Attached<AstmSimulatedDevice>;

  beforeAll(async () => {
    port = await freePort();
    pty = await openPtyPair();
    rig = await startOrdersRig(
      [
        hl7Analyzer('hl7-r', port, { mode: 'download', specimenTypes: ['SER'] }),
        {
          ...serialDevice('astm-rq', 'astm-lis2', pty.a, QUICK_E1381),
          codeMap: CHEMISTRY_CODES,
          orders: { mode: 'query', specimenTypes: ['PLAS'] },
        },
      ],
      [DAN],
    );
    asking = await onSerialLine(createAstmAnalyzer({ unsolicited: false, runMs: 200, hostQueryWaitMs: 10_000, seed: 81 }), pty.b);
  }, 60_000);

  afterAll(async () => {
    await analyzer?.close();
    await asking?.close();
    await rig?.stop();
    await pty?.close();
  });

  const order = (n: number, specimenType = 'SER', tests = [GLUCOSE]) =>
    labOrder({ controlId: `OML810${n}`, patient: DAN, placer: `PL810${n}`, filler: `FL810${n}`, specimen: `SP810${n}`, specimenType, tests });

  it('keeps what was sent and what was waiting, and closes the loop after the restart', async () => {
    // 1. Downloaded and accepted, then a clean stop.
    analyzer = await connectHl7Analyzer(port);
    await sendAdt(rig.inbound, [order(1)]);
    await eventually(() => expect(analyzer!.received.filter((m) => m.includes('SP8101'))).toHaveLength(1), 15_000);
    await eventually(async () => expect((await orderAt(rig.gw, 'PL8101', 'hl7-r')).state).toBe('sent'), 10_000);
    await analyzer.close();
    analyzer = undefined;
    await rig.gw.stop();
    rig.gw = await startGatewayProcess(rig.config, { dir: rig.dir });
    expect((await orderAt(rig.gw, 'PL8101', 'hl7-r')).state).toBe('sent');

    // 2. Queued while the analyzer is off; the gateway is killed (a power cut), then started again.
    await sendAdt(rig.inbound, [order(2)]);
    await eventually(async () => expect((await orderAt(rig.gw, 'PL8102', 'hl7-r')).state).toBe('waiting'), 10_000);
    await rig.gw.kill('SIGKILL');
    rig.gw = await startGatewayProcess(rig.config, { dir: rig.dir });

    // 3. The analyzer comes back: it is given the queued order (once) and sends results for both.
    analyzer = await connectHl7Analyzer(port);
    await eventually(() => expect(analyzer!.received.filter((m) => m.includes('SP8102'))).toHaveLength(1), 20_000);
    expect(analyzer.received.filter((m) => m.includes('SP8101'))).toHaveLength(0);
    for (const [placer, filler, specimen] of [
      ['PL8101', 'FL8101', 'SP8101'],
      ['PL8102', 'FL8102', 'SP8102'],
    ] as const) {
      const ack = await analyzer.send(specimenResultsMessage({ mrn: DAN.mrn, placer, filler, specimen }, { GLU: '99' }));
      expect(field(ack, 'MSA', 1)).toBe('AA');
      const { ehr } = rig;
      await eventually(() => expect(ehr.messages.filter((m) => m.text.includes(placer))).toHaveLength(1), 15_000);
      const m = new Message({ text: ehr.messages.find((x) => x.text.includes(placer))!.text });
      expect([m.get('PID.3.1').toString(), m.get('OBR.2.1').toString(), m.get('OBR.3.1').toString()]).toEqual([DAN.mrn, placer, filler]);
      await eventually(async () => expect((await orderAt(rig.gw, placer, 'hl7-r')).state).toBe('resulted'), 10_000);
    }
  });

  it('gives an ASTM analyzer that scans the tube after a restart the order it had not asked about yet', async () => {
    await sendAdt(rig.inbound, [order(3, 'PLAS', [GLUCOSE, CREATININE])]);
    await eventually(async () => expect((await orderAt(rig.gw, 'PL8103', 'astm-rq')).tests.sort()).toEqual(['CREA', 'GLU']), 10_000);
    await rig.gw.stop();
    rig.gw = await startGatewayProcess(rig.config, { dir: rig.dir });
    await rig.gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'astm-rq', 15_000);

    const sim = asking.device;
    sim.scan('SP8103');
    await eventually(
      () => expect(sim.queries.map((q) => [q.specimenId, q.answer, [...q.tests].sort().join()])).toEqual([['SP8103', 'orders', 'CREA,GLU']]),
      20_000,
    );
    const { ehr } = rig;
    await eventually(() => expect(ehr.messages.filter((m) => m.text.includes('PL8103')).length).toBeGreaterThan(0), 20_000);
    for (const m of ehr.messages.filter((x) => x.text.includes('PL8103')).map((x) => new Message({ text: x.text }))) {
      expect([m.get('PID.3.1').toString(), m.get('OBR.2.1').toString(), m.get('OBR.3.1').toString()]).toEqual([DAN.mrn, 'PL8103', 'FL8103']);
    }
    await eventually(async () => expect((await orderAt(rig.gw, 'PL8103', 'astm-rq')).state).toBe('resulted'), 10_000);
  });
});
