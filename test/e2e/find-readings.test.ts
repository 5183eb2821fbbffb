// Live views that stay true and any reading findable, in headless Chromium against the gateway
// process, two A&D scales on real pty pairs and the EHR stand-in in its own process (stopped and
// started again for an outage): a reading's state follows its message on Live, Messages shows
// messages queued during the outage and keeps keyboard focus on a row while messages flow, the
// lists filter by device and find a control ID, page past the newest 100, and pass axe-core.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { MessagesPage, ReadingsPage } from '../../src/web/api-types.ts';
import { axeViolations } from '../support/axe.ts';
import { createFirstAdmin, openBrowser, setupUrlOf, TABLET, type BrowserSession } from '../support/browser.ts';
import { ALICE, BOB, gatewayConfig, serialDevice } from '../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../support/ehr-standin-client.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../support/gateway-process.ts';
import { openPtyPair, type PtyPair } from '../support/pty.ts';
import { openDeviceEnd, type SerialDeviceEnd } from '../support/serial-device.ts';

const ADMIN = { name: 'interface.analyst', password: 'find-readings-2026' };
const WAIT = { timeout: 20_000 };

let ehr: EhrStandin;
let ehrPort: number;
let gw: GatewayProcess;
let browser: BrowserSession;
let page: Page;
const ptys: PtyPair[] = [];
let scale1: SerialDeviceEnd;
let scale2: SerialDeviceEnd;
let grams = 0;

/** A stable A&D weight, a new value each time (the values are what a person tells readings apart by). */
async function weigh(scale: SerialDeviceEnd): Promise<void> {
  grams += 10;
  const kg = (60 + grams / 1000).toFixed(2).padStart(7, '0');
  await scale.write(`ST,GS,+${kg}kg\r\n`);
}

async function readingsOf(status: string, device: string): Promise<ReadingsPage['readings']> {
  return (await gw.api<ReadingsPage>('GET', `/api/readings?status=${status}&device=${device}&limit=1000`)).body.readings;
}

/** The newest reading of a device once there are `count` of this status. */
async function newestReading(status: string, device: string, count: number) {
  let found: ReadingsPage['readings'] = [];
  await expect.poll(async () => (found = await readingsOf(status, device)).length, WAIT).toBeGreaterThanOrEqual(count);
  return found[0]!;
}

/** Where keyboard focus is: `document.activeElement`, its tag and the Messages row it is in. */
function activeElement(): Promise<{ tag?: string; row?: string; inDoc?: boolean }> {
  return page.evaluate(() => {
    // Run in the page; the test's own types have no DOM.
    type El = { tagName: string; isConnected: boolean; closest(selector: string): { getAttribute(name: string): string | null } | null };
    const el = (globalThis as unknown as { document: { activeElement: El | null } }).document.activeElement;
    return { tag: el?.tagName, row: el?.closest('table.msg-table tbody tr')?.getAttribute('data-id') ?? undefined, inDoc: el?.isConnected };
  });
}

/** The Messages row at a point of the window (what a click there would hit). */
function rowAt(x: number, y: number): Promise<string | undefined> {
  return page.evaluate(
    ([px, py]) => {
      type El = { closest(selector: string): { getAttribute(name: string): string | null } | null };
      const doc = (globalThis as unknown as { document: { elementFromPoint(x: number, y: number): El | null } }).document;
      return doc.elementFromPoint(px, py)?.closest('table.msg-table tbody tr')?.getAttribute('data-id') ?? undefined;
    },
    [x, y] as const,
  );
}

/** The focused element: its tag, text, and the row key (Messages data-id, Live data-reading-id) it carries. */
function focused(): Promise<{ tag?: string; text?: string; id?: string }> {
  return page.evaluate(() => {
    type El = { tagName: string; textContent: string | null; getAttribute(name: string): string | null };
    const el = (globalThis as unknown as { document: { activeElement: El | null } }).document.activeElement;
    return { tag: el?.tagName, text: el?.textContent?.trim(), id: el?.getAttribute('data-id') ?? el?.getAttribute('data-reading-id') ?? undefined };
  });
}

/** Presses "Show older" from the keyboard, as a keyboard user would. */
async function showOlderByKeyboard(): Promise<void> {
  await page.getByRole('button', { name: 'Show older' }).focus();
  await page.keyboard.press('Enter');
}

const liveItem = (id: string) => page.getByRole('list', { name: 'Live readings' }).locator(`li[data-reading-id="${id}"]`);
const messageRows = () => page.locator('table.msg-table tbody tr');

beforeAll(async () => {
  ehr = await startEhrStandin();
  ehrPort = ehr.port;
  for (let i = 0; i < 2; i++) ptys.push(await openPtyPair());
  const dir = tempDir();
  gw = await startGatewayProcess(
    gatewayConfig(dir, ehr.port, [
      serialDevice('scale-1', 'ad-scale', ptys[0]!.a, { mode: 'print' }),
      serialDevice('scale-2', 'ad-scale', ptys[1]!.a, { mode: 'print' }),
    ]),
    { dir },
  );
  for (const [device, patient] of [
    ['scale-1', ALICE],
    ['scale-2', BOB],
  ] as const)
    expect((await gw.api('PUT', `/api/devices/${device}/patient`, { ...patient, minutes: 480 })).status).toBe(200);
  scale1 = await openDeviceEnd(ptys[0]!.b, 2400);
  scale2 = await openDeviceEnd(ptys[1]!.b, 2400);
  await gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'scale-2', 10_000);
  browser = await openBrowser();
  page = browser.page;
  await createFirstAdmin(page, await setupUrlOf(gw), ADMIN);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await scale1?.close();
  await scale2?.close();
  await gw?.stop();
  await ehr?.stop();
  for (const p of ptys) await p.close();
});

describe('live views that stay true', () => {
  it('turns a reading queued during an EHR outage "delivered" on Live when the EHR is back, without a reload', async () => {
    await page.getByRole('link', { name: 'Live' }).click();
    await page.getByRole('list', { name: 'Live readings' }).waitFor({ state: 'attached' });
    await ehr.stop();
    await weigh(scale1);
    const reading = await newestReading('queued', 'scale-1', 1);
    const item = liveItem(reading.reading.id);
    await expect.poll(() => item.locator('.badge').first().textContent(), WAIT).toBe('queued');
    // The reading links to its message.
    const controlId = reading.messages[0]!.controlId;
    expect(await item.getByRole('link', { name: `Message ${controlId}` }).getAttribute('href')).toBe(`#/messages?id=${controlId}`);

    ehr = await startEhrStandin({ port: ehrPort });
    await ehr.waitFor(1, 20_000);
    await expect.poll(() => item.locator('.badge').first().textContent(), WAIT).toBe('delivered');
    expect(await item.count()).toBe(1);
  });

  it('shows messages queued while the EHR is down on Messages as they are queued', async () => {
    await page.getByRole('link', { name: 'Messages' }).click();
    await page.getByRole('table', { name: /Messages to ehr/ }).waitFor();
    const before = await messageRows().count();
    await ehr.stop();
    // The first is tried (and waits to retry); the two behind it are only queued.
    for (let i = 0; i < 3; i++) await weigh(scale2);
    await expect.poll(() => messageRows().count(), WAIT).toBe(before + 3);
    await expect.poll(() => page.locator('table.msg-table tbody').textContent(), WAIT).toMatch(/queued/);
    // The patient's name is in the list, not only inside PID.
    expect(await messageRows().first().textContent()).toContain(`${BOB.family}, ${BOB.given} (MRN ${BOB.mrn})`);
    ehr = await startEhrStandin({ port: ehrPort });
    await expect.poll(async () => (await readingsOf('queued', 'scale-2')).length, WAIT).toBe(0);
  });

  it('keeps keyboard focus on a Messages row while new messages arrive', async () => {
    if ((await gw.api<MessagesPage>('GET', '/api/messages')).body.messages.length === 0) {
      await weigh(scale1);
      await newestReading('delivered', 'scale-1', 1);
    }
    await page.getByRole('link', { name: 'Messages' }).click();
    await page.getByRole('table', { name: /Messages to ehr/ }).waitFor();
    // Keyboard only: from Refresh, Tab until a row's control ID has focus.
    await page.getByRole('button', { name: 'Refresh' }).focus();
    await page.mouse.move(0, 0);
    let focused: string | undefined;
    for (let i = 0; i < 20 && !focused; i++) {
      await page.keyboard.press('Tab');
      focused = (await activeElement()).row;
    }
    expect(focused).toBeDefined();
    const before = await messageRows().count();
    for (let i = 0; i < 4; i++) await weigh(i % 2 ? scale1 : scale2);
    await expect.poll(() => messageRows().count(), WAIT).toBe(before + 4);
    // Let their state changes (sending, delivered) arrive too.
    await expect.poll(async () => (await gw.api<MessagesPage>('GET', '/api/messages?state=queued')).body.messages.length, WAIT).toBe(0);
    await expect.poll(() => page.locator('table.msg-table tbody').textContent(), WAIT).not.toMatch(/queued|sending/);
    expect(await activeElement()).toEqual({ tag: 'BUTTON', row: focused, inDoc: true });
  }, 60_000);
});

describe('find any reading', () => {
  it('filters Messages by device and finds one message by its control ID, linked to its reading', async () => {
    await page.getByRole('link', { name: 'Messages' }).click();
    await page.getByRole('table', { name: /Messages to ehr/ }).waitFor();
    await page.getByRole('combobox', { name: 'Filter by device' }).selectOption('scale-1');
    await expect
      .poll(async () => new Set((await messageRows().locator('td:nth-child(4)').allTextContents()).map((t) => t.trim())), WAIT)
      .toEqual(new Set(['scale-1']));
    expect(page.url()).toContain('device=scale-1');

    const target = (await readingsOf('delivered', 'scale-2'))[1]!;
    const controlId = target.messages[0]!.controlId;
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByRole('searchbox', { name: 'Search messages' }).fill(controlId);
    await expect.poll(() => messageRows().count(), WAIT).toBe(1);
    expect(await page.getByRole('status').filter({ hasText: 'shown' }).first().textContent()).toMatch(/control ID/);
    await page.getByRole('button', { name: controlId }).click();
    const details = page.getByRole('region', { name: 'Message details' });
    await expect.poll(() => details.textContent(), WAIT).toContain(`${BOB.family}, ${BOB.given} (MRN ${BOB.mrn})`);
    // From the message back to its reading on Live.
    await details.getByRole('link', { name: target.reading.id }).click();
    await expect.poll(() => page.getByRole('list', { name: 'Live readings' }).locator('li[data-reading-id]').count(), WAIT).toBe(1);
    expect(await liveItem(target.reading.id).count()).toBe(1);
  });

  it('filters Live by device and finds a reading by a control ID', async () => {
    await page.goto(`${gw.url}/#/live`);
    const list = page.getByRole('list', { name: 'Live readings' });
    await page.getByRole('combobox', { name: 'Filter by device' }).selectOption('scale-2');
    await expect
      .poll(async () => new Set((await list.locator('.reading-device').allTextContents()).map((t) => t.trim())), WAIT)
      .toEqual(new Set(['ad-scale scale-2 (scale-2)']));
    const target = (await readingsOf('delivered', 'scale-1'))[0]!;
    await page.getByRole('combobox', { name: 'Filter by device' }).selectOption('');
    await page.getByRole('searchbox', { name: 'Search readings' }).fill(target.messages[0]!.controlId);
    await expect.poll(() => list.locator('li[data-reading-id]').count(), WAIT).toBe(1);
    expect(await liveItem(target.reading.id).count()).toBe(1);
  });

  it('pages Messages past the newest 100, and Live past its first page', async () => {
    const total = (await gw.api<MessagesPage>('GET', '/api/messages?limit=1000')).body.messages.length;
    // Enough readings through a device to pass 100.
    for (let i = total; i < 112; i++) await weigh(scale1);
    await expect
      .poll(async () => (await gw.api<MessagesPage>('GET', '/api/messages?state=delivered&limit=1000')).body.messages.length, { timeout: 60_000 })
      .toBeGreaterThanOrEqual(112);
    await page.goto(`${gw.url}/#/messages`);
    await expect.poll(() => messageRows().count(), WAIT).toBe(100);
    await showOlderByKeyboard();
    await expect.poll(() => messageRows().count(), WAIT).toBeGreaterThanOrEqual(112);
    const ids = await messageRows().evaluateAll((rows) => rows.map((r) => r.getAttribute('data-id')));
    expect(new Set(ids).size).toBe(ids.length);
    expect(await page.getByRole('button', { name: 'Show older' }).isVisible()).toBe(false);
    // Keyboard focus goes to the first row loaded, not to the body (the button was disabled while loading).
    await expect.poll(async () => (await focused()).id, WAIT).toBe(ids[100]);

    // Live: 50 of each state at first, the next 50 delivered on "Show older".
    await page.goto(`${gw.url}/#/live?state=delivered`);
    const readings = page.getByRole('list', { name: 'Live readings' }).locator('li[data-reading-id]');
    await expect.poll(() => readings.count(), WAIT).toBe(50);
    await showOlderByKeyboard();
    await expect.poll(() => readings.count(), WAIT).toBe(100);
    const liveIds = await readings.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-reading-id')));
    await expect.poll(async () => (await focused()).id, WAIT).toBe(liveIds[50]);
  });

  it("says why a filtered Live list is empty, and lands on the message heading from a reading's link", async () => {
    await page.goto(`${gw.url}/#/live?device=scale-1&state=held`);
    await expect
      .poll(() => page.getByRole('status').filter({ hasText: 'from this device' }).first().textContent(), WAIT)
      .toBe('No held readings from this device.');

    await page.goto(`${gw.url}/#/live?device=scale-2&state=delivered`);
    const link = page
      .getByRole('list', { name: 'Live readings' })
      .getByRole('link', { name: /^Message / })
      .first();
    await link.waitFor(WAIT);
    const name = (await link.textContent())!.trim();
    await link.click();
    await expect.poll(async () => (await focused()).tag, WAIT).toBe('H2');
    expect((await focused()).text).toBe(name);
  });

  it('keeps the row under the pointer where it was while new messages arrive above it', async () => {
    // A desktop window, the page at its top: where the browser's own scroll anchoring does nothing.
    await page.setViewportSize({ width: 1280, height: 1000 });
    await page.goto(`${gw.url}/#/messages`);
    await expect.poll(() => messageRows().count(), WAIT).toBe(100);
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    // The list keeps the row in place itself: the browser's scroll anchoring would scroll a second time.
    const anchoring = (el: unknown) =>
      (globalThis as unknown as { getComputedStyle(e: unknown): { overflowAnchor: string } }).getComputedStyle(el).overflowAnchor;
    expect(
      await page
        .getByRole('table', { name: /Messages to/ })
        .locator('tbody')
        .evaluate(anchoring),
    ).toBe('none');
    const box = (await messageRows().nth(2).boundingBox())!;
    const [x, y] = [box.x + 10, box.y + box.height / 2];
    await page.mouse.move(x, y);
    const aimed = await rowAt(x, y);
    expect(aimed).toBe(await messageRows().nth(2).getAttribute('data-id'));
    for (let i = 0; i < 3; i++) await weigh(scale2);
    await expect.poll(() => messageRows().count(), WAIT).toBe(103);
    expect(await rowAt(x, y)).toBe(aimed);
    await page.setViewportSize(TABLET);
  });

  it('has no axe-core violation on Live, Messages and Held readings with their filters shown', async () => {
    for (const [hash, ready] of [
      ['#/live?device=scale-1', () => page.getByRole('list', { name: 'Live readings' }).locator('li[data-reading-id]').first().waitFor()],
      ['#/messages?state=delivered', () => page.getByRole('table', { name: /Messages to ehr/ }).waitFor()],
      ['#/patients', () => page.getByRole('group', { name: 'Filter held readings' }).waitFor()],
    ] as const) {
      await page.goto(`${gw.url}/${hash}`);
      await ready();
      expect(await axeViolations(page), hash).toEqual([]);
    }
  }, 90_000);
});
