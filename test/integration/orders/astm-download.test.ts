// Download over ASTM on a serial line (socat pty pair), end to end: when the EHR's order arrives on the
// inbound feed (its own process, real MLLP), the gateway becomes the E1381 sender and gives the
// analyzer the patient and the tests it does, in its own codes (the code map in reverse); the
// analyzer's results reach the EHR stand-in with the order's numbers. Also: both sides sending ENQ at
// once (the instrument has priority: its transmission is received, the download follows), and a
// cancellation before the analyzer ran the test.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Message } from 'node-hl7-client';
import { sendAdt } from '../../support/adt-sender.ts';
import { nextReply, sendTransmission, specimenResults } from '../../support/astm-analyzer.ts';
import { fieldsOf, orderedCodes, patientIds, receiveTransmission, waitForEnq } from '../../support/astm-receiver.ts';
import { ACK, ENQ, STX, framesOf } from '../../support/astm-wire.ts';
import { serialDevice } from '../../support/configs.ts';
import type { EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import type { GatewayProcess } from '../../support/gateway-process.ts';
import { CREATININE, GLUCOSE, HBA1C, POTASSIUM, labOrder, type FeedOrder, type FeedPatient } from '../../support/order-feed.ts';
import { orderAt, ordersAudited } from '../../support/orders-api.ts';
import { CHEMISTRY_CODES, QUICK_E1381, startWithSerialAnalyzer, type SerialAnalyzerRig } from '../../support/orders-rig.ts';
import type { SerialDeviceEnd } from '../../support/serial-device.ts';

const BOB: FeedPatient = { mrn: 'MRN6101', family: 'Sample', given: 'Bob', dob: '1975-06-15', sex: 'M' };

function order(n: number, tests = [GLUCOSE, POTASSIUM, HBA1C], control: FeedOrder['control'] = 'NW'): string {
  return labOrder({
    controlId: `OML61${n}${control}`,
    patient: BOB,
    placer: `PL61${n}`,
    filler: `FL61${n}`,
    specimen: `SPD61${n}`,
    specimenType: 'SER',
    tests,
    control,
  });
}

describe('ASTM download on a serial line: the order goes to the analyzer when it arrives', { timeout: 90_000 }, () => {
  let line: SerialAnalyzerRig;
  let ehr: EhrStandin;
  let gw: GatewayProcess;
  let inbound: number;
  let end: SerialDeviceEnd;

  beforeAll(async () => {
    line = await startWithSerialAnalyzer(
      (path) => ({
        ...serialDevice('chem-d', 'astm-lis2', path, QUICK_E1381),
        label: 'Chemistry (download)',
        codeMap: CHEMISTRY_CODES,
        // No `tests`: the code map in reverse (one-to-one) names the analyzer's codes.
        orders: { mode: 'download' },
      }),
      [BOB],
    );
    ({ end } = line);
    ({ ehr, gw, inbound } = line.rig);
  }, 60_000);

  afterAll(async () => {
    await line?.stop();
  });

  const oruFor = (specimen: string) => ehr.messages.filter((m) => m.text.includes(specimen));

  it('downloads the tests the analyzer does when the order arrives, and files its results under the order', async () => {
    const from = end.received().length;
    expect((await sendAdt(inbound, [order(1)])).map((a) => a.code)).toEqual(['AA']);
    const download = await receiveTransmission(end, { from, timeoutMs: 30_000 });
    const [p] = fieldsOf(download.records, 'P');
    expect(patientIds(p!)).toContain(BOB.mrn);
    const [o] = fieldsOf(download.records, 'O');
    expect(fieldsOf(download.records, 'O')).toHaveLength(1);
    expect(o![2]).toBe('SPD611');
    expect(orderedCodes(o!).sort()).toEqual(['GLU', 'K']);
    expect(o![11]).toBe('N');
    await eventually(async () => expect((await orderAt(gw, 'PL611', 'chem-d')).state).toBe('sent'), 10_000);
    expect((await ordersAudited(gw, 'chem-d')).filter((e) => e.reason?.includes('SPD611')).map((e) => e.patient?.mrn)).toEqual([BOB.mrn]);

    await sendTransmission(end, framesOf(specimenResults(BOB.mrn, 'SPD611', { GLU: '5.4', K: '4.1' }, 'mmol/L')));
    await eventually(() => expect(oruFor('SPD611')).toHaveLength(1), 15_000);
    const m = new Message({ text: oruFor('SPD611')[0]!.text });
    expect(m.get('PID.3.1').toString()).toBe(BOB.mrn);
    expect([m.get('OBR.2.1').toString(), m.get('OBR.3.1').toString()]).toEqual(['PL611', 'FL611']);
    await eventually(async () => expect((await orderAt(gw, 'PL611', 'chem-d')).state).toBe('resulted'), 10_000);
  });

  it('yields when the analyzer sends ENQ at the same time: receives its transmission, then the download goes', async () => {
    let from = end.received().length;
    expect((await sendAdt(inbound, [order(2)])).map((a) => a.code)).toEqual(['AA']);
    await receiveTransmission(end, { from, timeoutMs: 30_000 });

    // Order 3's download starts with the gateway's ENQ; the analyzer, with results of order 2 to
    // send, answers ENQ: contention. As a Roche cobas e 411 does, it waits 1 s for an answer, then
    // sends ENQ again until it gets one; the host must yield.
    from = end.received().length;
    expect((await sendAdt(inbound, [order(3)])).map((a) => a.code)).toEqual(['AA']);
    const hostEnq = await waitForEnq(end, from, 30_000);
    await end.write(ENQ);
    const answered = await nextReply(end, hostEnq, 1000).catch(() => undefined);
    const afterResults = end.received().length;
    const frames = framesOf(specimenResults(BOB.mrn, 'SPD612', { GLU: '6.1', K: '3.9' }, 'mmol/L'));
    const sent =
      answered?.reply === ACK
        ? await sendTransmission(end, frames, { establishedAt: answered.at })
        : await sendTransmission(end, frames, { timeoutMs: 15_000 });
    expect(sent.replies.filter((r) => r !== ACK)).toEqual([]);
    // The gateway yielded: from its ENQ to the end of the analyzer's transmission it sent no frame of its own.
    expect(end.received().slice(hostEnq)).not.toContain(STX);

    // The analyzer's results went through ...
    await eventually(() => expect(oruFor('SPD612')).toHaveLength(1), 15_000);
    const m = new Message({ text: oruFor('SPD612')[0]!.text });
    expect([m.get('PID.3.1').toString(), m.get('OBR.2.1').toString(), m.get('OBR.3.1').toString()]).toEqual([BOB.mrn, 'PL612', 'FL612']);
    // ... and the download the gateway had to hold back arrives afterwards, whole.
    const download = await receiveTransmission(end, { from: afterResults, timeoutMs: 60_000 });
    const [o] = fieldsOf(download.records, 'O');
    expect(o![2]).toBe('SPD613');
    expect(orderedCodes(o!).sort()).toEqual(['GLU', 'K']);
    await eventually(async () => expect((await orderAt(gw, 'PL613', 'chem-d')).state).toBe('sent'), 10_000);
  });

  it('sends nothing for an order with no test the analyzer does, and says why', async () => {
    expect((await sendAdt(inbound, [order(5, [HBA1C])])).map((a) => a.code)).toEqual(['AA']);
    await eventually(async () => {
      const view = await orderAt(gw, 'PL615', 'chem-d');
      expect(view.state).toBe('not-sent');
      expect(view.reason).toContain(HBA1C.code);
    }, 10_000);
    // The next test's download is the next thing on the line: nothing for this order went out before it.
  });

  it('sends a cancellation before the analyzer ran the test; nothing is resulted and the order shows cancelled', async () => {
    let from = end.received().length;
    expect((await sendAdt(inbound, [order(4, [CREATININE])])).map((a) => a.code)).toEqual(['AA']);
    const download = await receiveTransmission(end, { from, timeoutMs: 30_000 });
    expect(fieldsOf(download.records, 'O').map((o) => [o[2], orderedCodes(o).join(), o[11]])).toEqual([['SPD614', 'CREA', 'N']]);

    from = end.received().length;
    expect((await sendAdt(inbound, [order(4, [CREATININE], 'CA')])).map((a) => a.code)).toEqual(['AA']);
    const cancel = await receiveTransmission(end, { from, timeoutMs: 30_000 });
    const [o] = fieldsOf(cancel.records, 'O');
    expect(o![2]).toBe('SPD614');
    expect(o![11]).toBe('C');
    await eventually(async () => {
      const view = await orderAt(gw, 'PL614', 'chem-d');
      expect(view.state).toBe('cancelled');
      expect(view.readings ?? []).toEqual([]);
    }, 10_000);
    expect(oruFor('SPD614')).toHaveLength(0);
  });
});
