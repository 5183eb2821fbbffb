// Screenshots of every page at tablet size (1024x768) for docs/screenshots/, taken from the demo:
// a copy of config/demo.json with its own ports and data folder, so a running `npm start` is left alone.
// Run: npm run screenshots (needs Debian's chromium); `npm run screenshots -- orders messages` retakes only those.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { createFirstAdmin, openBrowser } from '../test/support/browser.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'docs', 'screenshots');
const PORT_OFFSET = 10_000;
/** Names given on the command line: only these are written (the pages are still walked through). */
const ONLY = process.argv.slice(2);

/** Every port of the demo moved by PORT_OFFSET; the web page on a free port. */
function demoCopy(dir: string): string {
  const text = readFileSync(join(ROOT, 'config', 'demo.json'), 'utf8').replace(/"port": (\d+)/g, (_m, p: string) => `"port": ${Number(p) + PORT_OFFSET}`);
  const config = JSON.parse(text) as { dataDir: string; web: { port: number } };
  config.dataDir = join(dir, 'data');
  config.web.port = 0;
  const file = join(dir, 'medgate.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

async function startDemo(file: string): Promise<{ url: string; setupUrl: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli.ts'), 'start', '--config', file], {
    cwd: ROOT,
    env: { ...process.env, MEDGATE_LOG_PRETTY: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let url = '';
  let setupUrl = '';
  for await (const line of createInterface({ input: child.stdout! })) {
    try {
      const entry = JSON.parse(line) as { url?: string; setupUrl?: string };
      if (entry.setupUrl) setupUrl = entry.setupUrl;
      else if (entry.url && !url) url = entry.url;
    } catch {
      // not a log line
    }
    if (url && setupUrl) break;
  }
  child.stdout!.resume();
  return {
    url,
    setupUrl,
    stop: () =>
      new Promise<void>((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

async function shot(page: Page, name: string): Promise<void> {
  if (ONLY.length > 0 && !ONLY.includes(name)) return;
  await sleep(400); // let the flash of new rows settle
  await page.screenshot({ path: join(OUT, `${name}.png`) });
  console.log(`docs/screenshots/${name}.png`);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'medgate-shots-'));
  const demo = await startDemo(demoCopy(dir));
  const browser = await openBrowser();
  try {
    const { page } = browser;
    await page.goto(demo.setupUrl);
    await shot(page, 'setup');
    await createFirstAdmin(page, demo.setupUrl, { name: 'admin', password: 'demo-password-1' });
    // Long enough for every simulated device, the EKG cart included, to have sent something.
    console.log('waiting 25 s for the simulated devices…');
    await sleep(25_000);
    await page.reload();
    await page.getByRole('button', { name: 'Add device' }).waitFor();
    await shot(page, 'devices');

    await page.getByRole('button', { name: 'Add device' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add device' });
    await dialog.getByLabel('Driver').selectOption('ad-scale');
    await dialog.getByLabel('Device ID').fill('scale-2');
    await dialog.getByLabel('Label', { exact: true }).fill('Scale, room 2');
    await dialog.getByLabel('Connection type').selectOption('serial');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await sleep(300);
    await shot(page, 'device-editor');
    // A scale whose USB adapter is not plugged in: the status strip and the Devices badge say so.
    await dialog.getByLabel('Serial port path').fill('/dev/ttyUSB7');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByRole('region', { name: 'Problems now' }).getByText('Scale, room 2').waitFor({ timeout: 30_000 });
    await shot(page, 'status-strip');

    await page.goto(`${demo.url}/#/live`);
    await page.getByRole('list', { name: 'Live readings' }).locator('li').first().waitFor();
    await shot(page, 'live');
    const tracing = page.getByRole('button', { name: 'Show tracing' }).first();
    if (await tracing.count()) {
      await tracing.click();
      await page.getByRole('dialog').waitFor();
      await sleep(500);
      await shot(page, 'live-ekg');
      await page.keyboard.press('Escape');
    }

    await page.goto(`${demo.url}/#/patients`);
    await page.getByRole('list', { name: 'Held readings' }).locator('li').first().waitFor();
    await shot(page, 'patients');

    // The built-in EHR places an order now and then; the demo analyzer queries it and results come back.
    await page.goto(`${demo.url}/#/orders`);
    await page.getByRole('list', { name: 'Orders' }).getByRole('listitem').first().waitFor({ timeout: 60_000 });
    await shot(page, 'orders');

    await page.goto(`${demo.url}/#/messages`);
    const first = page.getByRole('table').getByRole('button').first();
    await first.waitFor();
    await first.click();
    await page.getByRole('heading', { name: 'ACK from EHR' }).waitFor();
    await shot(page, 'messages');

    await page.goto(`${demo.url}/#/settings`);
    await page.getByRole('button', { name: 'Add user' }).waitFor();
    await shot(page, 'settings');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await shot(page, 'sign-in');
  } finally {
    await browser.close();
    await demo.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
