// Binding from the EHR's patient directory on the page: the ADT feed over MLLP fills the directory,
// the assistant finds the patient by name, and the reading goes out with the directory's patient and visit.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSimulator } from '../../simulators/runner.ts';
import { createFirstAdmin, openBrowser, setupUrlOf, type BrowserSession } from '../support/browser.ts';
import { sendAdt } from '../support/adt-sender.ts';
import { gatewayConfig, serialDevice } from '../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../support/ehr-standin-client.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../support/gateway-process.ts';
import { readOru } from '../support/hl7-read.ts';
import { openPtyPair, type PtyPair } from '../support/pty.ts';
import { a01, a04 } from '../unit/inbound/fixtures.ts';

let ehr: EhrStandin;
let pty: PtyPair;
let gw: GatewayProcess;
let browser: BrowserSession;

beforeAll(async () => {
  ehr = await startEhrStandin();
  pty = await openPtyPair();
  const dir = tempDir();
  const device = { ...serialDevice('scale-3', 'ad-scale', pty.a), patient: { mode: 'bind' as const } };
  gw = await startGatewayProcess(gatewayConfig(dir, ehr.port, [device], { inbound: { mllp: { host: '127.0.0.1', port: 0 } } }), { dir });
  browser = await openBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await pty?.close();
  await ehr?.stop();
});

describe('binding from the patient directory', () => {
  it('finds the patient the EHR admitted, binds the device, and the reading carries that patient and visit', async () => {
    const listening = await gw.waitForLog((l) => l.msg === 'inbound HL7 listener (ADT and orders) listening');
    const acks = await sendAdt(Number(listening.port), [a01('ADT0001', 'MRN1001', 'V5001'), a04('ADT0002', 'MRN2002', 'V6002')]);
    expect(acks.map((a) => a.code)).toEqual(['AA', 'AA']);

    const { page } = browser;
    await createFirstAdmin(page, await setupUrlOf(gw), { name: 'ma', password: 'front-desk-2026' });
    await page.getByRole('link', { name: 'Patients' }).click();
    await page.getByLabel('Device', { exact: true }).selectOption('scale-3');
    await page.getByLabel('Search patients').fill('doe ja');
    const found = page.getByRole('list', { name: 'Patients found' });
    const jane = found.getByRole('button', { name: /MRN1001/ });
    await jane.waitFor();
    expect(await found.getByRole('button', { name: /MRN2002/ }).count()).toBe(0);
    await jane.click();
    await expect.poll(() => page.getByLabel('MRN', { exact: true }).inputValue()).toBe('MRN1001');
    await page.getByRole('button', { name: 'Bind', exact: true }).click();
    const confirm = page.getByRole('dialog');
    await expect.poll(() => confirm.textContent()).toMatch(/MRN1001/);
    await confirm.getByRole('button', { name: 'Confirm' }).click();
    await expect
      .poll(
        async () => (await gw.api<{ devices: Array<{ binding?: { patient: { mrn: string } } }> }>('GET', '/api/devices')).body.devices[0]?.binding?.patient.mrn,
      )
      .toBe('MRN1001');

    const sim = await runSimulator({ driver: 'ad-scale', serial: { path: pty.b }, count: 1, intervalMs: 100, seed: 7 });
    await sim.done;
    // The port stays open until the reading arrived: closing it at once could drop a line not yet read.
    const [m] = await ehr.waitFor(1, 20_000);
    await sim.stop();
    const oru = readOru(m!.text);
    expect(oru.pid3).toBe('MRN1001');
    expect(oru.family).toBe('DOE');
    expect(m!.text).toMatch(/\rPV1\|[^\r]*\|V5001/);
  });
});
