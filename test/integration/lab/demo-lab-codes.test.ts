// The demo's two lab analyzers, configured exactly as config/demo.json ships them (code maps
// included), through the gateway process to the EHR stand-in: every result goes out under a code
// that fits it. Urine dipstick results under urine test-strip codes (ordinal, ST), serum chemistry
// under serum codes, and no quantitative LOINC ever carrying text.

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulator } from '../../../simulators/runner.ts';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import { knownLoinc } from '../../../src/model/loinc.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { freePort } from '../../support/free-port.ts';

const demo = JSON.parse(readFileSync(new URL('../../../config/demo.json', import.meta.url), 'utf8')) as { devices: DeviceConfigT[] };

/** The device as shipped, on a free port, without its `orders` (this test has no EHR feed; the code maps are what it checks). */
async function demoDevice(id: string): Promise<DeviceConfigT> {
  const device = demo.devices.find((d) => d.id === id);
  if (device?.transport.type !== 'tcp') throw new Error(`config/demo.json has no TCP device ${id}`);
  const { orders: _orders, ...rest } = device;
  return { ...rest, transport: { ...device.transport, port: await freePort() } };
}

interface Obx {
  type: string;
  code: string;
  system: string;
  alt: string;
  value: string;
}

function obxRows(text: string): Obx[] {
  return text
    .split('\r')
    .filter((s) => s.startsWith('OBX|'))
    .map((s) => {
      const f = s.split('|');
      const c = (f[3] ?? '').split('^');
      return { type: f[2] ?? '', code: c[0] ?? '', system: c[2] ?? '', alt: c[3] ?? '', value: f[5] ?? '' };
    });
}

describe('the demo lab analyzers with the demo code maps -> gateway process -> EHR stand-in', () => {
  let ehr: EhrStandin;
  let gw: GatewayProcess;
  let astm: DeviceConfigT;
  let hl7: DeviceConfigT;

  beforeAll(async () => {
    ehr = await startEhrStandin();
    astm = await demoDevice('astm-1');
    hl7 = await demoDevice('chem-1');
    const dir = tempDir();
    gw = await startGatewayProcess(gatewayConfig(dir, ehr.port, [astm, hl7]), { dir });
  });

  afterAll(async () => {
    await gw?.stop();
    await ehr?.stop();
  });

  it('sends chemistry, hematology and urinalysis from the ASTM analyzer under codes that fit', async () => {
    const port = astm.transport.type === 'tcp' ? astm.transport.port : 0;
    const before = ehr.messages.length;
    // Three transmissions: the simulator rotates chemistry, hematology, urinalysis.
    const sim = await runSimulator({ driver: 'astm-lis2', tcpConnect: { host: '127.0.0.1', port }, count: 3, intervalMs: 50, seed: 5 });
    await sim.done;
    await sim.stop();
    await eventually(() => expect(ehr.messages.length).toBeGreaterThanOrEqual(before + 3), 20_000);
    const rows = ehr.messages.slice(before).flatMap((m) => obxRows(m.text));

    const urineGlucose = rows.filter((o) => o.alt === 'GLU' && o.code !== '2345-7');
    expect(urineGlucose).toHaveLength(1);
    expect(urineGlucose[0]).toMatchObject({ code: '25428-4', system: 'LN', type: 'ST' });
    const serumGlucose = rows.filter((o) => o.code === '2345-7');
    expect(serumGlucose).toHaveLength(1);
    expect(serumGlucose[0]!.type).toBe('NM');
    for (const code of ['20454-5', '5803-2', '5811-5', '2514-8', '5794-3', '5799-2', '6690-2', '718-7']) expect(rows.map((o) => o.code)).toContain(code);
    for (const o of rows) if (o.system === 'LN' && knownLoinc(o.code)?.scale === 'Qn') expect([o.code, o.type]).toEqual([o.code, 'NM']);

    const held = await gw.api<{ readings: Array<{ holdReasons: Array<{ kind: string }> }> }>('GET', '/api/readings?status=held');
    expect(held.body.readings.flatMap((r) => r.holdReasons.map((h) => h.kind))).not.toContain('code');
  });

  it('sends every panel of the HL7 analyzer under its specimen codes', async () => {
    const port = hl7.transport.type === 'tcp' ? hl7.transport.port : 0;
    const before = ehr.messages.length;
    const sim = await runSimulator({ driver: 'hl7-analyzer', tcpConnect: { host: '127.0.0.1', port }, count: 4, intervalMs: 50, seed: 3 });
    await sim.done;
    await sim.stop();
    await eventually(() => expect(ehr.messages.length).toBeGreaterThanOrEqual(before + 4), 20_000);
    const rows = ehr.messages.slice(before).flatMap((m) => obxRows(m.text));
    const loinc = rows.filter((o) => o.system === 'LN');
    // Every analyzer code of the four panels has a mapping for its specimen (HBA1C comes coded in LOINC).
    expect(rows.filter((o) => o.system !== 'LN').map((o) => o.code)).toEqual([]);
    for (const o of loinc) if (knownLoinc(o.code)?.scale === 'Qn') expect(['NM', 'SN']).toContain(o.type);
    expect(loinc.map((o) => o.code)).toEqual(expect.arrayContaining(['2345-7', '6690-2', '4548-4', '6301-6']));
  });
});
