// Binding from a device card, in headless Chromium against the gateway process with two serial
// scales on pty pairs: the bind form never offers an already bound device by default, "Bind
// patient" on a card opens it with that device chosen, and a device list answer that arrives late
// (asked for before the bind, answered after it) never draws the binding as it was before; while
// readings of another device arrive every 20 ms the panel neither repeats itself to a screen reader
// nor keeps showing a "next reading only" binding that has ended.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations } from '../support/axe.ts';
import { type BrowserSession, createFirstAdmin, openBrowser, setupUrlOf } from '../support/browser.ts';
import { ALICE, BOB, gatewayConfig, serialDevice } from '../support/configs.ts';
import { type EhrStandin, startEhrStandin } from '../support/ehr-standin-client.ts';
import { type GatewayProcess, startGatewayProcess, tempDir } from '../support/gateway-process.ts';
import { openPtyPair, type PtyPair } from '../support/pty.ts';
import { openDeviceEnd } from '../support/serial-device.ts';

const ADMIN = { name: 'tech', password: 'serial-cable-2026' };

let ehr: EhrStandin;
let ptys: PtyPair[] = [];
let gw: GatewayProcess;
let browser: BrowserSession;
let page: Page;

const deviceSelect = () => page.getByLabel('Device', { exact: true });
const bindingStatus = () => page.locator('.binding-status');

beforeAll(async () => {
  ehr = await startEhrStandin();
  ptys = [await openPtyPair(), await openPtyPair()];
  const dir = tempDir();
  const devices = [
    { ...serialDevice('scale-a', 'ad-scale', ptys[0]!.a, { mode: 'print' }), label: 'Scale, room 1' },
    { ...serialDevice('scale-b', 'ad-scale', ptys[1]!.a, { mode: 'print' }), label: 'Scale, room 2' },
  ];
  gw = await startGatewayProcess(gatewayConfig(dir, ehr.port, devices), { dir });
  // The first device in the list is taken: the form must not offer it by default.
  await gw.api('PUT', '/api/devices/scale-a/patient', { ...BOB, minutes: 480 });
  browser = await openBrowser();
  page = browser.page;
  await createFirstAdmin(page, await setupUrlOf(gw), ADMIN);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  for (const p of ptys) await p.close();
  await ehr?.stop();
});

describe('binding from a device card', () => {
  it('never preselects a device that is already bound', async () => {
    await page.getByRole('link', { name: 'Patients', exact: true }).click();
    await expect.poll(() => deviceSelect().locator('option').count()).toBe(3);
    expect(await deviceSelect().inputValue()).toBe('scale-b');
    await expect.poll(() => bindingStatus().textContent()).toContain('not bound');
  });

  it('"Bind patient" on a card opens the binding with that device chosen, the patient next', async () => {
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    const card = page.getByRole('article', { name: 'Scale, room 1' });
    expect(await axeViolations(page)).toEqual([]);
    // A bound device too, when a person picks it: the confirmation then says what it replaces.
    await card.getByRole('button', { name: 'Bind patient' }).click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/patients?bind=scale-a');
    await expect.poll(() => deviceSelect().inputValue()).toBe('scale-a');
    await expect.poll(() => bindingStatus().textContent()).toContain(`Bound to`);
    await expect.poll(() => page.locator('.bind-patient :focus').count()).toBe(1);

    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    await page.getByRole('article', { name: 'Scale, room 2' }).getByRole('button', { name: 'Bind patient' }).click();
    await expect.poll(() => deviceSelect().inputValue()).toBe('scale-b');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('keeps the binding it just made when an older device list arrives after it', async () => {
    await page.getByLabel('MRN', { exact: true }).fill(ALICE.mrn);
    await page.getByLabel('Family name').fill(ALICE.family);
    await page.getByLabel('Given name').fill(ALICE.given);

    // The next device list is asked for now (an event) and answered only after the bind.
    let fetched!: () => void;
    const wasFetched = new Promise<void>((resolve) => (fetched = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let delivered!: () => void;
    const wasDelivered = new Promise<void>((resolve) => (delivered = resolve));
    let hold = true;
    const handler = async (route: Route) => {
      if (!hold) return route.continue();
      hold = false;
      const response = await route.fetch();
      fetched();
      await released;
      await route.fulfill({ response });
      delivered();
    };
    await page.route('**/api/devices', handler);
    // Any configuration change makes the page ask again: here the other device's label.
    const a = await gw.api<{ device: Record<string, unknown> }>('GET', '/api/config/devices/scale-a');
    expect((await gw.api('PUT', '/api/config/devices/scale-a', { device: { ...a.body.device, label: 'Scale, room 1 (east)' } })).status).toBe(200);
    await wasFetched;

    await page.getByRole('button', { name: 'Bind', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await expect.poll(() => page.locator('#toast').textContent()).toContain('bound to');
    await expect.poll(() => bindingStatus().textContent()).toContain(`MRN ${ALICE.mrn}`);

    release();
    await wasDelivered;
    // Let the late answer be read and (wrongly) drawn, if the page would draw it.
    await page.evaluate('new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 50)))');
    expect(await bindingStatus().textContent()).toContain(`MRN ${ALICE.mrn}`);
    expect(await deviceSelect().locator('option:checked').textContent()).toContain(`bound to MRN ${ALICE.mrn}`);
    await page.unroute('**/api/devices', handler);
  });

  it('while another device sends every 20 ms: no repeated status, and an ended binding goes', async () => {
    // Left by the test before: scale-b bound to Alice for its next reading only, and shown.
    expect(await deviceSelect().inputValue()).toBe('scale-b');
    await expect.poll(() => bindingStatus().textContent()).toContain(`MRN ${ALICE.mrn}`);
    const busy = await openDeviceEnd(ptys[0]!.b, 2400);
    const quiet = await openDeviceEnd(ptys[1]!.b, 2400);
    let flooding = true;
    let sent = 0;
    const flood = (async () => {
      // A clinic's worth of devices reporting: an event every 20 ms (pacing the load, not waiting for it).
      while (flooding) {
        await busy.write(`ST,GS,+00${(60 + (sent++ % 30)).toFixed(2)}kg\r\n`);
        await sleep(20);
      }
    })();
    try {
      // The live region changes only when what it says does: count its changes while scale-b's binding stays.
      await page.evaluate(`(() => {
        const el = document.querySelector('.binding-status');
        window.__statusChanges = 0;
        new MutationObserver(() => { window.__statusChanges++; }).observe(el, { childList: true, subtree: true, characterData: true });
      })()`);
      const lists = () => page.waitForResponse((r) => new URL(r.url()).pathname === '/api/devices', { timeout: 10_000 });
      await lists();
      await lists(); // the device list was read again twice during the flood, and drawn
      expect(await page.evaluate('window.__statusChanges')).toBe(0);

      // scale-b's next reading ends its binding; the flood goes on, and the panel must say so within seconds.
      await quiet.write('ST,GS,+0064.20kg\r\n');
      await expect.poll(() => bindingStatus().textContent(), { timeout: 5000 }).toContain('not bound');
      expect(sent).toBeGreaterThan(20); // it was a flood all along
    } finally {
      flooding = false;
      await flood;
      await busy.close();
      await quiet.close();
    }
  }, 60_000);
});
