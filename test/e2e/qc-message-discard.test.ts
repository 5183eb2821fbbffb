// A dead QC message on the Messages page, in headless Chromium against the gateway process: a LIS
// stand-in (its own process, real MLLP, `receives: ['qc']`) refuses the control an ASTM analyzer
// sent (empty P record, O-12 action code Q, ASTM E1394). The message shows "Discard" next to
// "Resend"; the person gives a reason, the message leaves the list and the outbox, and the audit
// journal has the reason.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { MessagesPage } from '../../src/web/api-types.ts';
import { startAnalyzerServer, type AnalyzerServer } from '../support/analyzer-server.ts';
import { axeViolations } from '../support/axe.ts';
import { createFirstAdmin, openBrowser, setupUrlOf, type BrowserSession } from '../support/browser.ts';
import { gatewayConfig } from '../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../support/ehr-standin-client.ts';
import { eventually } from '../support/eventually.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../support/gateway-process.ts';
import { dialledAstmAnalyzer } from '../support/orders-rig.ts';
import { awaitQcEntries } from '../support/qc-api.ts';
import { astmSpecimen, hoursAgo, transmit } from '../support/qc-wire.ts';

const ADMIN = { name: 'lab.lead', password: 'qc-discard-lead-2026' };
const SOON = { timeout: 10_000 };

let ehr: EhrStandin;
let lis: EhrStandin;
let analyzer: AnalyzerServer;
let gw: GatewayProcess;
let browser: BrowserSession;
let page: Page;

beforeAll(async () => {
  ehr = await startEhrStandin();
  lis = await startEhrStandin();
  await lis.setMode('AR');
  analyzer = await startAnalyzerServer();
  const dir = tempDir();
  const config = gatewayConfig(dir, ehr.port, [dialledAstmAnalyzer('chem-1', analyzer.port)]);
  config.destinations.push({ id: 'lis', type: 'mllp', host: '127.0.0.1', port: lis.port, receives: ['qc'], retry: { initialMs: 100, maxMs: 400 } });
  gw = await startGatewayProcess(config, { dir });
  const link = await analyzer.link();
  await transmit(link, astmSpecimen({ specimen: 'QC-LOT-4714', results: { GLU: '5.66' }, unit: 'mmol/l', action: 'Q', at: hoursAgo(1) }));
  await awaitQcEntries(gw, { device: 'chem-1', test: 'GLU' }, 1);
  browser = await openBrowser();
  page = browser.page;
  await createFirstAdmin(page, await setupUrlOf(gw), ADMIN);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gw?.stop();
  await analyzer?.close();
  await lis?.stop();
  await ehr?.stop();
});

const deadAtLis = async () => (await gw.api<MessagesPage>('GET', '/api/messages?destination=lis&state=dead')).body.messages;

describe('a dead QC message on the Messages page', { timeout: 120_000 }, () => {
  it('is discarded with a reason: gone from the list and the outbox, kept in the audit journal', async () => {
    const [dead] = await eventually(async () => {
      const m = await deadAtLis();
      expect(m.map((x) => x.kind)).toEqual(['qc']);
      return m;
    }, 15_000);
    await page.goto(`${gw.url}/#/messages?destination=lis&id=${encodeURIComponent(dead!.id)}`);
    const details = page.getByRole('region', { name: 'Message details' });
    await details.getByRole('button', { name: 'Resend' }).waitFor(SOON);
    const discard = details.getByRole('button', { name: 'Discard', exact: true });
    expect(await discard.isVisible()).toBe(true);
    expect(await axeViolations(page)).toEqual([]);

    await discard.click();
    const dialog = page.getByRole('dialog', { name: 'Discard this QC message?' });
    await dialog.waitFor(SOON);
    // A reason is required.
    await dialog.getByRole('button', { name: 'Discard message' }).click();
    expect(await dialog.getByRole('textbox', { name: 'Reason' }).getAttribute('aria-invalid')).toBe('true');
    await dialog.getByRole('textbox', { name: 'Reason' }).fill('the LIS does not know this lot');
    await dialog.getByRole('button', { name: 'Discard message' }).click();
    await dialog.waitFor({ state: 'detached', ...SOON });
    await page.getByRole('button', { name: dead!.controlId }).waitFor({ state: 'detached', ...SOON });
    expect(await details.isHidden()).toBe(true);

    expect(await deadAtLis()).toEqual([]);
    expect((await gw.api('GET', `/api/messages/${dead!.id}`)).status).toBe(404);
    const trail = (await gw.api<{ audit: Array<{ action: string; who: string; device?: string; reason?: string }> }>('GET', '/api/audit?action=discard')).body
      .audit;
    expect(trail).toEqual([expect.objectContaining({ who: ADMIN.name, device: 'chem-1', reason: expect.stringMatching(/the LIS does not know this lot$/) })]);
  });
});
