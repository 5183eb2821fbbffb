// Debian's Chromium driven by playwright-core (DEPENDENCIES.md "Browser tests"): a fresh profile per
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
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
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
