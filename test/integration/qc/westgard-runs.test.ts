// Issue 16, Build 3 end to end: the Westgard rules (Westgard JO, Barry PL, Hunt MR, Groth T. A
// multi-rule Shewhart chart for quality control in clinical chemistry. Clin Chem 1981;27:493-501)
// as the gateway applies them to what an analyzer sends, one transmission per result: 2-2s across
// runs of one control lot; after a review the rules start over (the corrective action), so a result
// beyond 2 SD right after it is a warning, not a 2-2s with the result before the review; R-4s within
// one run across two levels (results of one test within qc.runWindowMinutes); a run raises one
// rejection however many of its results violate a rule. The rules' own tables are unit-tested
// (test/unit/qc/westgard.test.ts); here the grouping into runs and the earlier points are.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QcEntryView, QcRejectionView } from '../../../src/qc/qc-view.ts';
import type { ByteLink } from '../../support/astm-analyzer.ts';
import { startAnalyzerServer, type AnalyzerServer } from '../../support/analyzer-server.ts';
import type { GatewayProcess } from '../../support/gateway-process.ts';
import { dialledAstmAnalyzer, startOrdersRig, type OrdersRig } from '../../support/orders-rig.ts';
import { awaitQcEntries, qcOverview, qcRejection } from '../../support/qc-api.ts';
import { astmSpecimen, hoursAgo, transmit } from '../../support/qc-wire.ts';

/** Level 1: mean 5.5 mmol/L, SD 0.15; level 2: mean 16.5, SD 0.4. */
const L1 = 'QC-GLU-L1';
const L2 = 'QC-GLU-L2';
const TARGET: Record<string, { mean: number; sd: number }> = { [L1]: { mean: 5.5, sd: 0.15 }, [L2]: { mean: 16.5, sd: 0.4 } };

describe('Westgard rules over runs and levels, as results arrive from an analyzer', { timeout: 120_000 }, () => {
  let server: AnalyzerServer;
  let rig: OrdersRig;
  let gw: GatewayProcess;
  let link: ByteLink;
  let all = 0;

  beforeAll(async () => {
    server = await startAnalyzerServer();
    rig = await startOrdersRig(
      [
        dialledAstmAnalyzer('chem-w', server.port, {
          label: 'Chemistry (Westgard)',
          qc: {
            lots: [
              { id: L1, level: '1', targets: { GLU: { mean: 5.5, sd: 0.15, unit: 'mmol/L' } } },
              { id: L2, level: '2', targets: { GLU: { mean: 16.5, sd: 0.4, unit: 'mmol/L' } } },
            ],
          },
        }),
      ],
      [],
    );
    gw = rig.gw;
    link = await server.link();
  }, 60_000);

  afterAll(async () => {
    await rig?.stop();
    await server?.close();
  });

  /** Sends one control result measured at `when` and resolves with its entry. */
  async function send(lot: string, z: number, when: Date): Promise<QcEntryView> {
    const { mean, sd } = TARGET[lot]!;
    // As an analyzer prints it: three decimals; z as the gateway must compute it from that.
    const value = (mean + z * sd).toFixed(3);
    await transmit(link, astmSpecimen({ specimen: lot, results: { GLU: value }, unit: 'mmol/l', action: 'Q', at: when }));
    all += 1;
    const [newest] = await awaitQcEntries(gw, { device: 'chem-w', test: 'GLU' }, all);
    expect(newest).toMatchObject({ lot, value: Number(value) });
    expect(newest!.z).toBeCloseTo((Number(value) - mean) / sd, 9);
    return newest!;
  }
  const rulesOf = (e: QcEntryView) => e.rules.map((r) => `${r.rule}/${r.outcome}/${r.scope}`).sort();

  it('rejects a 2-2s across two runs of one lot; the first of them is a 1-2s warning', async () => {
    expect((await send(L1, 0.13, hoursAgo(10))).status).toBe('accepted');
    expect((await send(L2, 0.25, hoursAgo(10))).status).toBe('accepted');
    const first = await send(L1, 2.2, hoursAgo(9));
    expect([first.status, rulesOf(first)]).toEqual(['warning', ['1-2s/warning/point']]);
    const second = await send(L1, 2.4, hoursAgo(8));
    expect(second.status).toBe('rejected');
    expect(rulesOf(second)).toEqual(['1-2s/warning/point', '2-2s/rejection/across-runs']);
    expect(second.rules.find((r) => r.rule === '2-2s')!.with).toEqual([first.id]);
    expect(await qcRejection(gw, second.rejection!)).toMatchObject({ lot: L1, rules: ['2-2s'], entry: second.id });
  });

  it('starts over after the review: 2 SD right after it warns, then R-4s rejects the run across its two levels, once', async () => {
    const [open] = (await qcOverview(gw)).rejections;
    const reviewed = await gw.api<{ rejection: QcRejectionView }>('POST', `/api/qc/rejections/${open!.id}/review`, {
      action: 'Control vial reconstituted anew; rerun in range',
    });
    expect(reviewed.status).toBe(200);
    // Received after the review, though the analyzer stamps them an hour after the last run and hours
    // before the review: "since the review" is by the gateway's receipt, whatever the analyzer's clock says.
    const now = hoursAgo(7);

    const high = await send(L1, 2.5, now);
    expect([high.status, rulesOf(high)]).toEqual(['warning', ['1-2s/warning/point']]);
    const low = await send(L2, -2.5, now);
    expect(low.status).toBe('rejected');
    expect(rulesOf(low)).toEqual(['1-2s/warning/point', 'R-4s/rejection/within-run']);
    expect(low.rules.find((r) => r.rule === 'R-4s')!.with).toEqual([high.id]);
    // The same run again (a rerun of level 2 still low): the run's one rejection, no second one.
    const again = await send(L2, -2.6, now);
    expect(again.status).toBe('rejected');
    expect(again.rejection).toBe(low.rejection);
    const rejections = (await qcOverview(gw)).rejections;
    expect(rejections.map((r) => [r.id, r.review === undefined])).toEqual([
      [low.rejection, true],
      [expect.any(String), false],
    ]);
    expect(rejections[0]!.rules).toContain('R-4s');
    expect(rejections[1]!.rules).toEqual(['2-2s']);
  });
});
