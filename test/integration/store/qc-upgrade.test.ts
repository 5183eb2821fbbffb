// Issue 16: the first start of this version on a data folder the previous version wrote (no qc.json,
// no QC databases in the storage engine). The folder is what that version left after a morning's
// work: a result held for an unknown patient and one waiting for an EHR that was down (state.json),
// a delivered result and a rejected input in the storage engine, a registered patient and an order
// (directory.json, orders.json). The JSON documents are that version's output byte for byte in
// shape (taken from a run of it); the engine is written with the stores that version used
// (src/store/history-store.ts, rejects.ts: unchanged by QC). The new gateway starts on it, loses
// none of it, delivers the waiting message, and QC works: logged, judged, a rejection held over a
// restart.

import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'lmdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import type { OrdersPage } from '../../../src/orders/order-view.ts';
import { openEngine } from '../../../src/store/engine.ts';
import { HistoryStore } from '../../../src/store/history-store.ts';
import { RejectsJournal } from '../../../src/store/rejects.ts';
import type { HistoryRecord } from '../../../src/store/types.ts';
import type { ReadingView } from '../../../src/web/api-types.ts';
import { slimReading } from '../../../src/web/reading-views.ts';
import { startAnalyzerServer, type AnalyzerServer } from '../../support/analyzer-server.ts';
import type { ByteLink } from '../../support/astm-analyzer.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { freePort } from '../../support/free-port.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { dialledAstmAnalyzer } from '../../support/orders-rig.ts';
import { awaitQcEntries, heldOf, qcEntries, qcOverview } from '../../support/qc-api.ts';
import { astmSpecimen, hoursAgo, transmit } from '../../support/qc-wire.ts';

const JO = { mrn: 'MRN1605', assigningAuthority: 'CLINIC_A', family: 'Jones', given: 'Jo', dob: '1971-05-05', sex: 'F' as const };
const VISIT = { patientClass: 'O', location: 'CLINIC^EXAM1', visitNumber: 'VMRN1605' };
const YESTERDAY = new Date(Date.now() - 86_400_000).toISOString();
const HELD = '0MXBR1DU500022ES';
const WAITING = '0MXBR1E90000HOXV';
const WAITING_MESSAGE = '0MXBR1E90001GYL0';
const DELIVERED = '0MXBR1DPT0009NEY';
/** The report: a control the previous version held for "no patient" (empty P record, O-12 `Q`). */
const HELD_QC = '0MXBR1DU600033FT';

function heldControl() {
  const { subject: _none, ...reading } = glucose(HELD_QC, 'QC-LOT-4711', '', 5.61);
  reading.raw = [
    'H|\\^&|||CHEM-300^4.1^SN1187|||||MEDGATE||P|LIS2-A2|20261206090000',
    'P|1',
    'O|1|QC-LOT-4711||^^^GLU|R|20261206080500|20261206080500||||Q||||serum||||||||||F',
    'R|1|^^^GLU|5.61|mmol/l|||N||F||OP|20261206085500|20261206085900|CHEM-300',
  ].join('\r');
  return reading;
}

/** A glucose result as the previous version stored it (normalized; the analyzer's text in `raw`). */
function glucose(id: string, specimen: string, mrn: string, value: number) {
  const raw = [
    'H|\\^&|||CHEM-300^4.1^SN1187|||||MEDGATE||P|LIS2-A2|20261206090000',
    `P|1||${mrn}`,
    `O|1|${specimen}||^^^GLU|R|20261206080500|20261206080500||||||||serum||||||||||F`,
    `R|1|^^^GLU|${value}|mmol/l|||N||F||OP|20261206085500|20261206085900|CHEM-300`,
  ].join('\r');
  return {
    id,
    deviceId: 'chem-u',
    kind: 'lab',
    observedAt: '2026-12-06T08:55:00.000+00:00',
    receivedAt: '2026-12-06T09:19:29.357+00:00',
    observations: [
      {
        code: { local: { system: 'L', code: 'GLU' }, loinc: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' },
        value,
        status: 'P',
        precision: 1,
        unit: 'mmol/L',
        original: { value: String(value), unit: 'mmol/l' },
        equipment: 'CHEM-300 SN1187',
        observedAt: '2026-12-06T08:55:00.000+00:00',
      },
    ],
    raw,
    equipment: 'CHEM-300 SN1187',
    subject: { mrn },
    specimen: { id: specimen, collectedAt: '2026-12-06T08:05:00.000+00:00', type: { code: 'SER', display: 'Serum', system: 'HL70487' } },
    order: { placer: specimen, code: { system: 'L', code: 'GLU' } },
  };
}

function oru(controlId: string, specimen: string, value: number): string {
  return [
    `MSH|^~\\&|MEDGATE|TEST_CLINIC|||20261206091929+0000||ORU^R01^ORU_R01|${controlId}|P|2.5.1||||||UNICODE UTF-8`,
    'PID|1||MRN1605^^^CLINIC_A^MR||Jones^Jo^^^^^L||19710505|F',
    'PV1|1|O|CLINIC^EXAM1||||||||||||||||VMRN1605',
    `ORC|RE|${specimen}|${specimen}^MEDGATE`,
    `OBR|1|${specimen}|${specimen}^MEDGATE|2345-7^Glucose [Mass/volume] in Serum or Plasma^LN^GLU^Glucose [Mass/volume] in Serum or Plasma^L|||20261206080500+0000|||||||||||||||20261206091929+0000|||P`,
    `OBX|1|NM|2345-7^Glucose [Mass/volume] in Serum or Plasma^LN^GLU^Glucose [Mass/volume] in Serum or Plasma^L||${value}|mmol/L^mmol/L^UCUM|||||P|||20261206080500+0000||||CHEM-300 SN1187|20261206085500+0000`,
    `SPM|1|^${specimen}&MEDGATE||SER^Serum^HL70487|||||||||||||20261206080500+0000`,
    '',
  ].join('\r');
}

async function previousVersionFolder(dataDir: string): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const write = (name: string, doc: unknown) => writeFileSync(join(dataDir, name), JSON.stringify(doc), { mode: 0o600 });
  write('format.json', { format: 2, writtenBy: 'medgate 0.15.0' });
  write('state.json', {
    version: 2,
    seq: 2,
    bindings: {},
    readings: {
      [HELD]: {
        reading: glucose(HELD, 'SPU-2', 'MRN0000', 5.8),
        status: 'held',
        holdReasons: [{ kind: 'patient', code: 'unknown-patient-id', text: 'unknown patient ID: the reported patient ID is not in the directory' }],
        updatedAt: '2026-12-06T09:19:29.357Z',
      },
      [HELD_QC]: {
        reading: heldControl(),
        status: 'held',
        holdReasons: [{ kind: 'patient', code: 'no-patient', text: 'no patient: the analyzer sent no patient ID for this specimen' }],
        updatedAt: '2026-12-06T09:19:29.500Z',
      },
      [WAITING]: {
        reading: glucose(WAITING, 'SPU-3', JO.mrn, 6.2),
        status: 'queued',
        holdReasons: [],
        updatedAt: '2026-12-06T09:19:29.892Z',
        patient: JO,
        patientSource: 'directory',
        visit: VISIT,
        messageIds: [WAITING_MESSAGE],
      },
    },
    messages: {
      [WAITING_MESSAGE]: {
        id: WAITING_MESSAGE,
        destinationId: 'ehr',
        readingId: WAITING,
        seq: 2,
        controlId: WAITING_MESSAGE,
        body: oru(WAITING_MESSAGE, 'SPU-3', 6.2),
        state: 'retry_wait',
        attempts: 6,
        createdAt: '2026-12-06T09:19:29.892Z',
        lastAttemptAt: '2026-12-06T09:19:31.372Z',
        lastError: 'connect: connect to 127.0.0.1:45645 failed: connect ECONNREFUSED 127.0.0.1:45645',
        nextAttemptAt: '2026-12-06T09:19:31.736Z',
      },
    },
    generation: 15,
  });
  write('directory.json', {
    version: 1,
    entries: [{ patient: JO, visit: VISIT, status: 'active', updatedAt: '2026-12-06T09:18:52.096Z' }],
    orders: [
      {
        mrn: JO.mrn,
        patient: JO,
        tests: [{ system: 'LN', code: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' }],
        status: 'open',
        control: 'NW',
        updatedAt: '2026-12-06T09:18:52.951Z',
        assigningAuthority: 'CLINIC_A',
        placer: 'PLU1',
        filler: 'FLU1',
        visitNumber: VISIT.visitNumber,
        orderedAt: '2026-12-06T08:00:00.000+00:00',
        specimenType: 'SER',
        specimenId: 'SPU-ORD',
        key: 'P|PLU1',
      },
    ],
  });
  write('orders.json', {
    version: 1,
    orders: [
      {
        dispatched: '2026-12-06T09:18:52.951Z',
        status: 'open',
        receivedAt: '2026-12-06T09:18:52.955Z',
        devices: [],
        events: [{ at: '2026-12-06T09:18:52.955Z', what: 'received' }],
        key: 'P|PLU1',
      },
    ],
    queue: [],
  });

  const engine = openEngine(dataDir);
  const delivered = glucose(DELIVERED, 'SPU-1', JO.mrn, 5.3);
  const record = {
    at: YESTERDAY,
    reading: {
      reading: delivered,
      status: 'delivered',
      holdReasons: [],
      updatedAt: YESTERDAY,
      patient: JO,
      patientSource: 'directory',
      visit: VISIT,
      messageIds: ['0MXBR1DPT001B18O'],
    },
    messages: [
      {
        id: '0MXBR1DPT001B18O',
        destinationId: 'ehr',
        readingId: DELIVERED,
        seq: 1,
        controlId: '0MXBR1DPT001B18O',
        body: oru('0MXBR1DPT001B18O', 'SPU-1', 5.3),
        state: 'delivered',
        attempts: 1,
        createdAt: YESTERDAY,
        lastAttemptAt: YESTERDAY,
        ack: {
          code: 'AA',
          controlId: '0MXBR1DPT001B18O',
          raw: 'MSH|^~\\&|EHR|HOSP|MEDGATE|CLINIC|20261206091929||ACK^R01^ACK|SA1|P|2.6\rMSA|AA|0MXBR1DPT001B18O\r',
          at: YESTERDAY,
        },
        deliveredAt: YESTERDAY,
      },
    ],
  } as unknown as HistoryRecord;
  await new HistoryStore(engine, { listView: slimReading }).append([record]);
  const rejects = await RejectsJournal.open(engine, dataDir, { log: silentLogger });
  rejects.keep('chem-u', '9 byte(s) outside a frame ignored', '.......\r\n', new Date(YESTERDAY));
  await engine.flushed();
  await engine.close();
}

/** The named databases of the engine at `<dataDir>/db` (LMDB keeps their names in its main database). */
async function databases(dataDir: string): Promise<string[]> {
  const root = open({ path: join(dataDir, 'db'), maxDbs: 32, readOnly: true });
  try {
    return [...root.getKeys()].map(String);
  } finally {
    await root.close();
  }
}

function analyzer(port: number): DeviceConfigT {
  return dialledAstmAnalyzer('chem-u', port, {
    label: 'Chemistry (upgraded)',
    qc: { lots: [{ id: 'QC-UPG-1', level: '1', targets: { GLU: { mean: 5.5, sd: 0.15, unit: 'mmol/L' } } }] },
  });
}

describe('upgrading a data folder of the version before QC', { timeout: 120_000 }, () => {
  let ehr: EhrStandin;
  let server: AnalyzerServer;
  let gw: GatewayProcess;
  let link: ByteLink;
  let dataDir: string;
  let start: () => Promise<GatewayProcess>;

  beforeAll(async () => {
    ehr = await startEhrStandin();
    server = await startAnalyzerServer();
    const dir = tempDir();
    dataDir = join(dir, 'data');
    await previousVersionFolder(dataDir);
    const config = gatewayConfig(dir, ehr.port, [analyzer(server.port)], { inbound: { mllp: { host: '127.0.0.1', port: await freePort() } } });
    start = () => startGatewayProcess(config, { dir });
    expect(existsSync(join(dataDir, 'qc.json'))).toBe(false);
    const names = await databases(dataDir);
    expect(names).toEqual(expect.arrayContaining(['history', 'rejected']));
    expect(names.filter((name) => /qc/i.test(name))).toEqual([]);
    gw = await start();
    link = await server.link();
  }, 60_000);

  afterAll(async () => {
    await gw?.stop();
    await server?.close();
    await ehr?.stop();
  });

  const readings = async (status: string) =>
    (await gw.api<{ readings: ReadingView[] }>('GET', `/api/readings?status=${status}&limit=100`)).body.readings.map((r) => r.reading.id);

  async function expectNothingLost(): Promise<void> {
    expect(await readings('held')).toContain(HELD);
    const held = (await heldOf(gw, 'chem-u')).find((r) => r.reading.id === HELD);
    expect(held?.holdReasons).toEqual([
      { kind: 'patient', code: 'unknown-patient-id', text: 'unknown patient ID: the reported patient ID is not in the directory' },
    ]);
    expect(await readings('delivered')).toEqual(expect.arrayContaining([DELIVERED, WAITING]));
    const messages = JSON.stringify((await gw.api('GET', '/api/messages?limit=100')).body);
    for (const id of ['0MXBR1DPT001B18O', WAITING_MESSAGE]) expect(messages).toContain(id);
    const rejected = (await gw.api<Array<{ reason: string }> | { entries?: Array<{ reason: string }> }>('GET', '/api/rejected')).body;
    expect(JSON.stringify(rejected)).toContain('9 byte(s) outside a frame ignored');
    const orders = await gw.api<OrdersPage>('GET', '/api/orders?q=PLU1');
    expect(orders.body.orders).toEqual([expect.objectContaining({ placer: 'PLU1', status: 'open', mrn: JO.mrn })]);
  }

  it('starts, delivers the message the EHR was down for, and loses nothing', async () => {
    const [m] = await ehr.waitFor(1, 15_000);
    expect(m!.controlId).toBe(WAITING_MESSAGE);
    await eventually(async () => expect(await readings('delivered')).toContain(WAITING), 10_000);
    await expectNothingLost();
    expect(await qcEntries(gw)).toEqual([]);
    expect(await qcOverview(gw)).toEqual({ series: [], rejections: [], reviewRole: 'admin' });
  });

  it('logs and judges QC on the upgraded folder, and holds after a rejection', async () => {
    await transmit(link, astmSpecimen({ specimen: 'QC-UPG-1', results: { GLU: '5.56' }, unit: 'mmol/l', action: 'Q', at: hoursAgo(2) }));
    await transmit(link, astmSpecimen({ specimen: 'QC-UPG-1', results: { GLU: '6.12' }, unit: 'mmol/l', action: 'Q', at: hoursAgo(1) }));
    const entries = await awaitQcEntries(gw, { device: 'chem-u', test: 'GLU', lot: 'QC-UPG-1' }, 2);
    expect(entries.map((e) => [e.value, e.status])).toEqual([
      [6.12, 'rejected'],
      [5.56, 'accepted'],
    ]);
    await transmit(link, astmSpecimen({ specimen: 'SPU-4', results: { GLU: '5.9' }, unit: 'mmol/l', action: 'N', patientId: JO.mrn, at: hoursAgo(0.2) }));
    await eventually(async () => {
      const held = (await heldOf(gw, 'chem-u')).find((r) => r.reading.specimen?.id === 'SPU-4');
      expect(held?.holdReasons.map((r) => r.code)).toEqual(['qc-failed']);
    }, 15_000);
    expect(existsSync(join(dataDir, 'qc.json'))).toBe(true);
  });

  it('never lets a control the previous version held for "no patient" be assigned or released: it can only be discarded', async () => {
    expect(await readings('held')).toContain(HELD_QC);
    const assign = await gw.api<{ message: string }>('POST', `/api/readings/${HELD_QC}/assign`, {
      mrn: JO.mrn,
      assigningAuthority: JO.assigningAuthority,
      family: JO.family,
      given: JO.given,
    });
    expect(assign.status).toBe(409);
    expect(assign.body.message).toMatch(/is a control \(QC\) result \(ASTM O-12 Q\), never a patient's: discard it/);
    expect((await gw.api('POST', `/api/readings/${HELD_QC}/release`, {})).status).toBe(409);
    expect(ehr.messages.map((m) => m.text).join('\n')).not.toContain('QC-LOT-4711');
    const discard = await gw.api('POST', `/api/readings/${HELD_QC}/discard`, { reason: 'a control result, not a patient’s' });
    expect(discard.status).toBe(200);
    expect(await readings('held')).not.toContain(HELD_QC);
  });

  it('keeps the old data and the new QC log over a restart', async () => {
    const before = await qcEntries(gw, { device: 'chem-u' });
    await gw.stop();
    gw = await start();
    await expectNothingLost();
    expect((await qcEntries(gw, { device: 'chem-u' })).map((e) => [e.id, e.value, e.status])).toEqual(before.map((e) => [e.id, e.value, e.status]));
    expect((await qcOverview(gw)).rejections.map((r) => [r.device, r.test, r.lot, r.review])).toEqual([['chem-u', 'GLU', 'QC-UPG-1', undefined]]);
    expect((await heldOf(gw, 'chem-u')).map((r) => r.reading.specimen?.id).sort()).toEqual(['SPU-2', 'SPU-4']);
  });
});
