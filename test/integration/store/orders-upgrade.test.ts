// The first start of this version on a data folder the previous version wrote: its patient directory
// holds orders (in that version's form: no specimen type, no priority) and there is no orders.json.
// Those orders are taken as already dispatched: an analyzer that takes downloads gets none of them
// when it connects, the API lists them with no analyzer, and an order that arrives after the upgrade
// goes out as usual.

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrdersPage } from '../../../src/orders/order-view.ts';
import { sendAdt } from '../../support/adt-sender.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { freePort } from '../../support/free-port.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { connectHl7Analyzer, type Hl7AnalyzerEnd } from '../../support/hl7-analyzer-end.ts';
import { GLUCOSE, labOrder, type FeedPatient } from '../../support/order-feed.ts';

const EVE: FeedPatient = { mrn: 'MRN9101', family: 'Doe', given: 'Eve', dob: '1970-03-04', sex: 'F' };
const AT = '2026-12-06T07:00:00.000Z';

/** directory.json as the previous version wrote it: JSON.stringify of its document, orders without specimenType and priority. */
function previousVersionFolder(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, 'format.json'), JSON.stringify({ format: 2, writtenBy: 'medgate 0.14.0' }));
  const doc = {
    version: 1,
    entries: [
      {
        patient: { mrn: EVE.mrn, assigningAuthority: 'CLINIC_A', family: EVE.family, given: EVE.given, dob: EVE.dob, sex: EVE.sex },
        visit: { patientClass: 'O', location: 'CLINIC^EXAM1', visitNumber: `V${EVE.mrn}` },
        status: 'active',
        updatedAt: AT,
      },
    ],
    orders: [
      {
        mrn: EVE.mrn,
        patient: { mrn: EVE.mrn, assigningAuthority: 'CLINIC_A', family: EVE.family, given: EVE.given, dob: EVE.dob, sex: EVE.sex },
        tests: [{ system: 'LN', code: GLUCOSE.code, display: GLUCOSE.display }],
        status: 'open',
        control: 'NW',
        updatedAt: AT,
        assigningAuthority: 'CLINIC_A',
        placer: 'PL9101',
        filler: 'FL9101',
        visitNumber: `V${EVE.mrn}`,
        orderedAt: AT,
        specimenId: 'SP9101',
        key: 'P|PL9101',
      },
    ],
  };
  writeFileSync(join(dataDir, 'directory.json'), JSON.stringify(doc));
}

describe('upgrading a data folder with orders but no order book', () => {
  let ehr: EhrStandin;
  let gw: GatewayProcess;
  let analyzer: Hl7AnalyzerEnd | undefined;
  let inbound: number;
  let port: number;
  let dataDir: string;

  beforeAll(async () => {
    ehr = await startEhrStandin();
    inbound = await freePort();
    port = await freePort();
    const dir = tempDir();
    dataDir = join(dir, 'data');
    previousVersionFolder(dataDir);
    const config = gatewayConfig(
      dir,
      ehr.port,
      [
        {
          id: 'chem',
          driver: 'hl7-analyzer',
          transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port },
          codeMap: { GLU: { loinc: GLUCOSE.code } },
          orders: { mode: 'download' },
        },
      ],
      { inbound: { mllp: { host: '127.0.0.1', port: inbound } } },
    );
    gw = await startGatewayProcess(config, { dir });
  });

  afterAll(async () => {
    await analyzer?.close();
    await gw?.stop();
    await ehr?.stop();
  });

  it('sends none of the orders that came before, lists them, and sends an order that comes after', async () => {
    expect(existsSync(join(dataDir, 'orders.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dataDir, 'orders.json'), 'utf8'))).toMatchObject({ version: 1, orders: [{ key: 'P|PL9101', devices: [] }], queue: [] });

    analyzer = await connectHl7Analyzer(port);
    const listed = await gw.api<OrdersPage>('GET', '/api/orders?q=SP9101');
    expect(listed.status).toBe(200);
    expect(listed.body.orders).toEqual([expect.objectContaining({ placer: 'PL9101', status: 'open', devices: [], mrn: EVE.mrn, patientName: 'Doe, Eve' })]);

    await sendAdt(inbound, [
      labOrder({ controlId: 'OML9102', patient: EVE, placer: 'PL9102', filler: 'FL9102', specimen: 'SP9102', specimenType: 'SER', tests: [GLUCOSE] }),
    ]);
    await eventually(() => expect(analyzer!.received.filter((m) => m.includes('SP9102'))).toHaveLength(1), 15_000);
    // Time enough for anything else to follow: the order from before never does.
    await sleep(500);
    expect(analyzer.received.filter((m) => m.includes('SP9101'))).toEqual([]);
    await eventually(async () => {
      const after = await gw.api<{ order: { devices: Array<{ device: string; state: string }> } }>('GET', `/api/orders/${encodeURIComponent('P|PL9102')}`);
      expect(after.body.order.devices).toEqual([expect.objectContaining({ device: 'chem', state: 'sent' })]);
    }, 10_000);
  });
});
