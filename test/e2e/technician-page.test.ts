// The technician's page in headless Chromium against the gateway process, a serial device on a pty
// pair, its simulator started from the page, and the EHR stand-in in its own process over MLLP.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { ReadingView } from '../../src/web/api-types.ts';
import { axeViolations } from '../support/axe.ts';
import { createFirstAdmin, openBrowser, setupUrlOf, signIn, type BrowserSession } from '../support/browser.ts';
import { gatewayConfig } from '../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../support/ehr-standin-client.ts';
import { eventually } from '../support/eventually.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../support/gateway-process.ts';
import { readOru } from '../support/hl7-read.ts';
import { openPtyPair, type PtyPair } from '../support/pty.ts';

const ADMIN = { name: 'tech', password: 'serial-cable-2026' };
const PATIENT = { mrn: 'MRN4711', family: 'Example', given: 'Alice' };
const HELD = { mrn: 'MRN0815', family: 'Sample', given: 'Bob' };

let ehr: EhrStandin;
let pty: PtyPair;
let gw: GatewayProcess;
let browser: BrowserSession;
let page: Page;

beforeAll(async () => {
  ehr = await startEhrStandin();
  pty = await openPtyPair();
  const dir = tempDir();
  // `demo: {}`: demo mode with nothing simulated yet, so the page may start simulators.
  gw = await startGatewayProcess(gatewayConfig(dir, ehr.port, [], { demo: {} }), { dir });
  browser = await openBrowser();
  page = browser.page;
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await pty?.close();
  await ehr?.stop();
});

describe('the technician page, end to end', () => {
  it('creates the first administrator from the one-time setup link', async () => {
    await createFirstAdmin(page, await setupUrlOf(gw), ADMIN);
    // The link worked once: used again, it is refused.
    const again = await page.evaluate(
      async () =>
        (
          await fetch('/api/setup', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ token: 'x', name: 'other', password: 'another-password' }),
          })
        ).status,
    );
    expect([403, 409]).toContain(again);
  });

  it('adds a serial device on a pty through the form', async () => {
    await page.getByRole('button', { name: 'Add device' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add device' });
    await dialog.getByLabel('Driver').selectOption('ad-scale');
    await dialog.getByLabel('Device ID').fill('scale-e2e');
    await dialog.getByLabel('Label', { exact: true }).fill('Scale, exam room 3');
    await dialog.getByLabel('Connection type').selectOption('serial');
    // A wrong value first: the server's refusal lands at the field.
    await dialog.getByLabel('Serial port path').fill('');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await expect.poll(async () => (await dialog.locator('[aria-invalid="true"]').count()) > 0).toBe(true);
    await dialog.getByLabel('Serial port path').fill(pty.a);
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const card = page.locator('[data-device-id="scale-e2e"]');
    await card.waitFor();
    await expect.poll(() => card.textContent(), { timeout: 10_000 }).toMatch(/connected/i);
    const devices = await gw.api<{ devices: Array<{ id: string; transport: { path?: string } }> }>('GET', '/api/devices');
    expect(devices.body.devices).toEqual([expect.objectContaining({ id: 'scale-e2e', transport: expect.objectContaining({ type: 'serial', path: pty.a }) })]);
  });

  it('binds the device to a patient', async () => {
    await page.getByRole('link', { name: 'Patients' }).click();
    await page.getByLabel('Device', { exact: true }).selectOption('scale-e2e');
    await page.getByLabel('MRN', { exact: true }).fill(PATIENT.mrn);
    await page.getByLabel('Family name').fill(PATIENT.family);
    await page.getByLabel('Given name').fill(PATIENT.given);
    await page.getByRole('button', { name: 'Bind', exact: true }).click();
    const confirm = page.getByRole('dialog');
    await expect.poll(() => confirm.textContent()).toContain(PATIENT.mrn);
    await confirm.getByRole('button', { name: 'Confirm' }).click();
    await eventually(async () => {
      const d = await gw.api<{ devices: Array<{ id: string; binding?: { patient: { mrn: string } } }> }>('GET', '/api/devices');
      expect(d.body.devices[0]?.binding?.patient.mrn).toBe(PATIENT.mrn);
    }, 5000);
  });

  it('runs the simulator from the page and shows the reading arrive live', async () => {
    await page.getByRole('link', { name: 'Live' }).click();
    await page.getByRole('list', { name: 'Live readings' }).waitFor({ state: 'attached' });
    // Start the simulator in a second tab, so the Live page is already listening when the reading comes.
    const devicesTab = await browser.context.newPage();
    await devicesTab.goto(`${gw.url}/#/devices`);
    const card = devicesTab.locator('[data-device-id="scale-e2e"]');
    await card.getByRole('button', { name: 'Start simulator' }).click();
    await devicesTab.getByLabel('Simulator serial port path').fill(pty.b);
    await devicesTab.getByRole('dialog').getByRole('button', { name: 'Start simulator' }).click();
    await card.getByRole('button', { name: 'Stop simulator' }).waitFor();
    await devicesTab.close();

    const live = page.getByRole('list', { name: 'Live readings' });
    await expect.poll(() => live.textContent(), { timeout: 20_000 }).toContain(PATIENT.mrn);
    expect(await live.textContent()).toMatch(/kg/);
  });

  it('shows the message delivered, with its HL7 and the EHR’s ACK', async () => {
    const [received] = await ehr.waitFor(1, 20_000);
    const oru = readOru(received!.text);
    expect(oru.pid3).toContain(PATIENT.mrn);

    await page.getByRole('link', { name: 'Messages' }).click();
    const row = page.getByRole('button', { name: received!.controlId });
    await row.waitFor({ timeout: 10_000 });
    await row.click();
    const details = page.getByRole('region', { name: 'Message details' });
    await details.getByRole('heading', { name: 'HL7 message' }).waitFor();
    await expect.poll(() => details.textContent()).toContain(received!.controlId);
    await details.getByRole('heading', { name: 'ACK from EHR' }).waitFor();
    await expect.poll(() => details.textContent()).toMatch(/Application accept/);
    const text = (await details.textContent()) ?? '';
    expect(text).toContain('ORU^R01');
    expect(text).toContain(PATIENT.family);
    expect(text).toContain(`MSA|AA|${received!.controlId}`);
  });

  it('has no WCAG 2.1 A or AA violation axe-core can find, on every page', async () => {
    for (const title of ['Devices', 'Live', 'Patients', 'Messages', 'Settings']) {
      await page.getByRole('link', { name: title, exact: true }).click();
      await page.getByRole('heading', { level: 1 }).first().waitFor();
      expect({ page: title, violations: await axeViolations(page) }).toEqual({ page: title, violations: [] });
    }
  });

  it('assigns a reading held for want of a patient', async () => {
    // The binding was for the next reading only: the simulator's next weighing is held.
    const held = await eventually(async () => {
      const r = await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=held');
      expect(r.body.readings.length).toBeGreaterThan(0);
      return r.body.readings[0]!;
    }, 20_000);
    expect(held.holdReasons).toEqual([expect.objectContaining({ kind: 'patient', code: 'no-patient' })]);
    await gw.api('POST', '/api/simulators/scale-e2e/stop');

    await page.getByRole('link', { name: 'Patients' }).click();
    const list = page.getByRole('list', { name: 'Held readings' });
    await expect.poll(() => list.textContent(), { timeout: 10_000 }).toMatch(/no patient/i);
    await list.getByRole('button', { name: 'Assign', exact: true }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('MRN', { exact: true }).fill(HELD.mrn);
    await dialog.getByLabel('Family name').fill(HELD.family);
    await dialog.getByLabel('Given name').fill(HELD.given);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => dialog.textContent()).toContain(HELD.mrn);
    await dialog.getByRole('button', { name: 'Confirm' }).click();

    await eventually(() => expect(ehr.messages.some((m) => readOru(m.text).pid3.includes(HELD.mrn))).toBe(true), 15_000);
    const audit = await gw.api<{ audit: Array<{ who: string; action: string; reading?: string }> }>('GET', `/api/audit?reading=${held.reading.id}`);
    expect(audit.body.audit).toContainEqual(expect.objectContaining({ who: ADMIN.name, action: 'assign' }));
  });

  it('adds a staff user in Settings, who may bind but not configure', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Add user' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add user' });
    await dialog.getByLabel('Name', { exact: true }).fill('nurse.kim');
    await dialog.getByLabel('Role').selectOption('staff');
    await dialog.getByLabel('Password', { exact: true }).fill('night-shift-2026');
    await dialog.getByLabel('Repeat password').fill('night-shift-2026');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Make admin: nurse.kim' }).waitFor();

    const staff = await openBrowser();
    try {
      const p = staff.page;
      await p.goto(`${gw.url}/`);
      await signIn(p, 'nurse.kim', 'night-shift-2026');
      await p.getByRole('link', { name: 'Patients' }).waitFor();
      expect(await p.getByRole('link', { name: 'Settings' }).count()).toBe(0);
      await p.getByRole('link', { name: 'Devices' }).click();
      await p.locator('[data-device-id="scale-e2e"]').waitFor();
      expect(await p.getByRole('button', { name: 'Add device' }).count()).toBe(0);
      const tries = await p.evaluate(async () => {
        const session = (await (await fetch('/api/session')).json()) as { csrf: string };
        const headers = { 'x-csrf-token': session.csrf };
        const bind = await fetch('/api/devices/scale-e2e/patient', {
          method: 'PUT',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ mrn: 'MRN1', family: 'A', given: 'B' }),
        });
        const unbind = await fetch('/api/devices/scale-e2e/patient', { method: 'DELETE', headers });
        const configure = await fetch('/api/config/devices/scale-e2e', { method: 'DELETE', headers });
        return [bind.status, unbind.status, configure.status];
      });
      expect(tries).toEqual([200, 200, 403]);

      // Removed by an administrator while looking at the Live page: the page stops and asks to sign in.
      await p.getByRole('link', { name: 'Live' }).click();
      await expect.poll(() => p.getByText('Live updates: connected').count()).toBe(1);
      expect((await gw.api('DELETE', '/api/users/nurse.kim')).status).toBe(204);
      const device = (await gw.api<{ device: Record<string, unknown> }>('GET', '/api/config/devices/scale-e2e')).body.device;
      await gw.api('PUT', '/api/config/devices/scale-e2e', { device: { ...device, label: 'Scale, exam room 3 (left)' } });
      await p.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 10_000 });
    } finally {
      await staff.close();
    }
    const audit = await gw.api<{ audit: Array<{ who: string; action: string }> }>('GET', '/api/audit?device=scale-e2e&action=bind');
    expect(audit.body.audit[0]?.who).toBe('nurse.kim');
  });

  it('refuses a change without the CSRF token, and everything without a session', async () => {
    const noCsrf = await page.evaluate(async () => {
      const res = await fetch('/api/devices/scale-e2e/patient', { method: 'DELETE' });
      return { status: res.status, body: (await res.json()) as { message: string } };
    });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.message).toMatch(/CSRF/);

    const other = await openBrowser();
    try {
      await other.page.goto(`${gw.url}/#/devices`);
      await other.page.getByRole('button', { name: 'Sign in' }).waitFor();
      const anon = await other.page.evaluate(async () => {
        const list = await fetch('/api/devices');
        const change = await fetch('/api/config/devices/scale-e2e', { method: 'DELETE', headers: { 'x-csrf-token': 'guess' } });
        return [list.status, change.status];
      });
      expect(anon).toEqual([401, 401]);
    } finally {
      await other.close();
    }
    expect((await gw.api<{ devices: unknown[] }>('GET', '/api/devices')).body.devices).toHaveLength(1);
  });

  it('rate-limits sign-in after repeated bad passwords, even for the right one', async () => {
    const other = await openBrowser();
    try {
      const p = other.page;
      await p.goto(`${gw.url}/`);
      for (let i = 0; i < 5; i++) {
        await signIn(p, ADMIN.name, `wrong-password-${i}`);
        await expect.poll(() => p.getByRole('alert').textContent()).toMatch(/name or password|wrong|incorrect/i);
      }
      await signIn(p, ADMIN.name, ADMIN.password);
      await expect.poll(() => p.getByRole('alert').textContent()).toMatch(/too many failed sign-ins/i);
      expect(await p.getByRole('button', { name: 'Add device' }).count()).toBe(0);
    } finally {
      await other.close();
    }
  });
});
