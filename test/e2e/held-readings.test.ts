// The Patients page on each kind of hold, in headless Chromium against the gateway process started
// on a data folder the previous version wrote, an ASTM analyzer dialled over TCP, and the EHR
// stand-in in its own process. What the page offers follows from each reason's kind: a patient form
// for a patient hold, "I have checked these values" for a value hold (also for an unknown
// measurement type: the confirmed bug), the analyzer's own code for a code hold, and a release
// without a patient form for a reading that has its patient.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { ReadingView } from '../../src/web/api-types.ts';
import { sendTransmission } from '../support/astm-analyzer.ts';
import { framesOf } from '../support/astm-wire.ts';
import { dipstickGlucose, serumOnlyAnalyzer, startAnalyzerServer, type AnalyzerServer } from '../support/analyzer-server.ts';
import { createFirstAdmin, openBrowser, setupUrlOf, type BrowserSession } from '../support/browser.ts';
import { ALICE, BOB, gatewayConfig } from '../support/configs.ts';
import { startEhrStandin, type EhrStandin, type ReceivedMessage } from '../support/ehr-standin-client.ts';
import { eventually } from '../support/eventually.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../support/gateway-process.ts';
import { numericObx, readOru } from '../support/hl7-read.ts';
import { UNKNOWN_TYPE, WEIGHT, writeLegacyDataDir } from '../support/legacy-data.ts';

const ADMIN = { name: 'charge.nurse', password: 'held-readings-2026' };
const CAROL = { mrn: 'MRN3003', family: 'Third', given: 'Carol' };
const NOT_BOUND = 'no patient: the device reported none and is not bound';
/** As the list shows it: "no patient" is the badge, said once (not "patient no patient: ..."). */
const NOT_BOUND_SHOWN = 'no patient the device reported none and is not bound';
const CHECKED = 'I have checked these values';
const LOCAL_CODE = "Send under the analyzer's own code (the LOINC mapping does not fit this result)";

let ehr: EhrStandin;
let analyzer: AnalyzerServer;
let gw: GatewayProcess;
let browser: BrowserSession;
let page: Page;

beforeAll(async () => {
  ehr = await startEhrStandin();
  analyzer = await startAnalyzerServer();
  const dir = tempDir();
  writeLegacyDataDir(`${dir}/data`, [
    { id: 'PAT', observations: [WEIGHT(70)], holdReasons: [NOT_BOUND] },
    { id: 'VAL', observations: [WEIGHT(900)], holdReasons: ['implausible: Body weight 900 kg outside 0.2–650'], patient: ALICE },
    { id: 'BUG', observations: [UNKNOWN_TYPE('weight.lean', 50)], holdReasons: ["measurement 1: unknown measurement type 'weight.lean'", NOT_BOUND] },
    { id: 'DEL', observations: [WEIGHT(71)], holdReasons: ['no destination configured'], patient: ALICE },
  ]);
  gw = await startGatewayProcess(gatewayConfig(dir, ehr.port, [serumOnlyAnalyzer('chem-1', analyzer.port)]), { dir });
  browser = await openBrowser();
  page = browser.page;
  await createFirstAdmin(page, await setupUrlOf(gw), ADMIN);
  await page.getByRole('link', { name: 'Patients' }).click();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await analyzer?.close();
  await ehr?.stop();
});

const item = (id: string): Locator => page.getByRole('list', { name: 'Held readings' }).locator(`li[data-reading-id="${id}"]`);

async function stillHeld(id: string): Promise<boolean> {
  const r = await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=held');
  return r.body.readings.some((x) => x.reading.id === id);
}

async function nextMessage(action: () => Promise<void>): Promise<ReceivedMessage> {
  const before = ehr.messages.length;
  await action();
  const [m] = (await ehr.waitFor(before + 1, 15_000)).slice(before);
  return m!;
}

async function fillPatient(dialog: Locator, p: { mrn: string; family: string; given: string }): Promise<void> {
  await dialog.getByLabel('MRN', { exact: true }).fill(p.mrn);
  await dialog.getByLabel('Family name').fill(p.family);
  await dialog.getByLabel('Given name').fill(p.given);
}

/** Continue without the box: the dialog says what is missing and nothing is sent; then tick it and confirm. */
async function refusedUntilTicked(dialog: Locator, id: string, box: string, missing: RegExp): Promise<void> {
  await dialog.getByRole('button', { name: 'Continue' }).click();
  await expect.poll(() => dialog.textContent()).toMatch(missing);
  expect(await dialog.getByLabel(box, { exact: true }).getAttribute('aria-invalid')).toBe('true');
  expect(await dialog.getByRole('button', { name: 'Confirm' }).count()).toBe(0);
  expect(await stillHeld(id)).toBe(true);
  await dialog.getByLabel(box, { exact: true }).check();
  await dialog.getByRole('button', { name: 'Continue' }).click();
}

describe('held readings on the Patients page, by kind of hold', () => {
  it('lists each held reading with each reason once, labelled by kind, and the action its kinds call for', async () => {
    await expect.poll(() => item('DEL').count(), { timeout: 10_000 }).toBe(1);
    const reasons = async (id: string) =>
      (await item(id).getByRole('list', { name: 'Why it is held' }).getByRole('listitem').allTextContents()).map((t) => t.trim());
    expect(await reasons('PAT')).toEqual([NOT_BOUND_SHOWN]);
    expect(await reasons('VAL')).toEqual(['value implausible: Body weight 900 kg outside 0.2–650']);
    expect(await reasons('BUG')).toEqual(["value measurement 1: unknown measurement type 'weight.lean'", NOT_BOUND_SHOWN]);
    expect(await reasons('DEL')).toEqual(['not sent no destination configured']);
    const action = async (id: string) => ((await item(id).getByRole('button', { name: 'Assign', exact: true }).count()) ? 'Assign' : 'Release');
    expect([await action('PAT'), await action('VAL'), await action('BUG'), await action('DEL')]).toEqual(['Assign', 'Release', 'Assign', 'Release']);
  });

  it('patient hold: assigned through the patient form, with no box to tick', async () => {
    await item('PAT').getByRole('button', { name: 'Assign', exact: true }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.getByRole('checkbox').count()).toBe(0);
    await fillPatient(dialog, CAROL);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => dialog.textContent()).toContain(CAROL.mrn);
    const m = await nextMessage(() => dialog.getByRole('button', { name: 'Confirm' }).click());
    expect(readOru(m.text).pid3).toBe(CAROL.mrn);
    await expect.poll(() => item('PAT').count()).toBe(0);
  });

  it('value hold with its patient: released without a patient form, only once "I have checked these values" is ticked', async () => {
    await item('VAL').getByRole('button', { name: 'Release', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Release held reading' });
    expect(await dialog.getByLabel('MRN', { exact: true }).count()).toBe(0);
    expect(await dialog.getByLabel(LOCAL_CODE, { exact: true }).count()).toBe(0);
    await refusedUntilTicked(dialog, 'VAL', CHECKED, /tick "I have checked these values"/);
    await expect.poll(() => dialog.textContent()).toContain(ALICE.mrn);
    const m = await nextMessage(() => dialog.getByRole('button', { name: 'Confirm' }).click());
    const oru = readOru(m.text);
    expect([oru.pid3, numericObx(oru)[0]!.value]).toEqual([ALICE.mrn, '900.00']);
  });

  it('the confirmed bug: an unknown measurement type with no patient offers the box, and is assigned once it is ticked', async () => {
    await item('BUG').getByRole('button', { name: 'Assign', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Assign reading to a patient' });
    await fillPatient(dialog, BOB);
    await refusedUntilTicked(dialog, 'BUG', CHECKED, /tick "I have checked these values"/);
    await expect.poll(() => dialog.textContent()).toContain(BOB.mrn);
    const m = await nextMessage(() => dialog.getByRole('button', { name: 'Confirm' }).click());
    expect(readOru(m.text).pid3).toBe(BOB.mrn);
    // The ORU may reach the EHR before the page's request has finished writing the audit.
    await eventually(async () => {
      const audit = await gw.api<{ audit: Array<{ who: string; action: string; reason?: string }> }>('GET', '/api/audit?reading=BUG');
      expect(audit.body.audit).toContainEqual(
        expect.objectContaining({ who: ADMIN.name, action: 'override', reason: expect.stringContaining('value/unknown-type') }),
      );
    });
  });

  it("code hold: released under the analyzer's own code, only once that box is ticked", async () => {
    await sendTransmission(await analyzer.link(), framesOf(dipstickGlucose(ALICE.mrn, 'SPU7')));
    const id = await eventually(async () => {
      const r = await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=held');
      const found = r.body.readings.find((x) => x.reading.deviceId === 'chem-1');
      expect(found).toBeDefined();
      return found!.reading.id;
    });
    await expect.poll(() => item(id).count(), { timeout: 10_000 }).toBe(1);
    expect(await item(id).getByRole('list', { name: 'Why it is held' }).textContent()).toMatch(/^code /);
    await item(id).getByRole('button', { name: 'Release', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Release held reading' });
    expect(await dialog.getByLabel(CHECKED, { exact: true }).count()).toBe(0);
    await refusedUntilTicked(dialog, id, LOCAL_CODE, /without the LOINC code/);
    await expect.poll(() => dialog.textContent()).toMatch(/under the analyzer's own code/);
    const m = await nextMessage(() => dialog.getByRole('button', { name: 'Confirm' }).click());
    expect(m.text).not.toContain('2345-7');
    expect(
      m.text
        .split('\r')
        .find((s) => s.startsWith('OBX|'))!
        .split('|')[3]!
        .split('^')[0],
    ).toBe('GLU');
  });

  it('delivery hold: released for another try, with no box and no patient form', async () => {
    await item('DEL').getByRole('button', { name: 'Release', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Release held reading' });
    expect(await dialog.getByRole('checkbox').count()).toBe(0);
    expect(await dialog.textContent()).toMatch(/no destination configured.*sent again/s);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    const m = await nextMessage(() => dialog.getByRole('button', { name: 'Confirm' }).click());
    expect(numericObx(readOru(m.text))[0]!.value).toBe('71.00');
    await expect.poll(() => page.getByText('No held readings: every reading found its patient.').isVisible()).toBe(true);
  });
});
