// The shipped demo (config/demo.json, ports moved to free ones): its built-in EHR registers its
// patients through the inbound feed, so the page finds them, and the unbound oximeter's readings
// are held for a person to assign to one of them.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfig } from '../../support/demo-config.ts';
import { eventually } from '../../support/eventually.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';

describe('the demo configuration', () => {
  let gw: GatewayProcess;

  beforeAll(async () => {
    const dir = tempDir();
    gw = await startGatewayProcess(await demoConfig(dir), { dir });
  });

  afterAll(async () => {
    await gw?.stop();
  });

  it('registers its patients through its inbound feed, and the directory finds them', async () => {
    await gw.waitForLog((l) => l.msg === 'built-in EHR registered its patients through the inbound feed (demo)', 60_000);
    const found = await gw.api<{ patients: Array<{ patient: { mrn: string } }> | null }>('GET', '/api/patients/search?q=Dana');
    expect(found.body.patients?.map((e) => e.patient.mrn)).toEqual(['DEMO1004']);
    const bound = await gw.api<{ patients: Array<{ patient: { mrn: string } }> | null }>('GET', '/api/patients/search?q=DEMO1001');
    expect(bound.body.patients?.map((e) => e.patient.mrn)).toEqual(['DEMO1001']);
  });

  it('holds the unbound oximeter readings, and one is assigned to a registered patient', { timeout: 120_000 }, async () => {
    const held = await eventually(
      async () => {
        const r = await gw.api<{ readings: Array<{ reading: { id: string } }> }>('GET', '/api/readings?status=held&device=spo2-1');
        expect(r.body.readings.length).toBeGreaterThan(0);
        return r.body.readings;
      },
      90_000,
      250,
    );
    const assign = await gw.api('POST', `/api/readings/${held[0]!.reading.id}/assign`, { mrn: 'DEMO1004', family: 'Demo', given: 'Dana' });
    expect(assign.status).toBe(200);
  });
});
