// The technician page's details in headless Chromium against a gateway process, with a real serial
// scale on a pty and the EHR stand-in: a used setup link says once that setup is done; a real
// device shows no red simulator badge in demo mode; a taken device ID is named while typed; Test
// link says what the driver recognised, and warns before testing a running device bound to a
// patient; the simulator's port path is an example, not a placeholder; number fields show their
// defaults in words, only where they apply; the session survives a gateway restart.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import { axeViolations } from '../support/axe.ts';
import { createFirstAdmin, openBrowser, setupUrlOf, type BrowserSession } from '../support/browser.ts';
import { ALICE, gatewayConfig, serialDevice } from '../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../support/ehr-standin-client.ts';
import { freePort } from '../support/free-port.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../support/gateway-process.ts';
import { openPtyPair, type PtyPair } from '../support/pty.ts';
import { openDeviceEnd } from '../support/serial-device.ts';

const ADMIN = { name: 'tech', password: 'serial-cable-2026' };

let ehr: EhrStandin;
let running: PtyPair;
let spare: PtyPair;
let gw: GatewayProcess;
let dir: string;
let config: Config;
let browser: BrowserSession;
let page: Page;
let setupUrl: string;

beforeAll(async () => {
  ehr = await startEhrStandin();
  running = await openPtyPair();
  spare = await openPtyPair();
  dir = tempDir();
  // A fixed port, so the open page finds the gateway again after the restart. `demo: {}`: demo mode, nothing simulated.
  config = gatewayConfig(dir, ehr.port, [{ ...serialDevice('scale-1', 'ad-scale', running.a), label: 'Scale, room 1' }], {
    demo: {},
    web: { host: '127.0.0.1', port: await freePort() },
  });
  gw = await startGatewayProcess(config, { dir });
  setupUrl = await setupUrlOf(gw);
  browser = await openBrowser();
  page = browser.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await running?.close();
  await spare?.close();
  await ehr?.stop();
});

describe('the page details', () => {
  it('says once, plainly, that setup is done when a used setup link is submitted or opened again', async () => {
    const other = await openBrowser();
    try {
      // Opened before the first administrator exists, submitted after.
      await other.page.goto(setupUrl);
      await other.page.getByRole('heading', { name: 'Create the first administrator' }).waitFor();
      await createFirstAdmin(page, setupUrl, ADMIN);
      await other.page.getByLabel('Name', { exact: true }).fill('someone');
      await other.page.getByLabel('Password', { exact: true }).fill('another-password-1');
      await other.page.getByLabel('Repeat password').fill('another-password-1');
      await other.page.getByRole('button', { name: 'Create administrator' }).click();
      await other.page.getByRole('heading', { name: 'Setup is already done' }).waitFor();
      const text = (await other.page.locator('main').textContent()) ?? '';
      expect(text).not.toContain('Please fix');
      expect(text.match(/already done/gi)).toHaveLength(1);
      await other.page.getByRole('link', { name: 'Sign in' }).waitFor();

      // Opened again later: no form at all.
      await other.page.goto('about:blank');
      await other.page.goto(setupUrl);
      await other.page.getByRole('heading', { name: 'Setup is already done' }).waitFor();
      expect(await other.page.getByRole('button', { name: 'Create administrator' }).count()).toBe(0);
      await other.page.getByRole('link', { name: 'Sign in' }).click();
      await other.page.getByRole('heading', { name: 'Sign in to medgate' }).waitFor();
    } finally {
      await other.close();
    }
  });

  it('shows a real device without a running simulator neutrally, not as a red "Stopped"', async () => {
    const card = page.locator('[data-device-id="scale-1"]');
    await card.waitFor();
    const sim = card.locator('.sim');
    await expect.poll(() => sim.textContent()).toContain('Simulator: not running');
    expect(await sim.locator('.badge').count()).toBe(0);
    expect(await card.getByRole('button', { name: 'Start simulator' }).isVisible()).toBe(true);
  });

  it('names a taken device ID while it is typed, and gives a free example', async () => {
    await page.getByRole('button', { name: 'Add device' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add device' });
    await dialog.getByLabel('Driver').selectOption('ad-scale');
    const id = dialog.getByLabel('Device ID');
    await expect.poll(() => dialog.locator('#dev-id-hint').textContent()).toContain('for example scale-2.');
    expect(await id.getAttribute('placeholder')).toBeNull();
    await id.fill('scale-1');
    await expect.poll(() => dialog.locator('#dev-id-error').textContent()).toBe('device "Scale, room 1" already has the ID scale-1: choose another');
    expect(await id.getAttribute('aria-invalid')).toBe('true');
    await id.fill('scale-2');
    await expect.poll(() => dialog.locator('#dev-id-error').textContent()).toBe('');
    expect(await id.getAttribute('aria-invalid')).toBeNull();
  });

  it('shows the driver settings’ defaults and ranges in words', async () => {
    const dialog = page.getByRole('dialog', { name: 'Add device' });
    const zero = dialog.locator('#dev-settings-zeroThreshold');
    expect(await zero.getAttribute('placeholder')).toBe('0.5 (default)');
    const hint = (await dialog.locator('#dev-settings-zeroThreshold-hint').textContent()) ?? '';
    expect(hint).toContain('Default 0.5; at least 0.');
    expect(hint).not.toMatch(/From 0 to|\.\.|\u2026/);
  });

  it('Test link shows the bytes and what the driver recognised in them', async () => {
    const dialog = page.getByRole('dialog', { name: 'Add device' });
    await dialog.getByLabel('Serial port path').fill(spare.a);
    const device = await openDeviceEnd(spare.b, 2400);
    try {
      await dialog.getByRole('button', { name: 'Test link' }).click();
      await dialog.getByText(/^Listening for 5 seconds/).waitFor();
      const verdict = dialog.locator('.link-verdict');
      // A scale in stream mode sends all the time: write until the test is over.
      while ((await verdict.count()) === 0) {
        await device.write('ST,GS,+0064.20kg\r\n');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      await device.close();
    }
    const verdictText = await dialog.locator('.link-verdict').textContent();
    // The scale repeats its stable weight; the driver's session takes one reading per weighing.
    expect(verdictText).toBe('Recognised: 1 reading: weight 64.20 kg');
    expect(await dialog.getByLabel('Bytes as text').textContent()).toContain('ST,GS,+0064.20kg<0d><0a>');
    // A link opened for the test only: nothing it brings is taken as a reading, so no warning.
    expect(await dialog.locator('#link-test-warning').count()).toBe(0);
    expect(await dialog.locator('.link-taken').count()).toBe(0);
    expect(await dialog.getByRole('button', { name: 'Test link' }).getAttribute('aria-describedby')).toBeNull();
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('warns before testing a running device bound to a patient that its readings are charted, and says so with the answer', async () => {
    expect((await gw.api('PUT', '/api/devices/scale-1/patient', { ...ALICE, minutes: 60 })).status).toBe(200);
    const card = page.locator('[data-device-id="scale-1"]');
    await expect.poll(() => card.textContent(), { timeout: 10_000 }).toContain('Example, Alice');
    await card.getByRole('button', { name: 'Edit', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit device scale-1' });
    const warning =
      'This device is running: whatever it sends during the test is also taken as readings, and charted to Example, Alice (MRN MRN4711): unbind first if you will send test readings.';
    await expect.poll(() => dialog.locator('#link-test-warning').textContent(), { timeout: 10_000 }).toBe(warning);
    const test = dialog.getByRole('button', { name: 'Test link' });
    // The button's accessible description carries the warning, for a screen reader on the button.
    expect(await test.getAttribute('aria-describedby')).toBe('link-test-warning');
    expect(await axeViolations(page)).toEqual([]);

    const device = await openDeviceEnd(running.b, 2400);
    try {
      // Bound to a patient: Test asks first, with the binding as it is when pressed.
      await test.click();
      await expect.poll(() => dialog.locator('.link-test-confirm').textContent(), { timeout: 10_000 }).toBe(warning);
      expect(await axeViolations(page)).toEqual([]);
      await dialog.getByRole('button', { name: 'Test anyway' }).click();
      await dialog.getByText(/^Listening for 5 seconds/).waitFor();
      while ((await dialog.locator('.link-verdict').count()) === 0) {
        await device.write('ST,GS,+0070.10kg\r\n');
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    } finally {
      await device.close();
    }
    expect(await dialog.locator('.link-verdict').textContent()).toBe('Recognised: 1 reading: weight 70.10 kg');
    expect(await dialog.locator('.link-taken').textContent()).toBe(
      "Scale, room 1 is running: what arrived was also taken as its readings, charted to Example, Alice (MRN MRN4711). Check that patient's readings for test values.",
    );
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await gw.api('DELETE', '/api/devices/scale-1/patient')).status).toBe(200);
  }, 90_000);

  it("warns before the test, and tests nothing on Cancel, when a new device's link is a bound running device's port", async () => {
    expect((await gw.api('PUT', '/api/devices/scale-1/patient', { ...ALICE, minutes: 60 })).status).toBe(200);
    await expect.poll(() => page.locator('[data-device-id="scale-1"]').textContent(), { timeout: 10_000 }).toContain('Example, Alice');
    await page.getByRole('button', { name: 'Add device' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add device' });
    await dialog.getByLabel('Driver').selectOption('ad-scale');
    await dialog.getByLabel('Serial port path').fill(running.a);
    // Nothing said at open: the link is not known until Test is pressed.
    expect(await dialog.locator('#link-test-warning').count()).toBe(0);
    await dialog.getByRole('button', { name: 'Test link' }).click();
    await expect
      .poll(() => dialog.locator('.link-test-confirm').textContent(), { timeout: 10_000 })
      .toBe(
        'Scale, room 1 is running on this link: whatever arrives during the test is also taken as its readings, and charted to Example, Alice (MRN MRN4711): unbind it first if you will send test readings.',
      );
    expect(await dialog.getByText(/^Listening for/).count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await dialog.locator('.link-test').getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => dialog.locator('.link-test-confirm').count()).toBe(0);
    expect(await dialog.getByText(/^Listening for/).count()).toBe(0);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await gw.api('DELETE', '/api/devices/scale-1/patient')).status).toBe(200);
  }, 60_000);

  it('gives the simulator port path as an example below the field, never as a value-like placeholder', async () => {
    await page.locator('[data-device-id="scale-1"]').getByRole('button', { name: 'Start simulator' }).click();
    const dialog = page.getByRole('dialog', { name: /^Start simulator for/ });
    const path = dialog.getByLabel('Simulator serial port path');
    await path.waitFor();
    expect(await path.getAttribute('placeholder')).toBeNull();
    expect(await dialog.locator('#sim-serial-path-hint').textContent()).toMatch(/^For example \/dev\/ttyUSB1 or \/dev\/pts\/5/);
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('shows the ACK and connect timeouts’ defaults of a destination', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Add destination' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add destination' });
    await dialog.getByLabel('ACK timeout (ms)').waitFor();
    expect(await dialog.getByLabel('ACK timeout (ms)').getAttribute('placeholder')).toBe('30000 (default)');
    expect(await dialog.getByLabel('Connect timeout (ms)').getAttribute('placeholder')).toBe('10000 (default)');
    expect(await dialog.locator('#dst-ackTimeoutMs-hint').textContent()).toBe('Default 30 s; from 100 ms to 10 min.');
    // Required inside the optional retry group: its default holds only with the whole group left empty.
    expect(await dialog.locator('#dst-retry-initialMs-hint').textContent()).toBe('Default 1 s with the whole group left empty; from 10 ms to 1 h.');
    expect(await dialog.locator('#dst-retry-initialMs').getAttribute('placeholder')).toBeNull();
    expect(await axeViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
  });

  it('keeps the page signed in across a gateway restart', async () => {
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.locator('[data-device-id="scale-1"]').waitFor();
    await gw.stop();
    gw = await startGatewayProcess(config, { dir, keepConfigFile: true });
    // Only the hash of the session is on disk, private like the rest of the data folder.
    expect(statSync(join(dir, 'data', 'sessions.json')).mode & 0o777).toBe(0o600);

    // The open page goes on: the next request after the restart is still signed in.
    await page.getByRole('link', { name: 'Live' }).click();
    await page.getByRole('link', { name: 'Devices' }).click();
    await page.locator('[data-device-id="scale-1"]').waitFor({ timeout: 15_000 });
    expect(await page.getByRole('heading', { name: 'Sign in to medgate' }).count()).toBe(0);
    await page.reload();
    await page.getByRole('button', { name: 'Add device' }).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('signed-out-notice').count()).toBe(0);
  });

  it('says why it asks to sign in again when the session ended without the person signing out', async () => {
    await browser.context.clearCookies(); // as when the session expired or was ended elsewhere
    await page.getByRole('link', { name: 'Live' }).click();
    await page.getByRole('heading', { name: 'Sign in to medgate' }).waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('signed-out-notice').textContent()).toMatch(/^Your session has ended .*: sign in again to go on\.$/);
    expect(await axeViolations(page)).toEqual([]);
  });
});
