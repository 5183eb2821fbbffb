// A device whose results go by order is never bound to a patient: the gateway process refuses the
// binding with its reason, the Devices card says where its patients come from (and that a binding
// made under its earlier configuration is ignored) without a "Bind patient" button, and the bind
// form on Patients does not offer it. A serial scale next to it still binds as before.

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceConfigT } from '../../src/config/schema.ts';
import type { DeviceView, LinkTestResult } from '../../src/web/api-types.ts';
import { axeViolations } from '../support/axe.ts';
import { type BrowserSession, createFirstAdmin, openBrowser, setupUrlOf } from '../support/browser.ts';
import { BOB, gatewayConfig, serialDevice } from '../support/configs.ts';
import { type EhrStandin, startEhrStandin } from '../support/ehr-standin-client.ts';
import { freePort } from '../support/free-port.ts';
import { type GatewayProcess, startGatewayProcess, tempDir } from '../support/gateway-process.ts';
import { openPtyPair, type PtyPair } from '../support/pty.ts';

const ADMIN = { name: 'tech', password: 'order-binding-2026' };
const REFUSAL = "this analyzer files each result under its order's patient (by specimen ID): binding does not apply";

let ehr: EhrStandin;
let pty: PtyPair;
let gw: GatewayProcess;
let browser: BrowserSession;
let page: Page;

const chem = (nobody: number, orders?: DeviceConfigT['orders']): DeviceConfigT => ({
  id: 'chem-1',
  driver: 'astm-lis2',
  label: 'Chemistry analyzer',
  // Nothing listens there: the analyzer is switched off, which is all this test needs.
  transport: { type: 'tcp', mode: 'connect', host: '127.0.0.1', port: nobody },
  codeMap: { GLU: { loinc: '2345-7', display: 'Glucose' } },
  ...(orders ? { orders } : {}),
});

beforeAll(async () => {
  ehr = await startEhrStandin();
  pty = await openPtyPair();
  const dir = tempDir();
  const [inbound, nobody] = [await freePort(), await freePort()];
  const devices = [{ ...serialDevice('scale-a', 'ad-scale', pty.a, { mode: 'print' }), label: 'Scale, room 1' }, chem(nobody)];
  gw = await startGatewayProcess(gatewayConfig(dir, ehr.port, devices, { inbound: { mllp: { host: '127.0.0.1', port: inbound } } }), { dir });
  // Bound while it still took the patient it reports; then it is set up to take orders.
  expect((await gw.api('PUT', '/api/devices/chem-1/patient', { ...BOB, minutes: 480 })).status).toBe(200);
  expect((await gw.api('PUT', '/api/config/devices/chem-1', { device: chem(nobody, { mode: 'download' }) })).status).toBe(200);
  browser = await openBrowser();
  ({ page } = browser);
  await createFirstAdmin(page, await setupUrlOf(gw), ADMIN);
}, 60_000);

// The last started stops first.
afterAll(async () => {
  for (const stop of [() => browser?.close(), () => gw?.stop(), () => pty?.close(), () => ehr?.stop()]) await stop();
});

describe('a device that files by order', () => {
  it('is refused a binding with the reason, and says its mode (the old binding kept, not applied)', async () => {
    const refused = await gw.api<{ message: string }>('PUT', '/api/devices/chem-1/patient', { ...BOB, minutes: 15 });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe(REFUSAL);
    expect((await gw.api('PUT', '/api/devices/scale-a/patient', { ...BOB, minutes: 15 })).status).toBe(200);
    const { devices } = (await gw.api<{ devices: DeviceView[] }>('GET', '/api/devices')).body;
    const byId = new Map(devices.map((d) => [d.id, d]));
    expect(byId.get('chem-1')).toMatchObject({ patientMode: 'order', binding: { patient: { mrn: BOB.mrn } } });
    expect(byId.get('scale-a')?.patientMode).toBe('bind');
    // Its link test names no bound patient either.
    const watched = await gw.api<LinkTestResult>('POST', '/api/link-test', { deviceId: 'chem-1', seconds: 1 });
    expect(watched.status).toBe(200);
    expect(watched.body.running).toBe(true);
    expect(watched.body.boundTo).toBeUndefined();
  });

  it('has no "Bind patient" on its card, which names where its patients come from', async () => {
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    const card = page.getByRole('article', { name: 'Chemistry analyzer' });
    await expect.poll(() => card.locator('dd').allTextContents()).toContain('from each order (specimen ID) (an earlier binding is ignored)');
    expect(await card.textContent()).not.toContain(BOB.family);
    expect(await card.getByRole('button', { name: 'Bind patient' }).count()).toBe(0);
    expect(await page.getByRole('article', { name: 'Scale, room 1' }).getByRole('button', { name: 'Bind patient' }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
  });

  it('is not offered by the bind form', async () => {
    await page.getByRole('link', { name: 'Patients', exact: true }).click();
    const select = page.getByLabel('Device', { exact: true });
    await expect.poll(() => select.locator('option').allTextContents()).toEqual(['Choose a device', `Scale, room 1 (scale-a) \u00b7 bound to MRN ${BOB.mrn}`]);
  });
});
