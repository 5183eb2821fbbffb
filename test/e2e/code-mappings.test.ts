// Mapping an analyzer code per specimen on the page: a urine glucose that the code map only knows
// for serum arrives, goes out under the analyzer's local code and is listed with its specimen; the
// administrator maps it for urine in Settings, and the next urinalysis goes out under the urine
// test-strip code while serum glucose keeps its own.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulator } from '../../simulators/runner.ts';
import type { DeviceConfigT } from '../../src/config/schema.ts';
import type { DeviceView } from '../../src/web/api-types.ts';
import { createFirstAdmin, openBrowser, setupUrlOf, type BrowserSession } from '../support/browser.ts';
import { gatewayConfig } from '../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../support/ehr-standin-client.ts';
import { eventually } from '../support/eventually.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../support/gateway-process.ts';
import { freePort } from '../support/free-port.ts';

let ehr: EhrStandin;
let gw: GatewayProcess;
let browser: BrowserSession;
let port: number;

/** Chemistry, hematology, urinalysis: the simulator's rotation. */
async function threePanels(): Promise<void> {
  const sim = await runSimulator({ driver: 'astm-lis2', tcpConnect: { host: '127.0.0.1', port }, count: 3, intervalMs: 50, seed: 9 });
  await sim.done;
  await sim.stop();
}

function glucoseRows(text: string): string[] {
  return text.split('\r').filter((s) => s.startsWith('OBX|') && /\^GLU\^|\|GLU\^/.test(s));
}

beforeAll(async () => {
  ehr = await startEhrStandin();
  port = await freePort();
  const dir = tempDir();
  const analyzer: DeviceConfigT = {
    id: 'ua-9',
    driver: 'astm-lis2',
    label: 'Lab analyzer, room 9',
    transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port },
    codeMap: { GLU: { specimen: ['SER', 'PLAS'], loinc: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' } },
  };
  gw = await startGatewayProcess(gatewayConfig(dir, ehr.port, [analyzer]), { dir });
  browser = await openBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await ehr?.stop();
});

describe('code mappings per specimen on the page', () => {
  it('lists an unmapped urine glucose with its specimen, maps it for urine, and the next one goes out under 25428-4', async () => {
    await threePanels();
    await ehr.waitFor(3, 20_000);
    const first = ehr.messages.flatMap((m) => glucoseRows(m.text));
    expect(first).toHaveLength(2);
    expect(first.filter((r) => r.includes('|2345-7^'))).toHaveLength(1);
    // The urine glucose went out under the analyzer's code only, never the serum LOINC.
    expect(first.filter((r) => r.includes('|GLU^'))).toHaveLength(1);
    await eventually(async () => {
      const { body } = await gw.api<{ devices: DeviceView[] }>('GET', '/api/devices');
      expect(body.devices[0]?.unmappedSpecimens.GLU).toEqual(['UR']);
    });

    const { page } = browser;
    await createFirstAdmin(page, await setupUrlOf(gw), { name: 'lab', password: 'lab-admin-2026' });
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Map GLU', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: /Map code GLU of Lab analyzer, room 9/ });
    await expect.poll(() => dialog.getByLabel('Specimens').inputValue()).toBe('UR');
    await dialog.getByLabel('LOINC code').fill('25428-4');
    await dialog.getByLabel('Display name').fill('Glucose [Presence] in Urine by Test strip');
    await dialog.getByRole('button', { name: 'Save mapping' }).click();
    await expect
      .poll(async () => (await gw.api<{ device: DeviceConfigT }>('GET', '/api/config/devices/ua-9')).body.device.codeMap?.GLU)
      .toEqual([
        { specimen: ['SER', 'PLAS'], loinc: '2345-7', display: 'Glucose [Mass/volume] in Serum or Plasma' },
        { specimen: ['UR'], loinc: '25428-4', display: 'Glucose [Presence] in Urine by Test strip' },
      ]);
    // Both mappings are listed, each with its specimens.
    await page.getByRole('cell', { name: '25428-4' }).waitFor();
    expect(await page.getByRole('button', { name: 'Change GLU', exact: true }).count()).toBe(2);

    const before = ehr.messages.length;
    await threePanels();
    await ehr.waitFor(before + 3, 20_000);
    const second = ehr.messages.slice(before).flatMap((m) => glucoseRows(m.text));
    expect(second.map((r) => r.split('|').slice(2, 4).join('|').split('^')[0])).toEqual(['NM|2345-7', 'ST|25428-4']);
  });
});
