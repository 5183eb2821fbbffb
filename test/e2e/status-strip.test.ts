// Problems in sight, in headless Chromium against the gateway process, serial scales on pty pairs
// and the EHR stand-in in its own process: an EHR outage, a dead letter, held readings and an
// unplugged scale each show in the status strip with how long and how many, and as counts on the
// navigation; the unplugged scale's card comes first, says how long it has been down, and
// "Retry now" brings it back at once; the strip clears when the problem does, and keyboard focus
// in it moves on to the next problem instead of falling to the page. Past two problems the strip
// stays compact behind "N more". With the gateway stopped the strip says it does not answer and
// the Devices page marks its cards as old; once it is back, both are current at once.

import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.ts';
import type { DeviceView } from '../../src/web/api-types.ts';
import { axeViolations } from '../support/axe.ts';
import { type BrowserSession, createFirstAdmin, openBrowser, setupUrlOf } from '../support/browser.ts';
import { ALICE, gatewayConfig, serialDevice } from '../support/configs.ts';
import { type EhrStandin, startEhrStandin } from '../support/ehr-standin-client.ts';
import { eventually } from '../support/eventually.ts';
import { freePort } from '../support/free-port.ts';
import { type GatewayProcess, startGatewayProcess, tempDir, writeConfig } from '../support/gateway-process.ts';
import { openPtyPair, type PtyPair } from '../support/pty.ts';
import { openDeviceEnd, type SerialDeviceEnd } from '../support/serial-device.ts';

const ADMIN = { name: 'tech', password: 'serial-cable-2026' };

let ehr: EhrStandin;
let room1: PtyPair;
let room2: PtyPair;
let scale: SerialDeviceEnd;
let gw: GatewayProcess;
let browser: BrowserSession;
let page: Page;
let dir: string;
let config: Config;

const strip = () => page.getByRole('region', { name: 'Problems now' });
const problem = (text: string | RegExp) => strip().getByRole('listitem').filter({ hasText: text });
/** The count a navigation link describes (its name stays the page's name). */
const navCount = (name: string) =>
  page
    .getByRole('navigation', { name: 'Pages' })
    .getByRole('link', { name, exact: true })
    .evaluate((a) => {
      const id = a.getAttribute('aria-describedby');
      return id ? (a.ownerDocument.getElementById(id)?.textContent ?? '') : '';
    });
/** The strip's spoken line (a live region, visually hidden). */
const announced = () => page.locator('p.vh[role="status"]').textContent();
const link = async (id: string) => (await gw.api<{ devices: DeviceView[] }>('GET', '/api/devices')).body.devices.find((d) => d.id === id)!.link;

beforeAll(async () => {
  ehr = await startEhrStandin();
  room1 = await openPtyPair();
  room2 = await openPtyPair();
  dir = tempDir();
  const devices = [
    { ...serialDevice('scale-2', 'ad-scale', room2.a, { mode: 'print' }), label: 'Scale, room 2' },
    { ...serialDevice('scale-1', 'ad-scale', room1.a, { mode: 'print' }), label: 'Scale, room 1' },
  ];
  // A fixed port, so the open page finds the gateway again after a restart.
  config = gatewayConfig(dir, ehr.port, devices, { web: { host: '127.0.0.1', port: await freePort() } });
  gw = await startGatewayProcess(config, { dir });
  await gw.api('PUT', '/api/devices/scale-1/patient', { ...ALICE, minutes: 60 });
  browser = await openBrowser();
  page = browser.page;
  await createFirstAdmin(page, await setupUrlOf(gw), ADMIN);
  scale = await openDeviceEnd(room1.b, 2400);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await scale?.close();
  await gw?.stop();
  await room1?.close();
  await room2?.close();
  await ehr?.stop();
});

describe('problems in sight', () => {
  it('shows nothing while all is well', async () => {
    await page.locator('[data-device-id="scale-1"]').getByText('Connected', { exact: true }).waitFor();
    await expect.poll(() => strip().count()).toBe(0);
    expect(await navCount('Devices')).toBe('');
  });

  it('says the EHR is unreachable, for how long and how many wait, and clears when it is back', async () => {
    const port = ehr.port;
    await ehr.stop();
    for (const kg of ['70.10', '70.20', '70.30']) await scale.write(`ST,GS,+00${kg}kg\r\n`);
    // Shown after the page's grace time (10 s without a delivery), without reloading the page.
    const item = problem('ehr: unreachable');
    await expect.poll(() => item.textContent(), { timeout: 45_000 }).toMatch(/ehr: unreachable for less than a minute, 3 waiting/);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'New problem' }).textContent()).toContain('ehr: unreachable');
    expect(await item.getByRole('link', { name: 'Show messages' }).getAttribute('href')).toBe('#/messages?destination=ehr');
    // The navigation shows the outage too, on Messages.
    await expect.poll(() => navCount('Messages')).toMatch(/^ehr unreachable, \d+ waiting$/);
    expect(await page.locator('header.top nav a[href="#/messages"] .nav-count').textContent()).toBe('1');
    expect(await axeViolations(page)).toEqual([]);
    // The announcement goes once read, so its numbers never sit there stale.
    await expect.poll(announced, { timeout: 20_000 }).toBe('');

    ehr = await startEhrStandin({ port });
    await ehr.waitFor(3, 20_000);
    await expect.poll(() => problem('ehr').count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'No problems now' }).count()).toBe(1);
    expect(await navCount('Messages')).toBe('');
  });

  it('counts a dead letter in the strip and on Messages, and leads to it', async () => {
    await ehr.script(['AR']);
    await scale.write('ST,GS,+0071.00kg\r\n');
    await expect.poll(() => problem('dead letter').textContent(), { timeout: 20_000 }).toContain('ehr: 1 dead letter');
    expect(await navCount('Messages')).toBe('1 dead letter');
    await problem('dead letter').getByRole('link', { name: 'Show dead letters' }).click();
    await expect.poll(() => new URL(page.url()).hash).toBe('#/messages?destination=ehr&state=dead');
  });

  it('counts held readings in the strip and on Patients', async () => {
    await gw.api('DELETE', '/api/devices/scale-1/patient');
    await scale.write('ST,GS,+0072.00kg\r\n');
    await expect.poll(() => problem('held').textContent(), { timeout: 20_000 }).toContain('1 held reading');
    expect(await navCount('Patients')).toBe('1 held reading');
    expect(await problem('held').getByRole('link', { name: 'Show held readings' }).getAttribute('href')).toBe('#/patients');
  });

  it('an unplugged scale: first on Devices, down for how long, no stale error once "Retry now" brought it back', async () => {
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    const card = page.locator('[data-device-id="scale-1"]');
    await card.getByText('Connected', { exact: true }).waitFor();
    expect(await page.locator('[data-device-id]').first().getAttribute('data-device-id')).toBe('scale-2'); // the configuration's order

    // Pull the cable: socat dies and both ends of its pty vanish.
    await scale.close();
    const ptyDir = dirname(room1.a);
    await room1.unplug();
    await expect.poll(() => problem('Scale, room 1').textContent(), { timeout: 20_000 }).toContain('Scale, room 1: not connected for less than a minute');
    expect(await navCount('Devices')).toBe('1 device not connected');
    // Three problems: two lines and "1 more", compact enough for a tablet.
    const more = strip().getByRole('button', { name: '1 more' });
    await more.waitFor();
    expect(await strip().getByRole('listitem').count()).toBe(2);
    expect((await strip().boundingBox())!.height).toBeLessThan(90);
    await more.click();
    await problem('held').waitFor();
    expect(await strip().getByRole('button', { name: 'Show fewer' }).getAttribute('aria-expanded')).toBe('true');
    await expect.poll(() => page.locator('[data-device-id]').first().getAttribute('data-device-id')).toBe('scale-1');
    const text = await card.textContent();
    expect(text).toContain('Not connected for less than a minute (since');
    expect(text).not.toContain('just now');
    await card.getByRole('button', { name: 'Retry now' }).waitFor();
    expect(await axeViolations(page)).toEqual([]);

    // The scale is plugged back in while the link waits several seconds before its next try.
    await eventually(async () => expect(Date.parse((await link('scale-1')).nextRetryAt ?? '') - Date.now()).toBeGreaterThan(4000), 40_000, 200);
    room1 = await openPtyPair(ptyDir);
    const dueAt = Date.parse((await link('scale-1')).nextRetryAt!);
    // From the keyboard, in the strip: its item goes once the scale is back, and focus stays in the strip.
    const stripRetry = problem('Scale, room 1').getByRole('button', { name: 'Retry now' });
    await stripRetry.focus();
    await page.keyboard.press('Enter');
    await card.getByText('Connected', { exact: true }).waitFor({ timeout: 3000 });
    expect(Date.now()).toBeLessThan(dueAt);
    await expect.poll(() => page.locator('#toast').textContent()).toContain('Trying Scale, room 1 again now.');
    expect(await card.textContent()).not.toContain('Last error');
    expect(await card.getByRole('button', { name: 'Retry now' }).isHidden()).toBe(true);
    await expect.poll(() => problem('Scale, room 1').count(), { timeout: 20_000 }).toBe(0);
    // The next problem's control (the held readings after it), not the page's body.
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Show held readings');
    expect(await navCount('Devices')).toBe('');
    await expect.poll(() => page.locator('[data-device-id]').first().getAttribute('data-device-id')).toBe('scale-2');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('says when the gateway does not answer, and is current again as soon as it does', async () => {
    const status = page.locator('#main > p[aria-live="polite"]'); // the line above the cards
    await expect.poll(() => status.textContent()).toBe('2 devices');
    await gw.stop();
    await expect.poll(() => problem('The gateway does not answer').textContent(), { timeout: 10_000 }).toMatch(/^The gateway does not answer \(since \d/);
    await expect.poll(() => status.textContent()).toContain('the devices are shown as they were then');
    expect(await page.locator('.grid.stale').count()).toBe(1);

    // Relabelled while stopped, in the file the gateway left.
    const onDisk = JSON.parse(readFileSync(gw.configFile, 'utf8')) as Config;
    writeConfig(dir, { ...onDisk, devices: onDisk.devices.map((d) => (d.id === 'scale-2' ? { ...d, label: 'Scale, room 2 (window)' } : d)) });
    gw = await startGatewayProcess(config, { dir, keepConfigFile: true });
    const back = Date.now();
    // The event stream reconnects within seconds, and the status and the cards are fetched at once (not at the next 15 s tick).
    await expect.poll(() => problem('The gateway does not answer').count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('2 devices');
    expect(Date.now() - back).toBeLessThan(10_000);
    expect(await page.locator('.grid.stale').count()).toBe(0);
    // Fetched anew, not only unmarked: the label changed while the gateway was stopped.
    expect(await page.locator('[data-device-id="scale-2"] h2').textContent()).toBe('Scale, room 2 (window)');
    await page.locator('[data-device-id="scale-2"]').getByText('Connected', { exact: true }).waitFor({ timeout: 10_000 });
    expect(await axeViolations(page)).toEqual([]);
  });
});
