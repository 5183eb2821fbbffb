// The Orders page in headless Chromium against the gateway process, with the EHR's registrations
// and orders arriving over real MLLP on the inbound feed (test/support/adt-sender.ts, its own
// process), an ASTM chemistry analyzer that is not connected (its download waits), an HbA1c
// analyzer that does none of the chemistry tests (not sent, and why), and an HL7 analyzer on a real
// MLLP connection that rejects its download until it is told to take it (Resend). The list says
// where each order stands with each analyzer, the filters and search narrow it, one order shows
// its story, axe finds nothing, and all of it is reachable from the keyboard.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { DeviceConfigT } from '../../src/config/schema.ts';
import type { OrdersPage } from '../../src/orders/order-view.ts';
import { sendAdt } from '../support/adt-sender.ts';
import { axeViolations } from '../support/axe.ts';
import { createFirstAdmin, openBrowser, setupUrlOf, type BrowserSession } from '../support/browser.ts';
import { gatewayConfig } from '../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../support/ehr-standin-client.ts';
import { eventually } from '../support/eventually.ts';
import { freePort } from '../support/free-port.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../support/gateway-process.ts';
import { connectHl7Analyzer, type Hl7AnalyzerEnd } from '../support/hl7-analyzer-end.ts';
import { CREATININE, GLUCOSE, HBA1C, labOrder, POTASSIUM, registration, type FeedPatient, type FeedTest } from '../support/order-feed.ts';

const ADMIN = { name: 'lab.lead', password: 'orders-page-2026' };
const ALICE: FeedPatient = { mrn: 'MRN7101', family: 'Example', given: 'Alice', dob: '1961-01-01', sex: 'F' };
const BOB: FeedPatient = { mrn: 'MRN7102', family: 'Sample', given: 'Bob', dob: '1975-06-15', sex: 'M' };
const REFUSAL = 'Test GLU is not set up on this analyzer';
/** What the page shows after a click or a key, with room for a busy test machine. */
const SOON = { timeout: 10_000 };
/** The Orders view's own polling interval (src/web/page/views/orders.ts). */
const POLL_MS = 15_000;

/** An analyzer that gets its orders downloaded; its code map in reverse names its codes for the ordered LOINC tests. */
function downloading(id: string, driver: string, label: string, transport: DeviceConfigT['transport'], codes: Record<string, FeedTest>): DeviceConfigT {
  const codeMap = Object.fromEntries(Object.entries(codes).map(([code, t]) => [code, { loinc: t.code, display: t.display }]));
  return { id, driver, label, transport, codeMap, orders: { mode: 'download' } };
}

let ehr: EhrStandin;
let inbound: number;
let gw: GatewayProcess;
let hl7: Hl7AnalyzerEnd;
let browser: BrowserSession;
let page: Page;

beforeAll(async () => {
  ehr = await startEhrStandin();
  const dir = tempDir();
  inbound = await freePort();
  const [nobody, nobodyEither, hl7Port] = [await freePort(), await freePort(), await freePort()];
  gw = await startGatewayProcess(
    gatewayConfig(
      dir,
      ehr.port,
      [
        // Nothing listens on these two ports: the analyzers are switched off, their downloads wait.
        downloading(
          'chem-1',
          'astm-lis2',
          'Chemistry analyzer',
          { type: 'tcp', mode: 'connect', host: '127.0.0.1', port: nobody },
          { GLU: GLUCOSE, CREA: CREATININE },
        ),
        downloading('a1c-1', 'astm-lis2', 'HbA1c analyzer', { type: 'tcp', mode: 'connect', host: '127.0.0.1', port: nobodyEither }, { A1C: HBA1C }),
        downloading('chem-2', 'hl7-analyzer', 'Chemistry analyzer 2', { type: 'tcp', mode: 'listen', host: '127.0.0.1', port: hl7Port }, { GLU: GLUCOSE }),
      ],
      { inbound: { mllp: { host: '127.0.0.1', port: inbound } } },
    ),
    { dir },
  );
  await gw.waitForLog((l) => l.msg === 'inbound HL7 listener (ADT and orders) listening', 30_000);
  hl7 = await eventually(() => connectHl7Analyzer(hl7Port), 15_000);
  hl7.answerWith({ code: 'AR', reason: REFUSAL });
  await gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'chem-2', 15_000, 'the HL7 analyzer connected');

  const order = (n: number, patient: FeedPatient, tests = [GLUCOSE, CREATININE], control: 'NW' | 'CA' = 'NW') =>
    labOrder({ controlId: `ORD${n}${control}`, patient, placer: `PL${n}`, filler: `FL${n}`, specimen: `S${n}`, specimenType: 'SER', tests, control });
  const acks = await sendAdt(inbound, [
    registration('ADT1', ALICE),
    registration('ADT2', BOB),
    order(1001, ALICE),
    order(1002, BOB, [HBA1C]),
    order(1003, BOB, [CREATININE]),
    order(1003, BOB, [CREATININE], 'CA'),
  ]);
  expect(acks.map((a) => a.code)).toEqual(['AA', 'AA', 'AA', 'AA', 'AA', 'AA']);
  // The HL7 analyzer has refused its download: every order has found its state.
  await eventually(async () => {
    const r = await gw.api<OrdersPage>('GET', '/api/orders?state=rejected');
    expect(r.body.orders.map((o) => o.specimenIds)).toEqual([['S1001']]);
  }, 20_000);

  browser = await openBrowser();
  page = browser.page;
  await createFirstAdmin(page, await setupUrlOf(gw), ADMIN);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await hl7?.close();
  await gw?.stop();
  await ehr?.stop();
});

const orders = (): Locator => page.getByRole('list', { name: 'Orders' });
const item = (specimen: string): Locator =>
  orders()
    .getByRole('listitem')
    .filter({ has: page.getByRole('button', { name: `Specimen ${specimen}` }) });
const shownSpecimens = async (): Promise<string[]> =>
  (
    await orders()
      .getByRole('button', { name: /^Specimen / })
      .allTextContents()
  ).map((t) => t.replace('Specimen ', '').trim());
const analyzerLine = (specimen: string, analyzer: string): Locator =>
  item(specimen)
    .getByRole('list', { name: 'Analyzers' })
    .getByRole('listitem')
    .filter({ hasText: new RegExp(`(to|for|by) ${analyzer}\\b(?! 2)`) });

/** The HL7 analyzer's glucose result for order n (placer PLn, filler FLn, specimen Sn), taken (AA). */
async function sendGlucose(n: number, patient: FeedPatient, value: string): Promise<void> {
  const results = [
    `MSH|^~\\&|ANALYZER|LAB|MEDGATE|CLINIC|20261206091000||ORU^R01^ORU_R01|AN${n}|P|2.5.1`,
    `PID|1||${patient.mrn}`,
    `OBR|1|PL${n}|FL${n}|GLU^^99MDG|||20261206090000`,
    `OBX|1|NM|GLU^^99MDG||${value}|mg/dL|||N|||F|||20261206091000`,
    `SPM|1|S${n}||SER`,
  ].join('\r');
  expect((await hl7.send(results)).split('\r').find((seg) => seg.startsWith('MSA|'))).toMatch(/^MSA\|AA\|/);
}

async function noAxeViolations(): Promise<void> {
  expect(await axeViolations(page)).toEqual([]);
}

describe('the Orders page', () => {
  it('is on the navigation and lists each order, newest first, with where it stands at each analyzer', async () => {
    const nav = page.getByRole('link', { name: 'Orders', exact: true });
    // The refused download counts on the navigation, said in words to a screen reader.
    await expect.poll(() => nav.locator('.nav-count').getAttribute('title'), { timeout: 15_000 }).toBe('1 order refused by an analyzer');
    await nav.click();
    await expect.poll(shownSpecimens, { timeout: 15_000 }).toEqual(['S1003', 'S1002', 'S1001']);
    const first = item('S1001');
    expect(await first.textContent()).toMatch(/Alice.*\(MRN MRN7101\)/);
    expect(await first.textContent()).toMatch(/Placer PL1001 · filler FL1001/);
    expect(await first.textContent()).toContain(GLUCOSE.code);
    await expect.poll(() => analyzerLine('S1001', 'Chemistry analyzer').textContent(), SOON).toMatch(/waiting\s*Waiting for Chemistry analyzer: /);
    // The analyzers it is not for fold into one short line; the open order says each one's reason.
    expect(await analyzerLine('S1001', 'HbA1c analyzer').textContent()).toBe('Not for HbA1c analyzer: not their specimen type or tests (details in the order)');
    expect(await analyzerLine('S1001', 'Chemistry analyzer 2').textContent()).toMatch(new RegExp(`Rejected by Chemistry analyzer 2: .*${REFUSAL}`));
    expect(await analyzerLine('S1002', 'HbA1c analyzer').textContent()).toMatch(/Waiting for HbA1c analyzer: /);
    expect(await analyzerLine('S1003', 'Chemistry analyzer').textContent()).toMatch(/cancelled/i);
    await noAxeViolations();
    // At the nurse station's tablet size nothing runs off the side.
    expect(
      await page.evaluate(() => (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement.scrollWidth),
    ).toBeLessThanOrEqual(1024);
  });

  it('filters by state (with counts), by analyzer, and finds an order by specimen ID, order number or MRN', async () => {
    const state = page.getByLabel('Filter by state');
    await expect.poll(async () => (await state.locator('option').allTextContents()).join('|'), SOON).toContain('Rejected by the analyzer (1)');
    expect(await state.locator('option').allTextContents()).toContain('Cancelled (1)');
    await state.selectOption({ label: 'Cancelled (1)' });
    await expect.poll(shownSpecimens, SOON).toEqual(['S1003']);
    expect(page.url()).toContain('state=cancelled');

    await state.selectOption('waiting');
    await page.getByLabel('Filter by device').selectOption('a1c-1');
    await expect.poll(shownSpecimens, SOON).toEqual(['S1002']);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(shownSpecimens, SOON).toEqual(['S1003', 'S1002', 'S1001']);

    const search = page.getByRole('searchbox', { name: 'Search orders' });
    for (const [q, found] of [
      ['S1002', ['S1002']],
      ['PL1001', ['S1001']],
      [BOB.mrn, ['S1003', 'S1002']],
    ] as const) {
      await search.fill(q);
      await search.press('Enter');
      await expect.poll(shownSpecimens, SOON).toEqual(found);
    }
    await search.fill('NO-SUCH-SPECIMEN');
    await search.press('Enter');
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'No order found' }).count(), SOON).toBe(1);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await expect.poll(shownSpecimens, SOON).toEqual(['S1003', 'S1002', 'S1001']);
  });

  it('opens an order with its story, and is reached and closed from the keyboard', async () => {
    await page.getByRole('searchbox', { name: 'Search orders' }).focus();
    // Tab through the filters and the list to the order's button, as a keyboard user does.
    const target = item('S1003').getByRole('button', { name: 'Specimen S1003' });
    let reached = false;
    for (let i = 0; i < 30 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await target.evaluate((el) => el === el.ownerDocument.activeElement);
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    const detail = page.getByRole('region', { name: 'Order details' });
    const heading = detail.getByRole('heading', { name: 'Order for specimen S1003' });
    await heading.waitFor();
    await expect.poll(() => heading.evaluate((el) => el === el.ownerDocument.activeElement), SOON).toBe(true);
    const story = detail.getByRole('list', { name: 'Order history' }).getByRole('listitem');
    await expect.poll(async () => (await story.allTextContents()).join('\n'), SOON).toMatch(/Received from the EHR[\s\S]*Cancelled/);
    expect(await detail.textContent()).toContain('cancelled by the EHR');
    expect(page.url()).toContain('key=');
    await noAxeViolations();

    await detail.getByRole('button', { name: 'Close' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => detail.isHidden(), SOON).toBe(true);
    expect(await target.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);

    // Escape closes it too, from anywhere in it, and the keyboard is back on the order's item.
    await page.keyboard.press('Enter');
    await expect.poll(() => heading.evaluate((el) => el === el.ownerDocument.activeElement), SOON).toBe(true);
    // The open order names each analyzer it is not for, with why.
    expect(await detail.getByRole('list', { name: 'Analyzers' }).textContent()).toMatch(/Not sent to HbA1c analyzer: none of the ordered tests/);
    await page.keyboard.press('Escape');
    await expect.poll(() => detail.isHidden(), SOON).toBe(true);
    expect(await target.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
    expect(page.url()).not.toContain('key=');
  });

  it('resends a download the analyzer rejected, once it takes it', async () => {
    hl7.answerWith({ code: 'AA' });
    const before = hl7.received.length;
    await analyzerLine('S1001', 'Chemistry analyzer 2').getByRole('button', { name: 'Resend to Chemistry analyzer 2' }).click();
    await expect.poll(() => analyzerLine('S1001', 'Chemistry analyzer 2').textContent(), { timeout: 20_000 }).toMatch(/Sent to Chemistry analyzer 2/);
    expect(hl7.received.length).toBeGreaterThan(before);
    await expect.poll(() => page.getByRole('link', { name: 'Orders', exact: true }).locator('.nav-count').count(), SOON).toBe(0);
    expect(await analyzerLine('S1001', 'Chemistry analyzer 2').getByRole('button').count()).toBe(0);
  });

  it("shows an order resulted once the analyzer's results come back, with a link to them on Live", async () => {
    await sendGlucose(1001, ALICE, '101');
    const line = analyzerLine('S1001', 'Chemistry analyzer 2');
    await expect.poll(() => line.textContent(), { timeout: 20_000 }).toMatch(/resulted\s*Resulted by Chemistry analyzer 2/);
    const link = line.getByRole('link', { name: 'Result on Live' });
    const href = (await link.getAttribute('href')) ?? '';
    const readingId = new URLSearchParams(href.split('?')[1]).get('q') ?? '';
    expect(readingId).not.toBe('');
    await link.click();
    const reading = page.getByRole('list', { name: 'Live readings' }).getByRole('listitem').first();
    await expect.poll(() => reading.textContent(), { timeout: 10_000 }).toContain('101');
    expect(page.url()).toContain(`#/live?q=${readingId}`);
  });

  it('shows a new order as it arrives, without a reload, and keeps the keyboard where it was', async () => {
    const button = item('S1001').getByRole('button', { name: 'Specimen S1001' });
    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    // The view is mounted now and loads the list once; its own next poll is POLL_MS later.
    const mounted = Date.now();
    await expect.poll(shownSpecimens, SOON).toEqual(['S1003', 'S1002', 'S1001']);
    await button.focus();
    const acks = await sendAdt(inbound, [
      labOrder({ controlId: 'ORD1004NW', patient: ALICE, placer: 'PL1004', filler: 'FL1004', specimen: 'S1004', specimenType: 'SER', tests: [GLUCOSE] }),
    ]);
    expect(acks.map((a) => a.code)).toEqual(['AA']);
    // Sooner than the page's own polling (15 s in views/orders.ts): only the gateway's order event can have brought it.
    await expect.poll(shownSpecimens, { timeout: 3_000 }).toEqual(['S1004', 'S1003', 'S1002', 'S1001']);
    expect(Date.now() - mounted).toBeLessThan(POLL_MS);
    expect(await button.evaluate((el) => el === el.ownerDocument.activeElement)).toBe(true);
  });

  it('warns on an order whose patient is not in the directory, and names a test no analyzer does', async () => {
    const CAROL: FeedPatient = { mrn: 'MRN7199', family: 'Unregistered', given: 'Carol', dob: '1990-02-03', sex: 'F' };
    const acks = await sendAdt(inbound, [
      labOrder({
        controlId: 'ORD1005NW',
        patient: CAROL,
        placer: 'PL1005',
        filler: 'FL1005',
        specimen: 'S1005',
        specimenType: 'SER',
        tests: [GLUCOSE, POTASSIUM],
      }),
    ]);
    expect(acks.map((a) => a.code)).toEqual(['AA']);
    const warnings = item('S1005').getByRole('list', { name: 'Warnings' });
    await expect
      .poll(async () => (await warnings.getByRole('listitem').allTextContents()).join('\n'), SOON)
      .toBe(
        [
          `Patient ${CAROL.mrn} is not in the directory (no ADT yet): results will be held until the EHR sends the patient.`,
          `${POTASSIUM.code} ${POTASSIUM.display}: no analyzer does this test on SER`,
        ].join('\n'),
      );
    // An order of a registered patient whose every test some analyzer does has none.
    expect(await item('S1004').getByRole('list', { name: 'Warnings' }).isHidden()).toBe(true);

    // The analyzer runs it; the gateway holds the result (no such patient yet), and the order says so, with the reading.
    const line = analyzerLine('S1005', 'Chemistry analyzer 2');
    await expect.poll(() => line.textContent(), { timeout: 20_000 }).toMatch(/Sent to Chemistry analyzer 2/);
    await sendGlucose(1005, CAROL, '99');
    await expect.poll(() => line.textContent(), { timeout: 20_000 }).toContain("result held: unknown patient ID: the order's patient is not in the directory");
    expect(await line.getByRole('link', { name: 'Held result' }).getAttribute('href')).toMatch(/^#\/live\?q=./);
    await noAxeViolations();
  });
});
