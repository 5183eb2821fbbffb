// Host query over ASTM on a serial line (socat pty pair), end to end: the EHR registers a patient and
// orders two tests the analyzer does and one it does not (inbound MLLP, its own process); the
// analyzer scans the tube and sends a Q record; the gateway answers in a new E1381 session with the
// patient and exactly the ordered tests in the analyzer's codes; the analyzer's results reach the EHR
// stand-in under that patient with the order's numbers, and the order shows resulted. An unknown
// specimen is answered "no information" (L-3 I) and its results are held, never sent.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message } from 'node-hl7-client';
import type { ReadingView } from '../../../src/web/api-types.ts';
import { sendAdt } from '../../support/adt-sender.ts';
import { sendTransmission, specimenResults } from '../../support/astm-analyzer.ts';
import { fieldsOf, orderedCodes, patientIds, receiveTransmission } from '../../support/astm-receiver.ts';
import { framesOf } from '../../support/astm-wire.ts';
import { serialDevice } from '../../support/configs.ts';
import type { EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import type { GatewayProcess } from '../../support/gateway-process.ts';
import { CREATININE, GLUCOSE, HBA1C, labOrder, type FeedPatient } from '../../support/order-feed.ts';
import { orderAt, ordersAudited } from '../../support/orders-api.ts';
import { CHEMISTRY_CODES, QUICK_E1381, startWithSerialAnalyzer, type OrdersRig, type SerialAnalyzerRig } from '../../support/orders-rig.ts';
import type { SerialDeviceEnd } from '../../support/serial-device.ts';

const ANALYZER_HEADER = 'H|\\^&|||CHEM-300^4.1^SN1187|||||MEDGATE||P|LIS2-A2|20261206081000';

/** E1394 request-information record: Q-3 `patientId^specimenId`, Q-5 all tests, Q-13 O (orders and demographics). */
function query(specimen: string): string[] {
  return [ANALYZER_HEADER, `Q|1|^${specimen}||^^^ALL||||||||O`, 'L|1|N'];
}

const ALICE: FeedPatient = { mrn: 'MRN5101', family: 'Example', given: 'Alice', dob: '1961-01-01', sex: 'F' };

describe('ASTM host query on a serial line: order in, analyzer asks, results out with the order', { timeout: 90_000 }, () => {
  let line: SerialAnalyzerRig;
  let rig: OrdersRig;
  let ehr: EhrStandin;
  let gw: GatewayProcess;
  let end: SerialDeviceEnd;

  beforeAll(async () => {
    line = await startWithSerialAnalyzer(
      (path) => ({
        ...serialDevice('chem-q', 'astm-lis2', path, QUICK_E1381),
        label: 'Chemistry (host query)',
        patient: { mode: 'order' },
        codeMap: CHEMISTRY_CODES,
        orders: { mode: 'query', specimenTypes: ['SER', 'PLAS'], tests: { [GLUCOSE.code]: 'GLU', [CREATININE.code]: 'CREA' }, answerWithinMs: 10_000 },
      }),
      [ALICE],
    );
    ({ rig, end } = line);
    ({ ehr, gw } = rig);
  }, 60_000);

  afterAll(async () => {
    await line?.stop();
  });

  it('answers the query with the patient and exactly the ordered tests it does, and files the results under the order', async () => {
    const acks = await sendAdt(rig.inbound, [
      labOrder({
        controlId: 'OML5101',
        patient: ALICE,
        placer: 'PL5101',
        filler: 'FL5101',
        specimen: 'SPQ5101',
        specimenType: 'SER',
        tests: [GLUCOSE, CREATININE, HBA1C],
      }),
    ]);
    expect(acks.map((a) => a.code)).toEqual(['AA']);
    // Query mode: nothing goes to the analyzer until it asks.
    await eventually(async () => expect((await orderAt(gw, 'PL5101', 'chem-q')).tests.sort()).toEqual(['CREA', 'GLU']), 10_000);

    const from = end.received().length;
    const asked = await sendTransmission(end, framesOf(query('SPQ5101')));
    expect(asked.replies.every((r) => r === '\x06')).toBe(true);
    const answer = await receiveTransmission(end, { from });

    expect(answer.records[0]).toMatch(/^H\|\\\^&\|/);
    const [p] = fieldsOf(answer.records, 'P');
    expect(fieldsOf(answer.records, 'P')).toHaveLength(1);
    expect(patientIds(p!)).toContain(ALICE.mrn);
    expect(p![5]?.split('^').slice(0, 2)).toEqual([ALICE.family, ALICE.given]);
    const orders = fieldsOf(answer.records, 'O');
    expect(orders).toHaveLength(1);
    expect(orders[0]![2]).toBe('SPQ5101');
    // Exactly the two tests it does, in its own codes; HbA1c is not sent to a chemistry analyzer.
    expect(orderedCodes(orders[0]!).sort()).toEqual(['CREA', 'GLU']);
    expect(orders[0]![11]).toBe('N');
    expect(answer.records.at(-1)).toMatch(/^L\|1\|N?$/);
    await eventually(async () => expect((await orderAt(gw, 'PL5101', 'chem-q')).state).toBe('queried'), 10_000);

    const before = ehr.messages.length;
    const sent = await sendTransmission(end, framesOf(specimenResults('MRN5101', 'SPQ5101', { GLU: '98', CREA: '0.91' })));
    expect(sent.replies.every((r) => r === '\x06')).toBe(true);
    const [oru] = (await ehr.waitFor(before + 1, 15_000)).slice(before);
    const m = new Message({ text: oru!.text });
    const f = (path: string) => m.get(path).toString();
    expect(f('PID.3.1')).toBe(ALICE.mrn);
    expect(f('PID.5.1')).toBe(ALICE.family);
    expect([f('OBR.2.1'), f('OBR.3.1')]).toEqual(['PL5101', 'FL5101']);
    const codes: string[] = [];
    m.get('OBX').forEach((seg) => codes.push(`${seg.get('OBX.3.1').toString()}=${seg.get('OBX.5').toString()}`));
    expect(codes.sort()).toEqual([`${CREATININE.code}=0.91`, `${GLUCOSE.code}=98`]);

    await eventually(async () => {
      const view = await orderAt(gw, 'PL5101', 'chem-q');
      expect(view.state).toBe('resulted');
      expect(view.readings?.length).toBeGreaterThan(0);
    }, 10_000);
  });

  it('records the order given in answer to the query in the audit journal, as a download is', async () => {
    await eventually(async () => expect((await ordersAudited(gw, 'chem-q')).map((e) => [e.who, e.patient?.mrn])).toEqual([['system', ALICE.mrn]]), 10_000);
  });

  it('tells the analyzer there is no order for an unknown specimen (L-3 I), and holds results it sends anyway', async () => {
    const from = end.received().length;
    await sendTransmission(end, framesOf(query('SPQ5999')));
    const answer = await receiveTransmission(end, { from });
    expect(answer.records.map((r) => r.split('|')[0])).toEqual(['H', 'L']);
    expect(answer.records[1]!.split('|')[2]).toBe('I');

    const before = ehr.messages.length;
    await sendTransmission(end, framesOf(specimenResults('MRN0000', 'SPQ5999', { GLU: '140' })));
    await eventually(async () => {
      const held = (await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=held&limit=100')).body.readings.filter(
        (r) => r.reading.deviceId === 'chem-q' && r.reading.specimen?.id === 'SPQ5999',
      );
      expect(held.map((r) => r.holdReasons.map((x) => x.code).join())).toEqual(['no-order']);
    }, 10_000);
    // Held is final for this reading: nothing of it is queued for the EHR.
    expect(ehr.messages.slice(before).filter((x) => x.text.includes('SPQ5999'))).toHaveLength(0);
  });
});
