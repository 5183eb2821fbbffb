// An ASTM analyzer that will not take a download: E1381/E1394 have no refusal of their own, so the
// analyzer (the simulator, on a pty pair) NAKs every frame of it, each time it is tried. After a few
// such tries in a row the order shows `rejected` with why, instead of holding up the analyzer's
// queue; once the analyzer takes orders again a person resends it and it reaches the worklist.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create as createAstmAnalyzer, type AstmSimulatedDevice } from '../../../simulators/astm-lis2.ts';
import { sendAdt } from '../../support/adt-sender.ts';
import { serialDevice } from '../../support/configs.ts';
import { eventually } from '../../support/eventually.ts';
import { GLUCOSE, labOrder, type FeedPatient } from '../../support/order-feed.ts';
import { orderAt, orderNamed, ordersAudited } from '../../support/orders-api.ts';
import { CHEMISTRY_CODES, QUICK_E1381, startOrdersRig, type OrdersRig } from '../../support/orders-rig.ts';
import { openPtyPair, type PtyPair } from '../../support/pty.ts';
import { onSerialLine, type Attached } from '../../support/simulated-analyzer.ts';

const GUS: FeedPatient = { mrn: 'MRN9301', family: 'Sample', given: 'Gus', dob: '1949-07-04', sex: 'M' };
const SIM = { unsolicited: false, runMs: 200, seed: 31 };

describe('an ASTM analyzer that refuses a download', { timeout: 120_000 }, () => {
  let rig: OrdersRig;
  let pty: PtyPair;
  let analyzer: Attached<AstmSimulatedDevice> | undefined;

  beforeAll(async () => {
    pty = await openPtyPair();
    rig = await startOrdersRig([{ ...serialDevice('sim-r', 'astm-lis2', pty.a, QUICK_E1381), codeMap: CHEMISTRY_CODES, orders: { mode: 'download' } }], [GUS]);
    analyzer = await onSerialLine(createAstmAnalyzer({ ...SIM, refuseDownloads: 'nak' }), pty.b);
  }, 60_000);

  afterAll(async () => {
    await analyzer?.close();
    await rig?.stop();
    await pty?.close();
  });

  it('shows the order rejected with why after the tries in a row, and sends it again when a person resends it', async () => {
    const refusing = analyzer!.device;
    await sendAdt(rig.inbound, [
      labOrder({ controlId: 'OML9301', patient: GUS, placer: 'PL9301', filler: 'FL9301', specimen: 'SPR9301', specimenType: 'SER', tests: [GLUCOSE] }),
    ]);
    // Each try: every frame NAKed until the gateway gives up with EOT; tried again after its backoff.
    await eventually(async () => {
      const view = await orderAt(rig.gw, 'PL9301', 'sim-r');
      expect(view.state).toBe('rejected');
      expect(view.reason).toMatch(/NAK/);
    }, 90_000);
    expect(refusing.worklist).toEqual([]);
    expect(refusing.received.length).toBeGreaterThan(1);
    expect(refusing.received.every((t) => !t.taken)).toBe(true);
    await eventually(async () => expect((await ordersAudited(rig.gw, 'sim-r')).map((e) => e.reason)).toEqual([expect.stringMatching(/rejected/)]));

    // The analyzer takes orders again (its setup fixed); a person resends the order.
    await analyzer!.close();
    analyzer = await onSerialLine(createAstmAnalyzer(SIM), pty.b);
    const fixed = analyzer.device;
    const key = (await orderNamed(rig.gw, 'PL9301')).key;
    expect((await rig.gw.api('POST', `/api/orders/${encodeURIComponent(key)}/devices/sim-r/resend`)).status).toBe(200);
    await eventually(() => expect(fixed.worklist.map((w) => [w.specimenId, w.tests.join()])).toEqual([['SPR9301', 'GLU']]), 30_000);
    await eventually(async () => expect((await orderAt(rig.gw, 'PL9301', 'sim-r')).state).toBe('sent'), 10_000);
  });
});
