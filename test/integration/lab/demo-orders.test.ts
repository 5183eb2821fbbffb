// The shipped demo (config/demo.json, ports moved to free ones) shows an order travelling: the
// built-in EHR places a lab order on the inbound feed, the ASTM demo analyzer scans its specimen and
// asks the gateway (host query), runs the tests it is given, and its results come back filed under
// the ordered patient with the order's placer number, and go to the EHR.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrdersPage } from '../../../src/orders/order-view.ts';
import type { SlimReading } from '../../../src/web/api-types.ts';
import { demoConfig } from '../../support/demo-config.ts';
import { eventually } from '../../support/eventually.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';

describe('the demo: an order from the built-in EHR to the ASTM analyzer and its results back', () => {
  let gw: GatewayProcess;

  beforeAll(async () => {
    const dir = tempDir();
    gw = await startGatewayProcess(await demoConfig(dir), { dir });
  });

  afterAll(async () => {
    await gw?.stop();
  });

  it('the analyzer queries the order, and its results carry the patient, the specimen and the placer number', { timeout: 120_000 }, async () => {
    await gw.waitForLog((l) => l.msg === 'built-in EHR placed a lab order (demo)', 60_000);
    const reading = await eventually(
      async () => {
        const r = await gw.api<{ readings: SlimReading[] }>('GET', '/api/readings?status=delivered&device=astm-1&limit=50');
        const ordered = r.body.readings.filter((x) => x.reading.specimen?.id.startsWith('DEMO-SPC-'));
        expect(ordered.length).toBeGreaterThan(0);
        return ordered[0]!;
      },
      60_000,
      500,
    );
    expect(['DEMO1004', 'DEMO1005']).toContain(reading.reading.subject?.mrn);
    expect(reading.reading.order?.placer).toMatch(/^DEMO-/);
    // Exactly the ordered tests: a chemistry order's three, or a dipstick order's three.
    expect(reading.reading.observations.length).toBe(3);
    // The page's orders list tells the same story: queried by the analyzer, then resulted.
    const orders = await gw.api<OrdersPage>('GET', '/api/orders?device=astm-1');
    const order = orders.body.orders.find((o) => o.specimenIds.includes(reading.reading.specimen!.id));
    expect(order?.devices.find((d) => d.device === 'astm-1')?.state).toBe('resulted');
    expect(order?.events.map((e) => e.what)).toEqual(expect.arrayContaining(['received', 'queried', 'resulted']));
  });
});
