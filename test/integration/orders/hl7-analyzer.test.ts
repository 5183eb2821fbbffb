// Orders to HL7 analyzers over MLLP, end to end: the EHR's order (inbound feed, its own process) is
// downloaded as OML^O21 on the analyzer's connection and acknowledged; results come back with the
// order's numbers. A query (QBP^Q11 "Query for AWOS", IHE LAW LAB-27) is answered RSP^K11 OK and
// followed by the order, or NF for a specimen nobody ordered (whose results are then held). An
// analyzer refusing an order (AR with its reason) leaves it `rejected` until a person resends it; an
// order cancelled while the analyzer is away is never sent.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message } from 'node-hl7-client';
import type { OrderView } from '../../../src/orders/order-view.ts';
import type { ReadingView } from '../../../src/web/api-types.ts';
import { sendAdt } from '../../support/adt-sender.ts';
import type { EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { freePort } from '../../support/free-port.ts';
import type { GatewayProcess } from '../../support/gateway-process.ts';
import { analyzerMsh, connectHl7Analyzer, field, segments, specimenResultsMessage, type Hl7AnalyzerEnd } from '../../support/hl7-analyzer-end.ts';
import { CREATININE, GLUCOSE, HBA1C, POTASSIUM, labOrder, type FeedPatient } from '../../support/order-feed.ts';
import { orderAt, orderNamed, ordersAudited } from '../../support/orders-api.ts';
import { hl7Analyzer, startOrdersRig, type OrdersRig } from '../../support/orders-rig.ts';

const CAROL: FeedPatient = { mrn: 'MRN7101', family: 'Roe', given: 'Carol', dob: '1970-04-05', sex: 'F' };

/** IHE LAW LAB-27 "Query for AWOS": QBP^Q11^QBP_Q11, QPD-1 the query name WOS, QPD-2 the query tag, QPD-3 the specimen (container) ID. */
function query(specimen: string, tag: string): string {
  return [analyzerMsh('QBP^Q11^QBP_Q11'), `QPD|WOS^Work Order Step^IHE_LABTF|${tag}|${specimen}`, 'RCP|I||R'].join('\r');
}

/** OBR-4.1 of each OBR: the analyzer's codes an order message carries. */
function obrCodes(message: string): string[] {
  return segments(message, 'OBR').map((s) => (s[4] ?? '').split('^')[0] ?? '');
}

function forSpecimen(end: Hl7AnalyzerEnd, specimen: string): string[] {
  return end.received.filter((m) => m.includes(specimen));
}

describe('HL7 analyzers over MLLP: orders downloaded and queried', { timeout: 90_000 }, () => {
  let rig: OrdersRig;
  let ehr: EhrStandin;
  let gw: GatewayProcess;
  let inbound: number;
  const ports = { download: 0, query: 0 };
  let analyzer: Hl7AnalyzerEnd;

  beforeAll(async () => {
    ports.download = await freePort();
    ports.query = await freePort();
    rig = await startOrdersRig(
      [
        hl7Analyzer('hl7-d', ports.download, { mode: 'download', specimenTypes: ['SER'] }),
        hl7Analyzer('hl7-q', ports.query, { mode: 'query', specimenTypes: ['PLAS'] }),
      ],
      [CAROL],
    );
    ({ ehr, gw, inbound } = rig);
    analyzer = await connectHl7Analyzer(ports.download);
  }, 60_000);

  afterAll(async () => {
    await analyzer?.close();
    await rig?.stop();
  });

  it('downloads an OML^O21 with the tests the analyzer does and files its results under the order', async () => {
    const acks = await sendAdt(inbound, [
      labOrder({
        controlId: 'OML7101',
        patient: CAROL,
        placer: 'PL7101',
        filler: 'FL7101',
        specimen: 'SP7101',
        specimenType: 'SER',
        tests: [GLUCOSE, POTASSIUM, HBA1C],
      }),
    ]);
    expect(acks.map((a) => a.code)).toEqual(['AA']);
    await eventually(() => expect(forSpecimen(analyzer, 'SP7101')).toHaveLength(1), 15_000);
    const oml = forSpecimen(analyzer, 'SP7101')[0]!;
    expect(field(oml, 'MSH', 9)).toBe('OML^O21^OML_O21');
    expect(field(oml, 'PID', 3).split('^')[0]).toBe(CAROL.mrn);
    expect(field(oml, 'ORC', 1)).toBe('NW');
    expect(field(oml, 'ORC', 2).split('^')[0]).toBe('PL7101');
    expect(field(oml, 'ORC', 3).split('^')[0]).toBe('FL7101');
    expect(obrCodes(oml).sort()).toEqual(['GLU', 'K']);
    expect(field(oml, 'SPM', 2).split(/[&^]/)[0]).toBe('SP7101');
    await eventually(async () => expect((await orderAt(gw, 'PL7101', 'hl7-d')).state).toBe('sent'), 10_000);
    // The audit journal records the order sent, for whom.
    const audited = (await ordersAudited(gw, 'hl7-d')).filter((e) => e.reason?.includes('SP7101'));
    expect(audited.map((e) => [e.who, e.patient?.mrn])).toEqual([['system', CAROL.mrn]]);

    const ack = await analyzer.send(
      specimenResultsMessage({ mrn: CAROL.mrn, placer: 'PL7101', filler: 'FL7101', specimen: 'SP7101' }, { GLU: '101', K: '4.4' }),
    );
    expect(field(ack, 'MSA', 1)).toBe('AA');
    await eventually(() => expect(ehr.messages.filter((m) => m.text.includes('PL7101'))).toHaveLength(1), 15_000);
    const m = new Message({ text: ehr.messages.find((x) => x.text.includes('PL7101'))!.text });
    expect(m.get('PID.3.1').toString()).toBe(CAROL.mrn);
    expect([m.get('OBR.2.1').toString(), m.get('OBR.3.1').toString()]).toEqual(['PL7101', 'FL7101']);
    await eventually(async () => expect((await orderAt(gw, 'PL7101', 'hl7-d')).state).toBe('resulted'), 10_000);
  });

  it('answers a query with RSP^K11 OK, then sends the order on the same connection; says why the other analyzer was not sent it', async () => {
    const acks = await sendAdt(inbound, [
      labOrder({ controlId: 'OML7102', patient: CAROL, placer: 'PL7102', filler: 'FL7102', specimen: 'SP7102', specimenType: 'PLAS', tests: [CREATININE] }),
    ]);
    expect(acks.map((a) => a.code)).toEqual(['AA']);
    // The download analyzer takes serum only: the page says why it was not sent.
    await eventually(async () => {
      const view = await orderAt(gw, 'PL7102', 'hl7-d');
      expect(view.state).toBe('not-sent');
      expect(view.reason).toMatch(/PLAS/);
    }, 10_000);

    const q = await connectHl7Analyzer(ports.query);
    try {
      const rsp = await q.send(query('SP7102', 'QT7102'));
      expect(field(rsp, 'MSH', 9)).toMatch(/^RSP\^K11/);
      expect(field(rsp, 'MSA', 1)).toBe('AA');
      expect(field(rsp, 'QAK', 1)).toBe('QT7102');
      expect(field(rsp, 'QAK', 2)).toBe('OK');
      await eventually(() => expect(forSpecimen(q, 'SP7102')).toHaveLength(1), 15_000);
      const order = forSpecimen(q, 'SP7102')[0]!;
      expect(field(order, 'ORC', 2).split('^')[0]).toBe('PL7102');
      expect(obrCodes(order)).toEqual(['CREA']);
      await eventually(async () => expect(['queried', 'sent']).toContain((await orderAt(gw, 'PL7102', 'hl7-q')).state), 10_000);

      await q.send(specimenResultsMessage({ mrn: CAROL.mrn, placer: 'PL7102', filler: 'FL7102', specimen: 'SP7102' }, { CREA: '0.8' }));
      await eventually(() => expect(ehr.messages.filter((m) => m.text.includes('PL7102'))).toHaveLength(1), 15_000);
      await eventually(async () => expect((await orderAt(gw, 'PL7102', 'hl7-q')).state).toBe('resulted'), 10_000);
    } finally {
      await q.close();
    }
  });

  it('records the order given in answer to the query in the audit journal, as a download is', async () => {
    await eventually(async () => {
      const audited = (await ordersAudited(gw, 'hl7-q')).filter((e) => e.reason?.includes('SP7102'));
      expect(audited.map((e) => [e.who, e.patient?.mrn])).toEqual([['system', CAROL.mrn]]);
    }, 10_000);
  });

  it('answers a query for a specimen nobody ordered with QAK NF, sends nothing, and holds results sent anyway', async () => {
    const q = await connectHl7Analyzer(ports.query);
    try {
      const rsp = await q.send(query('SP7999', 'QT7999'));
      expect([field(rsp, 'MSA', 1), field(rsp, 'QAK', 1), field(rsp, 'QAK', 2)]).toEqual(['AA', 'QT7999', 'NF']);
      const before = ehr.messages.length;
      const ack = await q.send(specimenResultsMessage({ mrn: 'MRN0000', placer: 'X', filler: 'Y', specimen: 'SP7999' }, { GLU: '150' }));
      expect(field(ack, 'MSA', 1)).toBe('AA');
      await eventually(async () => {
        const held = (await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=held&limit=100')).body.readings.filter(
          (r) => r.reading.deviceId === 'hl7-q' && r.reading.specimen?.id === 'SP7999',
        );
        expect(held.map((r) => r.holdReasons.map((x) => x.code).join())).toEqual(['no-order']);
      }, 10_000);
      expect(q.received).toEqual([]);
      expect(ehr.messages.slice(before).filter((m) => m.text.includes('SP7999'))).toHaveLength(0);
    } finally {
      await q.close();
    }
  });

  it("shows a refused order as rejected with the analyzer's reason, and sends it again when a person resends it", async () => {
    analyzer.answerWith({ code: 'AR', reason: 'Test K not configured on this analyzer' });
    await sendAdt(inbound, [
      labOrder({ controlId: 'OML7103', patient: CAROL, placer: 'PL7103', filler: 'FL7103', specimen: 'SP7103', specimenType: 'SER', tests: [POTASSIUM] }),
    ]);
    let rejected!: OrderView;
    await eventually(async () => {
      rejected = await orderNamed(gw, 'PL7103');
      const view = rejected.devices.find((d) => d.device === 'hl7-d');
      expect(view?.state).toBe('rejected');
      expect(view?.reason).toContain('Test K not configured on this analyzer');
    }, 15_000);
    // A refusal is final: the same order is not retried by itself.
    expect(forSpecimen(analyzer, 'SP7103')).toHaveLength(1);
    await eventually(async () =>
      expect((await ordersAudited(gw, 'hl7-d')).filter((e) => e.reason?.includes('SP7103')).map((e) => e.reason)).toEqual([
        expect.stringContaining('Test K not configured on this analyzer'),
      ]),
    );

    analyzer.answerWith({ code: 'AA' });
    const resend = await gw.api('POST', `/api/orders/${encodeURIComponent(rejected.key)}/devices/hl7-d/resend`);
    expect(resend.status).toBe(200);
    await eventually(() => expect(forSpecimen(analyzer, 'SP7103')).toHaveLength(2), 15_000);
    await eventually(async () => expect((await orderAt(gw, 'PL7103', 'hl7-d')).state).toBe('sent'), 10_000);
  });

  it('never sends an order cancelled while the analyzer was away', async () => {
    await analyzer.close();
    await sendAdt(inbound, [
      labOrder({ controlId: 'OML7104', patient: CAROL, placer: 'PL7104', filler: 'FL7104', specimen: 'SP7104', specimenType: 'SER', tests: [GLUCOSE] }),
    ]);
    await eventually(async () => expect((await orderAt(gw, 'PL7104', 'hl7-d')).state).toBe('waiting'), 10_000);
    await sendAdt(inbound, [
      labOrder({
        controlId: 'OML7104C',
        patient: CAROL,
        placer: 'PL7104',
        filler: 'FL7104',
        specimen: 'SP7104',
        specimenType: 'SER',
        tests: [GLUCOSE],
        control: 'CA',
      }),
    ]);
    await eventually(async () => expect((await orderAt(gw, 'PL7104', 'hl7-d')).state).toBe('cancelled'), 10_000);

    // The analyzer comes back; the next order reaches it, and the cancelled one never did.
    analyzer = await connectHl7Analyzer(ports.download);
    await sendAdt(inbound, [
      labOrder({ controlId: 'OML7105', patient: CAROL, placer: 'PL7105', filler: 'FL7105', specimen: 'SP7105', specimenType: 'SER', tests: [GLUCOSE] }),
    ]);
    await eventually(() => expect(forSpecimen(analyzer, 'SP7105')).toHaveLength(1), 15_000);
    expect(forSpecimen(analyzer, 'SP7104')).toHaveLength(0);
  });
});
