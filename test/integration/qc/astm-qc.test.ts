// Issue 16, "Done when" 1: an ASTM QC transmission (O-12 action code `Q`, empty P record) over a pty
// and over TCP reaches GET /api/qc, is in no list of patient readings and reaches no EHR; the same
// for an analyzer that marks nothing on the wire (O-12 `N`) and is recognised by the device's
// sample-ID pattern or its list of control lots. The analyzer's side is written here byte by byte
// (E1381 frames, E1394 records); the EHR stand-in runs in its own process over real MLLP. "Nothing
// at the EHR" is checked after a later patient result from the same analyzer has arrived there.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QcEntryView } from '../../../src/qc/qc-view.ts';
import type { ByteLink } from '../../support/astm-analyzer.ts';
import { startAnalyzerServer, type AnalyzerServer } from '../../support/analyzer-server.ts';
import { serialDevice } from '../../support/configs.ts';
import type { EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import type { GatewayProcess } from '../../support/gateway-process.ts';
import type { FeedPatient } from '../../support/order-feed.ts';
import { CHEMISTRY_CODES, dialledAstmAnalyzer, QUICK_E1381, startOrdersRig, type OrdersRig } from '../../support/orders-rig.ts';
import { openPtyPair, type PtyPair } from '../../support/pty.ts';
import { awaitQcEntries, expectNotLogged, expectNowhereForPatients, heldOf } from '../../support/qc-api.ts';
import { astmSpecimen, hoursAgo, transmit } from '../../support/qc-wire.ts';
import { openDeviceEnd, type SerialDeviceEnd } from '../../support/serial-device.ts';

const FRED: FeedPatient = { mrn: 'MRN1601', family: 'Field', given: 'Fred', dob: '1966-09-12', sex: 'M' };

describe('ASTM QC transmissions: in the QC log, never a patient reading', { timeout: 120_000 }, () => {
  let pty: PtyPair;
  let overTcp: AnalyzerServer;
  let byPattern: AnalyzerServer;
  let rig: OrdersRig;
  let gw: GatewayProcess;
  let ehr: EhrStandin;
  let serial: SerialDeviceEnd;

  beforeAll(async () => {
    pty = await openPtyPair();
    overTcp = await startAnalyzerServer();
    byPattern = await startAnalyzerServer();
    rig = await startOrdersRig(
      [
        // Wire markers need no QC settings at all.
        { ...serialDevice('chem-s', 'astm-lis2', pty.a, QUICK_E1381), label: 'Chemistry (serial)', codeMap: CHEMISTRY_CODES },
        dialledAstmAnalyzer('chem-t', overTcp.port, { label: 'Chemistry (TCP)' }),
        dialledAstmAnalyzer('chem-p', byPattern.port, {
          label: 'Chemistry (QC by sample ID)',
          qc: {
            sampleIdPattern: '^QC(?<level>[123])-(?<lot>.+)$',
            lots: [{ id: 'CTRL-2611', level: '2', material: 'Chemistry control level 2' }],
          },
        }),
      ],
      [FRED],
    );
    ({ gw, ehr } = rig);
    serial = await openDeviceEnd(pty.b);
  }, 60_000);

  afterAll(async () => {
    await serial?.close();
    await rig?.stop();
    await overTcp?.close();
    await byPattern?.close();
    await pty?.close();
  });

  /** A patient result from the same analyzer after the control: at the EHR, so the control had every chance to go there too. */
  async function patientResultArrives(link: ByteLink, specimen: string): Promise<void> {
    await transmit(link, astmSpecimen({ specimen, results: { GLU: '5.1' }, unit: 'mmol/l', action: 'N', patientId: FRED.mrn, at: hoursAgo(0.5) }));
    await eventually(() => expect(ehr.messages.filter((m) => m.text.includes(specimen))).toHaveLength(1), 15_000);
  }

  async function controlWithEmptyPatient(device: string, link: ByteLink, value: string): Promise<QcEntryView> {
    const at = hoursAgo(1);
    await transmit(link, astmSpecimen({ specimen: 'QC-LOT-4711', results: { GLU: value }, unit: 'mmol/l', action: 'Q', at }));
    const [entry] = await awaitQcEntries(gw, { device, test: 'GLU', lot: 'QC-LOT-4711' }, 1);
    expect(entry).toMatchObject({
      device,
      test: 'GLU',
      loinc: '2345-7',
      lot: 'QC-LOT-4711',
      specimen: 'QC-LOT-4711',
      value: Number(value),
      unit: 'mmol/L',
      role: 'control',
      marker: 'ASTM O-12 Q',
      // No target configured or established: logged, not judged, and said why.
      status: 'not-judged',
      notJudged: expect.any(String),
      rules: [],
    });
    expect(entry!.level).toBeUndefined();
    expect(Date.parse(entry!.time)).toBe(at.getTime());
    return entry!;
  }

  it('over a pty: the analyzer gets its ACKs, the control is in GET /api/qc, held nowhere and never at the EHR', async () => {
    await controlWithEmptyPatient('chem-s', serial, '5.62');
    await patientResultArrives(serial, 'SPS1601');
    expect(await heldOf(gw, 'chem-s')).toEqual([]);
    await expectNowhereForPatients(gw, ehr, 'QC-LOT-4711');
    expectNotLogged(gw, ['5.62']);
  });

  it('over TCP (the gateway dials the analyzer): the same', async () => {
    const link = await overTcp.link();
    await controlWithEmptyPatient('chem-t', link, '5.47');
    await patientResultArrives(link, 'SPT1601');
    expect(await heldOf(gw, 'chem-t')).toEqual([]);
    await expectNowhereForPatients(gw, ehr, 'QC-LOT-4711');
    // Each analyzer's log is its own: the serial analyzer's control is not listed under this one.
    expect((await awaitQcEntries(gw, { device: 'chem-t' }, 1)).map((e) => e.value)).toEqual([5.47]);
    expectNotLogged(gw, ['5.47']);
  });

  it('recognises controls the analyzer does not mark (O-12 N) by the sample-ID pattern and the lot list; a patient specimen goes to the EHR', async () => {
    const link = await byPattern.link();
    await transmit(link, astmSpecimen({ specimen: 'QC1-LOT88', results: { GLU: '3.11' }, unit: 'mmol/l', action: 'N', at: hoursAgo(3) }));
    // A control whose P record names a patient (analyzers repeat the last one) is still a control.
    await transmit(link, astmSpecimen({ specimen: 'QC3-LOT88', results: { GLU: '18.24' }, unit: 'mmol/l', action: 'N', patientId: FRED.mrn, at: hoursAgo(2) }));
    await transmit(link, astmSpecimen({ specimen: 'CTRL-2611', results: { GLU: '9.93', CREA: '1.21' }, unit: 'mg/dL', action: '', at: hoursAgo(1) }));

    const lot88 = await awaitQcEntries(gw, { device: 'chem-p', lot: 'LOT88' }, 2);
    expect(lot88.map((e) => [e.specimen, e.test, e.level, e.value, e.marker, e.role])).toEqual([
      ['QC3-LOT88', 'GLU', '3', 18.24, 'sample ID pattern', 'control'],
      ['QC1-LOT88', 'GLU', '1', 3.11, 'sample ID pattern', 'control'],
    ]);
    const listed = await awaitQcEntries(gw, { device: 'chem-p', lot: 'CTRL-2611' }, 2);
    expect(listed.map((e) => [e.test, e.level, e.material, e.value, e.unit, e.marker]).sort()).toEqual([
      ['CREA', '2', 'Chemistry control level 2', 1.21, 'mg/dL', 'control lot list'],
      ['GLU', '2', 'Chemistry control level 2', 9.93, 'mg/dL', 'control lot list'],
    ]);
    // The test filter: one test of the lot.
    expect((await awaitQcEntries(gw, { device: 'chem-p', test: 'CREA', lot: 'CTRL-2611' }, 1))[0]!.value).toBe(1.21);

    await patientResultArrives(link, 'SPP1601');
    expect(await heldOf(gw, 'chem-p')).toEqual([]);
    for (const specimen of ['QC1-LOT88', 'QC3-LOT88', 'CTRL-2611']) await expectNowhereForPatients(gw, ehr, specimen);
    expectNotLogged(gw, ['3.11', '18.24', '9.93', '1.21']);
  });
});
