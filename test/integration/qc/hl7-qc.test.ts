// Issue 16, "Done when" 1 for an HL7 analyzer over MLLP: an ORU^R01 whose specimen is control
// material (SPM-11 specimen role `Q`, HL7 v2.5.1 table 0369), with no PID or with one, is
// acknowledged AA, is in GET /api/qc, held nowhere and never at the EHR; a calibrator (SPM-11 `C`)
// is logged and never judged, even far from the lot's target; a control marked only in OBR-11
// (specimen action code `Q`) likewise. The analyzer's side is written here (its own MLLP framing);
// the EHR stand-in runs in its own process.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { freePort } from '../../support/free-port.ts';
import type { GatewayProcess } from '../../support/gateway-process.ts';
import { connectHl7Analyzer, field, type Hl7AnalyzerEnd } from '../../support/hl7-analyzer-end.ts';
import type { FeedPatient } from '../../support/order-feed.ts';
import { CHEMISTRY_CODES, startOrdersRig, type OrdersRig } from '../../support/orders-rig.ts';
import { awaitQcEntries, expectNotLogged, expectNowhereForPatients, heldOf, qcOverview } from '../../support/qc-api.ts';
import { hl7Specimen, hoursAgo, type Hl7Specimen } from '../../support/qc-wire.ts';

const GINA: FeedPatient = { mrn: 'MRN1602', family: 'Gale', given: 'Gina', dob: '1958-02-28', sex: 'F' };

describe('HL7 analyzer control and calibrator specimens: in the QC log, never a patient reading', { timeout: 120_000 }, () => {
  let rig: OrdersRig;
  let gw: GatewayProcess;
  let ehr: EhrStandin;
  let analyzer: Hl7AnalyzerEnd;

  beforeAll(async () => {
    const port = await freePort();
    rig = await startOrdersRig(
      [
        {
          id: 'hl7-c',
          driver: 'hl7-analyzer',
          label: 'Chemistry (HL7)',
          transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port },
          codeMap: CHEMISTRY_CODES,
          // A target for the calibrator's lot: a calibrator must not be judged against it all the same.
          qc: { lots: [{ id: 'CAL-GLU-7', targets: { GLU: { mean: 5.5, sd: 0.15, unit: 'mmol/L' } } }] },
        },
      ],
      [GINA],
    );
    ({ gw, ehr } = rig);
    analyzer = await connectHl7Analyzer(port);
  }, 60_000);

  afterAll(async () => {
    await analyzer?.close();
    await rig?.stop();
  });

  async function sendAccepted(s: Omit<Hl7Specimen, 'unit'>): Promise<void> {
    const ack = await analyzer.send(hl7Specimen({ unit: 'mmol/l', ...s }));
    expect([field(ack, 'MSA', 1), field(ack, 'MSA', 3)]).toEqual(['AA', '']);
  }

  it('logs a control specimen (SPM-11 Q) without a PID and with one; neither is a patient reading', async () => {
    const at = hoursAgo(2);
    await sendAccepted({ specimen: 'QCH-L1-2611', role: 'Q', results: { GLU: '5.58' }, at });
    // An analyzer that fills PID for a control too (the last patient's, or the control's name).
    await sendAccepted({ specimen: 'QCH-L2-2611', role: 'Q', results: { GLU: '16.43' }, mrn: GINA.mrn, at: hoursAgo(1.9) });

    const [first] = await awaitQcEntries(gw, { device: 'hl7-c', lot: 'QCH-L1-2611' }, 1);
    expect(first).toMatchObject({
      test: 'GLU',
      specimen: 'QCH-L1-2611',
      value: 5.58,
      unit: 'mmol/L',
      role: 'control',
      marker: 'HL7 SPM-11 Q',
      status: 'not-judged',
    });
    expect(Date.parse(first!.time)).toBe(at.getTime());
    const [second] = await awaitQcEntries(gw, { device: 'hl7-c', lot: 'QCH-L2-2611' }, 1);
    expect(second).toMatchObject({ test: 'GLU', value: 16.43, role: 'control', marker: 'HL7 SPM-11 Q' });
  });

  it('logs a calibrator (SPM-11 C) and never judges it, however far from the lot target', async () => {
    await sendAccepted({ specimen: 'CAL-GLU-7', role: 'C', results: { GLU: '11.07' }, at: hoursAgo(1.5) });
    const [cal] = await awaitQcEntries(gw, { device: 'hl7-c', lot: 'CAL-GLU-7' }, 1);
    expect(cal).toMatchObject({ test: 'GLU', value: 11.07, role: 'calibrator', marker: 'HL7 SPM-11 C', status: 'not-judged', rules: [] });
    expect(cal!.rejection).toBeUndefined();
    expect((await qcOverview(gw)).rejections).toEqual([]);
  });

  it('logs a control marked only in OBR-11 (specimen action code Q)', async () => {
    await sendAccepted({ specimen: 'QCH-OBR-2611', role: '', noSpm: true, obr11: 'Q', results: { GLU: '5.41' }, at: hoursAgo(1) });
    const [entry] = await awaitQcEntries(gw, { device: 'hl7-c', lot: 'QCH-OBR-2611' }, 1);
    expect(entry).toMatchObject({ test: 'GLU', value: 5.41, role: 'control', marker: 'HL7 OBR-11 Q' });
  });

  it("sends the patient's specimen (SPM-11 P) to the EHR, and nothing of the controls", async () => {
    await sendAccepted({ specimen: 'SPH1602', role: 'P', results: { GLU: '5.2' }, mrn: GINA.mrn, at: hoursAgo(0.5) });
    await eventually(() => expect(ehr.messages.filter((m) => m.text.includes('SPH1602'))).toHaveLength(1), 15_000);
    expect(await heldOf(gw, 'hl7-c')).toEqual([]);
    for (const specimen of ['QCH-L1-2611', 'QCH-L2-2611', 'CAL-GLU-7', 'QCH-OBR-2611']) await expectNowhereForPatients(gw, ehr, specimen);
    expect(ehr.messages).toHaveLength(1);
    expectNotLogged(gw, ['5.58', '16.43', '11.07', '5.41']);
  });
});
