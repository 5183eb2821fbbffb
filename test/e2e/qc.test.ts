// The QC page in headless Chromium against the gateway process, with an ASTM chemistry analyzer the
// gateway dials over TCP sending control results as analyzers do (empty P record, O-12 action code
// Q "treat specimen as a Q/C test specimen", ASTM E1394) for two glucose control lots with
// configured targets in mg/dL (GLU maps to LOINC 2345-7, glucose mass/volume), then a patient's
// glucose, and the EHR stand-in in its own process. The lab
// lead sees the failed series first with its Levey-Jennings chart (the mean and SD lines labelled,
// the 1-2s warning and the 1-3s rejection marked with their rules), the rejection on the status
// strip and the navigation; a medical assistant's held list shows the patient result held "qc
// failed", a staff user may not send it and is told who may, and the lab lead's release asks for
// the QC confirmation; a new control result appears without a reload and the keyboard stays where
// it was; a staff user may not review and is told who can; the lab lead's review is shown with who,
// when and what was done; a release with the review is refused when other results are held than
// the dialog showed, and shows the new count; the QC link follows the configuration and open
// failures without a reload. No control result appears in the patient lists. axe finds nothing.
// Writes docs/screenshots/qc.png.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { DeviceConfigT } from '../../src/config/schema.ts';
import type { ReadingView } from '../../src/web/api-types.ts';
import { startAnalyzerServer, type AnalyzerServer } from '../support/analyzer-server.ts';
import type { ByteLink } from '../support/astm-analyzer.ts';
import { axeViolations } from '../support/axe.ts';
import { createFirstAdmin, openBrowser, setupUrlOf, signIn as signInOnPage, TABLET, type BrowserSession } from '../support/browser.ts';
import { ALICE, gatewayConfig } from '../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../support/ehr-standin-client.ts';
import { eventually } from '../support/eventually.ts';
import { ROOT, startGatewayProcess, tempDir, type GatewayProcess } from '../support/gateway-process.ts';
import { CHEMISTRY_CODES, QUICK_E1381 } from '../support/orders-rig.ts';
import { asUser, awaitQcEntries } from '../support/qc-api.ts';
import { astmSpecimen, hoursAgo, transmit } from '../support/qc-wire.ts';
import { signIn } from '../support/sign-in.ts';

const ADMIN = { name: 'lab.lead', password: 'qc-page-lead-2026' };
const STAFF = { name: 'assistant', password: 'qc-page-staff-2026' };
const LEVEL1 = 'QC-GLU-1';
const LEVEL2 = 'QC-GLU-2';
const SOON = { timeout: 10_000 };
/** The QC view's own polling interval (src/web/page/views/qc.ts). */
const POLL_MS = 30_000;

/** Level 1: mean 100 mg/dL, SD 3 (hours ago, value). 106.4 is +2.1 SD (1-2s, a warning); 111.2 is +3.7 SD (1-3s, a rejection). */
const LEVEL1_RUNS: Array<[number, string]> = [
  [30, '100.2'],
  [28, '102.1'],
  [26, '97.9'],
  [24, '103.1'],
  [22, '98.8'],
  [20, '101.1'],
  [18, '96.9'],
  [16, '102.2'],
  [14, '106.4'],
  [12, '100.9'],
  [10, '98.7'],
  [8, '111.2'],
];
/** Level 2: mean 270 mg/dL, SD 7, all in control, an hour apart from level 1's runs. */
const LEVEL2_RUNS: Array<[number, string]> = [
  [29, '271.8'],
  [25, '266.4'],
  [21, '275.3'],
  [17, '268.2'],
  [13, '273.6'],
  [9, '270.4'],
];
const UNIT = 'mg/dL';

function chemistry(port: number): DeviceConfigT {
  return {
    id: 'chem-1',
    driver: 'astm-lis2',
    label: 'Chemistry',
    transport: { type: 'tcp', mode: 'connect', host: '127.0.0.1', port },
    settings: QUICK_E1381,
    codeMap: CHEMISTRY_CODES,
    qc: {
      lots: [
        { id: LEVEL1, level: '1', material: 'Glucose control, level 1', targets: { GLU: { mean: 100, sd: 3, unit: UNIT } } },
        { id: LEVEL2, level: '2', material: 'Glucose control, level 2', targets: { GLU: { mean: 270, sd: 7, unit: UNIT } } },
      ],
    },
  };
}

let ehr: EhrStandin;
let analyzer: AnalyzerServer;
let link: ByteLink;
let gw: GatewayProcess;
let browser: BrowserSession;
let page: Page;

const control = (lot: string, value: string, hours: number) =>
  transmit(link, astmSpecimen({ specimen: lot, results: { GLU: value }, unit: UNIT, action: 'Q', at: hoursAgo(hours) }));

beforeAll(async () => {
  ehr = await startEhrStandin();
  analyzer = await startAnalyzerServer();
  const dir = tempDir();
  gw = await startGatewayProcess(gatewayConfig(dir, ehr.port, [chemistry(analyzer.port)]), { dir });
  link = await analyzer.link();
  // In time order, as the analyzer ran them.
  const runs = [...LEVEL1_RUNS.map(([h, v]) => [LEVEL1, v, h] as const), ...LEVEL2_RUNS.map(([h, v]) => [LEVEL2, v, h] as const)].sort((a, b) => b[2] - a[2]);
  for (const [lot, value, hours] of runs) await control(lot, value, hours);
  await awaitQcEntries(gw, { device: 'chem-1', test: 'GLU', lot: LEVEL1 }, LEVEL1_RUNS.length);
  await awaitQcEntries(gw, { device: 'chem-1', test: 'GLU', lot: LEVEL2 }, LEVEL2_RUNS.length);
  // A patient's glucose after the failed control: held until the QC is reviewed.
  await transmit(link, astmSpecimen({ specimen: 'S-4401', results: { GLU: '106' }, unit: UNIT, action: 'N', patientId: ALICE.mrn, at: hoursAgo(0.1) }));
  await eventually(async () => {
    const r = await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=held');
    expect(r.body.readings.map((x) => x.holdReasons.map((h) => h.kind))).toEqual([['qc']]);
  }, 15_000);

  browser = await openBrowser();
  page = browser.page;
  await createFirstAdmin(page, await setupUrlOf(gw), ADMIN);
  const lead = await signIn(gw, ADMIN.name, ADMIN.password);
  expect((await asUser(gw, lead, 'POST', '/api/users', { name: STAFF.name, password: STAFF.password, role: 'staff' })).status).toBe(201);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await analyzer?.close();
  await ehr?.stop();
});

const nav = (): Locator => page.getByRole('link', { name: 'QC', exact: true });
const rejections = (): Locator => page.getByRole('list', { name: 'QC rejections' });
const chart = (): Locator => page.getByRole('group', { name: /^Levey-Jennings chart of GLU/ });
const resultRows = (): Locator => page.locator('table.qc-results tbody tr');
const isFocused = (l: Locator) => l.evaluate((el) => el === el.ownerDocument.activeElement);

async function noAxeViolations(): Promise<void> {
  expect(await axeViolations(page)).toEqual([]);
}

async function signInAs(user: { name: string; password: string }): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();
  await signInOnPage(page, user.name, user.password);
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

describe('the QC page', () => {
  it('shows the rejection on the status strip and the navigation, linked to its review', async () => {
    const strip = page.getByRole('region', { name: 'Problems now' });
    const item = strip.getByRole('listitem').filter({ hasText: 'QC failed for GLU' });
    await expect.poll(() => item.textContent(), { timeout: 15_000 }).toMatch(/^Chemistry: QC failed for GLU \(1-3s\).*1 result held/);
    await expect.poll(() => nav().locator('.nav-count').getAttribute('title'), SOON).toBe('1 QC rejection not reviewed');
    await item.getByRole('link', { name: 'Review QC' }).click();
    await expect.poll(() => page.url(), SOON).toMatch(/#\/qc\?.*rejection=/);
    await rejections().waitFor();
  });

  it('lists the rejection on top and every series, the failed one first with its chart', async () => {
    const open = rejections().getByRole('listitem').first();
    expect(await open.textContent()).toMatch(new RegExp(`not reviewed\\s*Chemistry: QC failed for GLU on lot ${LEVEL1} \\(level 1\\): 1-3s`));
    expect(await open.textContent()).toContain('1 patient result for GLU held until it is reviewed');
    const series = page.getByRole('table', { name: 'QC series' });
    const names = await series.getByRole('button').allTextContents();
    expect(names).toEqual([
      expect.stringMatching(new RegExp(`^GLU.*, lot ${LEVEL1}, level 1 on Chemistry$`)),
      expect.stringMatching(new RegExp(`^GLU.*, lot ${LEVEL2}, level 2 on Chemistry$`)),
    ]);
    const rows = await series.locator('tbody tr').allTextContents();
    // At the tablet's size nothing runs off the side.
    expect(
      await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth),
    ).toBeLessThanOrEqual(1024);
    expect(rows[0]).toMatch(/rejected\s*111\.2 mg\/dL \(1-3s, 1-2s\), .*QC failed: not reviewed.*mean 100 mg\/dL, SD 3 \(configured\)\s*12$/);
    // The other lot was in control; its test's results are held all the same, and it says which lot failed.
    expect(rows[1]).toMatch(
      new RegExp(`in control\\s*270\\.4 mg/dL, .*GLU QC failed on lot ${LEVEL1}: not reviewed.*mean 270 mg/dL, SD 7 \\(configured\\)\\s*6$`),
    );
    await noAxeViolations();
  });

  it('draws the Levey-Jennings chart: mean and SD lines labelled, points in time order, the warning and the rejection marked with their rules', async () => {
    await chart().waitFor();
    expect(await chart().locator('text.lj-line-label').allTextContents()).toEqual([
      '+3 SD 109',
      '+2 SD 106',
      '+1 SD 103',
      'Mean 100',
      '\u22121 SD 97',
      '\u22122 SD 94',
      '\u22123 SD 91',
    ]);
    const points = chart().locator('g.lj-point');
    expect(await points.count()).toBe(LEVEL1_RUNS.length);
    const rejection = chart().locator('g.lj-point.rejection');
    const warning = chart().locator('g.lj-point.warning');
    expect([await rejection.count(), await warning.count()]).toEqual([1, 1]);
    // Told in words beside the mark, and by the mark's name, not by its colour alone.
    expect(await rejection.locator('text').textContent()).toBe('1-3s');
    expect(await warning.locator('text').textContent()).toBe('1-2s');
    expect(await rejection.getAttribute('aria-label')).toMatch(/111\.2 mg\/dL, \+3\.7 SD, rejected: 1-3s \(one result beyond 3 SD\)/);
    expect(await warning.getAttribute('aria-label')).toMatch(/106\.4 mg\/dL, \+2\.1 SD, warning: 1-2s/);
    // The line joins the points left to right.
    const xs = await points.evaluateAll((els) =>
      els.map((el) => Number(el.firstElementChild?.getAttribute('cx') ?? el.firstElementChild?.getAttribute('d')?.split(/[ ML]/)[1])),
    );
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    expect(await chart().locator('path.lj-path').count()).toBe(1);
    // The same results as a table, newest first, with the exact values.
    expect(await resultRows().count()).toBe(LEVEL1_RUNS.length);
    expect(await resultRows().first().textContent()).toMatch(/111\.2 mg\/dL\+3\.7 SDrejected1-3s, 1-2s/);
    await noAxeViolations();
    // The rejection and the whole chart in one tablet screen.
    await page.locator('.qc-rejections-card').evaluate((el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'qc.png') });
    await page.evaluate(() => (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0));
    // A small clinic screen: the chart scales down, the tables scroll inside their frames, the page does not.
    await page.setViewportSize({ width: 600, height: 900 });
    expect(
      await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth),
    ).toBeLessThanOrEqual(600);
    expect((await chart().boundingBox())!.width).toBeLessThanOrEqual(600);
    await page.setViewportSize(TABLET);
  });

  it('tells a point on focus and hover; the chart is one tab stop and the arrow keys move along it', async () => {
    const points = chart().locator('g.lj-point');
    const newest = points.last();
    expect(await newest.getAttribute('tabindex')).toBe('0');
    expect(await points.first().getAttribute('tabindex')).toBe('-1');
    await newest.focus();
    const info = page.locator('.lj-info');
    await expect.poll(() => info.textContent(), SOON).toMatch(/111\.2 mg\/dL, \+3\.7 SD, rejected/);
    await page.keyboard.press('ArrowLeft');
    expect(await isFocused(points.nth(LEVEL1_RUNS.length - 2))).toBe(true);
    await expect.poll(() => info.textContent(), SOON).toMatch(/98\.7 mg\/dL, \u22120\.4 SD, in control/);
    await page.keyboard.press('Home');
    expect(await isFocused(points.first())).toBe(true);
    await chart().locator('g.lj-point.warning').hover();
    await expect.poll(() => info.textContent(), SOON).toMatch(/106\.4 mg\/dL, \+2\.1 SD, warning/);
  });

  it('never shows a control result in the patient lists', async () => {
    // Only the patient's glucose is a reading (its hold reason names the failed lot, as it should); no control's value is anywhere.
    const controlValues = /\b(111\.2|106\.4|96\.9|271\.8|266\.4)\b/;
    await page.getByRole('link', { name: 'Live', exact: true }).click();
    const live = page.getByRole('list', { name: 'Live readings' }).locator(':scope > li');
    await expect.poll(() => live.count(), SOON).toBe(1);
    expect(await live.textContent()).toContain(`MRN ${ALICE.mrn}`);
    expect(await page.locator('main').textContent()).not.toMatch(controlValues);
    await page.getByRole('link', { name: 'Patients', exact: true }).click();
    const held = page.getByRole('list', { name: 'Held readings' }).locator(':scope > li');
    await expect.poll(() => held.count(), SOON).toBe(1);
    expect(await page.locator('main').textContent()).not.toMatch(controlValues);
  });

  it('refuses a staff user the release of a result held for failed QC, saying who may', async () => {
    await signInAs(STAFF);
    await page.goto(`${gw.url}/#/patients`);
    const held = page.getByRole('list', { name: 'Held readings' }).locator(':scope > li');
    await expect.poll(() => held.count(), SOON).toBe(1);
    await held.getByRole('button', { name: 'Release', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Release held reading' });
    await dialog.getByLabel('I checked the QC failure: this result may go to the chart', { exact: true }).check();
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    const alert = dialog.getByRole('alert');
    await expect
      .poll(() => alert.textContent(), SOON)
      .toBe(
        'You may not send a result held for failed QC: only administrators may (the QC review role). Ask an administrator to review the QC failure on the QC page, or to release this result. Open the QC page',
      );
    expect(await alert.getByRole('link', { name: 'Open the QC page' }).getAttribute('href')).toBe('#/qc?device=chem-1&test=GLU');
    await noAxeViolations();
    await page.keyboard.press('Escape');
    const still = await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=held');
    expect(still.body.readings.map((x) => x.holdReasons.map((h) => h.kind))).toEqual([['qc']]);
    await signInAs(ADMIN);
    await page.goto(`${gw.url}/#/patients`);
    await expect.poll(() => held.count(), SOON).toBe(1);
  });

  it('holds the patient glucose "qc failed", and its release asks to confirm the QC failure, saying it is not reviewed', async () => {
    const held = page.getByRole('list', { name: 'Held readings' }).locator(':scope > li');
    expect((await held.getByRole('list', { name: 'Why it is held' }).textContent())?.trim()).toBe(`qc failed GLU on lot ${LEVEL1} (1-3s) not reviewed`);
    await held.getByRole('button', { name: 'Release', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Release held reading' });
    await expect.poll(() => dialog.textContent(), SOON).toMatch(new RegExp(`GLU: QC failed on lot ${LEVEL1} \\(1-3s\\) at .*; not reviewed yet\\.`));
    const box = dialog.getByLabel('I checked the QC failure: this result may go to the chart', { exact: true });
    await dialog.getByRole('button', { name: 'Continue' }).click();
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.textContent()).toMatch(/Check on the QC page whether the failure was reviewed/);
    expect(await dialog.getByRole('link', { name: 'Open the QC page' }).getAttribute('href')).toBe('#/qc?device=chem-1&test=GLU');
    await noAxeViolations();
    await box.check();
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => dialog.textContent(), SOON).toMatch(/QC for its test failed/);
    const before = ehr.messages.length;
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    const [m] = (await ehr.waitFor(before + 1, 15_000)).slice(before);
    expect(m!.text).toContain(ALICE.mrn);
    expect(m!.text).not.toContain(LEVEL1);
  });

  it('shows a new control result as it arrives, without a reload, and keeps the keyboard where it was', async () => {
    await nav().click();
    const review = rejections().getByRole('button', { name: 'Review' });
    await review.waitFor();
    await expect.poll(() => resultRows().count(), SOON).toBe(LEVEL1_RUNS.length);
    const mounted = Date.now();
    await review.focus();
    await control(LEVEL1, '100.6', 0.05);
    // Sooner than the page's own polling (checked below): only the gateway's qc event can have brought it.
    await expect.poll(() => resultRows().count(), { timeout: 20_000 }).toBe(LEVEL1_RUNS.length + 1);
    expect(Date.now() - mounted).toBeLessThan(POLL_MS);
    expect(await isFocused(review)).toBe(true);
  });

  it('does not offer a staff user the review: the list says who reviews instead', async () => {
    await signInAs(STAFF);
    await page.goto(`${gw.url}/#/qc`);
    const open = rejections().getByRole('listitem').first();
    await expect.poll(() => open.textContent(), SOON).toContain('An administrator reviews QC failures.');
    expect(await rejections().getByRole('button', { name: 'Review' }).count()).toBe(0);
    expect(await open.textContent()).toContain('not reviewed');
    await noAxeViolations();
  });

  it("records the lab lead's review, shown with who, when and what was done; the strip and the count clear", async () => {
    await signInAs(ADMIN);
    await page.goto(`${gw.url}/#/qc`);
    await rejections().getByRole('button', { name: 'Review' }).click();
    const dialog = page.getByRole('dialog', { name: 'Review QC failure' });
    expect(await dialog.textContent()).toContain('1-3s (one result beyond 3 SD)');
    await dialog.getByLabel('What was found and done').fill('Reagent lot changed; recalibrated, control repeated in range');
    await dialog.getByRole('button', { name: 'Record review' }).click();
    await expect.poll(() => dialog.count(), SOON).toBe(0);
    const reviewed = rejections().getByRole('listitem').first();
    await expect
      .poll(() => reviewed.textContent(), SOON)
      .toMatch(/^reviewed\s*Chemistry: QC failed for GLU.*Reviewed by lab\.lead at .*: Reagent lot changed; recalibrated, control repeated in range/);
    expect(await rejections().getByRole('button', { name: 'Review' }).count()).toBe(0);
    // The keyboard goes on from the reviewed rejection, not from the top of the page.
    await expect.poll(() => isFocused(reviewed.getByRole('button', { name: 'Show chart' })), SOON).toBe(true);
    await expect.poll(() => nav().locator('.nav-count').count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => page.getByRole('region', { name: 'Problems now' }).getByText('QC failed for GLU').count(), { timeout: 15_000 }).toBe(0);
    await noAxeViolations();
  });

  const patientGlucose = (specimen: string, value: string) =>
    transmit(link, astmSpecimen({ specimen, results: { GLU: value }, unit: UNIT, action: 'N', patientId: ALICE.mrn, at: hoursAgo(0.02) }));
  const heldNow = async () => (await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=held')).body.readings.length;

  it('releases the results a new rejection held when the reviewer chooses to, only those the dialog showed, and says so', async () => {
    await control(LEVEL1, '90.1', 0.04);
    const open = rejections().getByRole('listitem').filter({ hasText: 'not reviewed' });
    await expect.poll(() => open.count(), { timeout: 15_000 }).toBe(1);
    await patientGlucose('S-4402', '112');
    await expect.poll(() => open.textContent(), { timeout: 15_000 }).toContain('1 patient result for GLU held until it is reviewed');
    await open.getByRole('button', { name: 'Review' }).click();
    const dialog = page.getByRole('dialog', { name: 'Review QC failure' });
    // Keeping them held is the default, and each choice says what it means: the results to check came after the failure.
    expect(await dialog.getByLabel('Keep the 1 patient result held').isChecked()).toBe(true);
    expect(await dialog.textContent()).toMatch(/Only choose this when you checked that the 1 GLU result received since the QC failed can be trusted/);
    await noAxeViolations();
    await dialog.getByLabel('What was found and done').fill('Control vial left open; new vial in range, patient results checked');
    await dialog.getByLabel('Release the 1 patient result to the charts now').check();
    // Another patient's glucose is held while the dialog is open: releasing "the 1" must not send 2 unseen.
    await patientGlucose('S-4403', '109');
    await expect.poll(heldNow, { timeout: 15_000 }).toBe(2);
    const before = ehr.messages.length;
    await dialog.getByRole('button', { name: 'Record review' }).click();
    // allTextContents does not wait for the alert: a dialog that closed (released unseen) fails here at once.
    await expect.poll(async () => (await dialog.getByRole('alert').allTextContents()).join(''), SOON).toBe('2 results are held now: look again.');
    expect(ehr.messages.length).toBe(before);
    expect(await dialog.getByLabel('Keep the 2 patient results held').isChecked()).toBe(true);
    await dialog.getByLabel('Release the 2 patient results to the charts now').check();
    await dialog.getByRole('button', { name: 'Record review' }).click();
    const sent = (await ehr.waitFor(before + 2, 15_000)).slice(before);
    expect(sent.map((m) => (m.text.includes('S-4402') ? 'S-4402' : m.text.includes('S-4403') ? 'S-4403' : '?')).sort()).toEqual(['S-4402', 'S-4403']);
    await expect.poll(() => page.locator('#toast').textContent(), SOON).toBe('Review recorded for GLU on Chemistry; 2 patient results released.');
    const reviewed = rejections().getByRole('listitem').first();
    await expect.poll(() => reviewed.textContent(), SOON).toMatch(/2 held patient results released with the review.*Reviewed by lab\.lead/);
  }, 60_000);

  const open = async () =>
    (await gw.api<{ problems: Array<{ kind: string; rejection?: string }> }>('GET', '/api/status')).body.problems.filter((p) => p.kind === 'qc-rejected');

  it('says on the held list when the QC failure holding a result was reviewed and the result kept held', async () => {
    await control(LEVEL1, '89.5', 0.03);
    await expect.poll(async () => (await open()).length, { timeout: 15_000 }).toBe(1);
    expect(await heldNow()).toBe(0);
    await patientGlucose('S-4404', '104');
    await expect.poll(heldNow, { timeout: 15_000 }).toBe(1);
    const [problem] = await open();
    // Reviewed, the result kept held (no release): its hold was "not reviewed" when it was held.
    expect((await gw.api('POST', `/api/qc/rejections/${problem!.rejection}/review`, { action: 'Recalibrated; control repeated in range' })).status).toBe(200);
    await page.getByRole('link', { name: 'Patients', exact: true }).click();
    const why = page.getByRole('list', { name: 'Held readings' }).locator(':scope > li').getByRole('list', { name: 'Why it is held' });
    await expect
      .poll(async () => (await why.allTextContents()).join('|').trim(), SOON)
      .toMatch(new RegExp(`^qc failed GLU on lot ${LEVEL1} \\([^)]+\\), reviewed by api-token: release or discard each result$`));
  });

  it('offers the QC page while a lab analyzer is configured or a QC failure waits for review, following changes without a reload', async () => {
    const device = chemistry(analyzer.port);
    // A failure not reviewed yet keeps the page offered when its analyzer is removed.
    await control(LEVEL1, '111.5', 0.01);
    await expect.poll(async () => (await open()).length, { timeout: 15_000 }).toBe(1);
    expect((await gw.api('DELETE', `/api/config/devices/${device.id}`)).status).toBe(204);
    await page.getByRole('link', { name: 'Devices', exact: true }).click();
    await expect.poll(() => nav().count(), SOON).toBe(1);
    const [problem] = await open();
    expect((await gw.api('POST', `/api/qc/rejections/${problem!.rejection}/review`, { action: 'Analyzer taken out of service' })).status).toBe(200);
    await expect.poll(() => nav().count(), { timeout: 20_000 }).toBe(0);
    expect((await gw.api('POST', '/api/config/devices', { device })).status).toBe(201);
    await expect.poll(() => nav().count(), { timeout: 20_000 }).toBe(1);
  });

  it("lets the technician set the analyzer's QC on its device form: the lots with their targets kept, a sample-ID rule, the rules", async () => {
    const card = page.locator('[data-device-id="chem-1"]');
    await card.getByRole('button', { name: 'Edit', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Edit device chem-1' });
    const qc = dialog.getByRole('group', { name: 'Quality control' });
    expect(await qc.getByLabel('Control lots').inputValue()).toContain(LEVEL1);
    await qc.getByLabel('Control sample IDs').fill('^QC-(?<lot>[A-Z0-9-]+)$');
    await qc.getByLabel('Westgard rules').fill('1-2s, 1-3s, 2-2s, R-4s');
    await noAxeViolations();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'hidden' });
    const saved = await gw.api<{ device: DeviceConfigT }>('GET', '/api/config/devices/chem-1');
    expect(saved.body.device.qc).toMatchObject({
      lots: chemistry(analyzer.port).qc?.lots,
      sampleIdPattern: '^QC-(?<lot>[A-Z0-9-]+)$',
      rules: ['1-2s', '1-3s', '2-2s', 'R-4s'],
    });
  });
});
