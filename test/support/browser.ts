// Debian's Chromium driven by playwright-core (docs/dependencies.md#browser-tests): a fresh profile per
// launch, and the flags that keep it off the network this machine does not have.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.MEDGATE_CHROMIUM ?? '/usr/bin/chromium';

/** Landscape 10" tablet at the nurse station. */
export const TABLET = { width: 1024, height: 768 };

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

export async function openBrowser(viewport = TABLET): Promise<BrowserSession> {
  const profile = mkdtempSync(join(tmpdir(), 'medgate-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** The one-time setup link the gateway prints at first start. */
export async function setupUrlOf(gw: {
  waitForLog(pred: (l: Record<string, unknown>) => boolean, timeoutMs?: number, what?: string): Promise<Record<string, unknown>>;
}): Promise<string> {
  const line = await gw.waitForLog((l) => typeof l.setupUrl === 'string', 5000, 'the setup link');
  return String(line.setupUrl);
}

/** Creates the first administrator through the setup page and waits for the Devices page. */
export async function createFirstAdmin(page: Page, setupUrl: string, admin: { name: string; password: string }): Promise<void> {
  await page.goto(setupUrl);
  await page.getByLabel('Name', { exact: true }).fill(admin.name);
  await page.getByLabel('Password', { exact: true }).fill(admin.password);
  await page.getByLabel('Repeat password').fill(admin.password);
  await page.getByRole('button', { name: 'Create administrator' }).click();
  await page.getByRole('button', { name: 'Add device' }).waitFor();
}

export async function signIn(page: Page, name: string, password: string): Promise<void> {
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
