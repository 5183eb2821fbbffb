// The orders routes on the gateway's own web server (routes, auth guard, CSRF, error handler), backed
// by a real orders service on a real patient directory: the list with its filters and counts, one
// order by its key, and a rejected download sent again by a signed-in person.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInbound } from '../../../src/inbound/parse.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import type { DownloadOutcome } from '../../../src/model/work-order.ts';
import type { OrdersPage, OrderView } from '../../../src/orders/order-view.ts';
import { OrdersService } from '../../../src/orders/orders-service.ts';
import { directoryFile, PatientDirectoryStore } from '../../../src/patients/directory.ts';
import { createAuth, type Auth } from '../../../src/web/auth/index.ts';
import { partialApiServer } from '../../support/partial-api-server.ts';
import { eventually } from '../../support/eventually.ts';
import { hl7, seg } from '../inbound/fixtures.ts';

const TOKEN = 'orders-test-token-0123456789abcdef-0123456789';
const bearer = { authorization: `Bearer ${TOKEN}` };

let app: FastifyInstance;
let auth: Auth;
let dir: string;
let directory: PatientDirectoryStore;
let service: OrdersService;
let answer: DownloadOutcome = { outcome: 'rejected', reason: 'test GLU is not set up' };
const resends: string[] = [];

function order(n: string, tests: string[]): string {
  return hl7(
    `MSH|^~\\&|EPIC|C|MEDGATE|C|20261206||OML^O21|X${n}|P|2.5.1`,
    `PID|1||MRN${n}^^^C^MR||DOE^JANE${n}`,
    seg('ORC', { 1: 'NW', 2: `PL${n}` }),
    ...tests.map((t, i) => seg('OBR', { 1: String(i + 1), 2: `PL${n}`, 4: `${t}^^LN` })),
    seg('SPM', { 1: '1', 2: `SP${n}`, 4: 'SER' }),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'medgate-orders-routes-'));
  directory = await PatientDirectoryStore.open(directoryFile(dir), { pruneIntervalMs: 0 });
  service = await OrdersService.open({
    dataDir: dir,
    directory,
    devices: () => [
      { id: 'chem', label: 'Chemistry', orders: { mode: 'download' }, capabilities: { query: false, download: true }, codeMap: { GLU: { loinc: '2345-7' } } },
    ],
    download: async () => answer,
    audit: { record: async () => undefined },
    reconcileEveryMs: 0,
  });
  service.start();
  for (const text of [order('1', ['2345-7']), order('2', ['4548-4'])]) {
    const parsed = parseInbound(text);
    if (!parsed.ok) throw new Error(parsed.reason);
    await directory.applyDurably(parsed.event);
    service.inboundApplied(parsed.event);
  }
  await eventually(() => expect(service.list({ state: 'rejected' }).total).toBe(1));

  auth = await createAuth({ dataDir: dir, apiToken: TOKEN, log: silentLogger });
  app = await partialApiServer(
    {
      orders: (q) => service.list(q),
      order: (key) => service.get(key),
      resendOrder: async (who, key, device) => {
        const view = await service.resend(who, key, device);
        resends.push(who);
        return view;
      },
    },
    auth,
  );
});

afterAll(async () => {
  await app.close();
  await auth.close();
  await service.close();
  await directory.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/orders', () => {
  it('lists the orders newest first with where each stands, and counts per state', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/orders', headers: bearer });
    expect(res.statusCode).toBe(200);
    const page = res.json<OrdersPage>();
    expect(page.total).toBe(2);
    expect(page.counts).toEqual({ rejected: 1, 'not-sent': 1 });
    expect(page.orders.map((o) => [o.placer, o.devices.map((d) => `${d.device}:${d.state}`)])).toEqual([
      ['PL2', ['chem:not-sent']],
      ['PL1', ['chem:rejected']],
    ]);
    expect(page.orders[0]!.devices[0]).toMatchObject({ deviceLabel: 'Chemistry', reason: 'none of the ordered tests (4548-4) is done by this analyzer' });
    // Added beside the per-analyzer states (none removed): where each order stands as a whole, and the tests nobody runs.
    expect(page.orders.map((o) => [o.state, o.notDone?.map((t) => t.code)])).toEqual([
      ['not-sent', ['4548-4']],
      ['rejected', undefined],
    ]);
    expect(page.all).toBe(2);
  });

  it('filters by state, device and placer, filler, specimen ID or MRN, and refuses a state that is none', async () => {
    const placers = async (query: string) =>
      (await app.inject({ method: 'GET', url: `/api/orders?${query}`, headers: bearer })).json<OrdersPage>().orders.map((o) => o.placer);
    expect(await placers('state=rejected')).toEqual(['PL1']);
    expect(await placers('state=rejected&device=other')).toEqual([]);
    expect(await placers('q=SP2')).toEqual(['PL2']);
    expect(await placers('q=MRN1')).toEqual(['PL1']);
    expect(await placers('limit=1')).toEqual(['PL2']);
    expect((await app.inject({ method: 'GET', url: '/api/orders?state=lost', headers: bearer })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/api/orders' })).statusCode).toBe(401);
  });
});

describe('GET /api/orders/:key', () => {
  it('gives one order with its story, by the key the list gives; 404 for none', async () => {
    const res = await app.inject({ method: 'GET', url: `/api/orders/${encodeURIComponent('P|PL1')}`, headers: bearer });
    expect(res.statusCode).toBe(200);
    const { order: view } = res.json<{ order: OrderView }>();
    expect(view).toMatchObject({
      key: 'P|PL1',
      placer: 'PL1',
      specimenIds: ['SP1'],
      specimenType: 'SER',
      mrn: 'MRN1',
      patientName: 'DOE, JANE1',
      status: 'open',
    });
    expect(view.events.map((e) => e.what)).toEqual(['received', 'queued', 'rejected']);
    expect((await app.inject({ method: 'GET', url: '/api/orders/P%7CNOPE', headers: bearer })).statusCode).toBe(404);
  });
});

describe('POST /api/orders/:key/devices/:device/resend', () => {
  it('needs a signed-in person with the CSRF token; 409 when the download was not rejected; sends it again', async () => {
    const setup = await app.inject({ method: 'POST', url: '/api/setup', payload: { token: auth.setupToken, name: 'mia', password: 'mia-password-123' } });
    expect(setup.statusCode).toBe(200);
    const cookie = (setup.headers['set-cookie'] as string | string[] | undefined)?.toString().split(';')[0] ?? '';
    const csrf = setup.json<{ csrf: string }>().csrf;
    const url = `/api/orders/${encodeURIComponent('P|PL1')}/devices/chem/resend`;

    expect((await app.inject({ method: 'POST', url, headers: { cookie } })).statusCode).toBe(403);
    const notRejected = await app.inject({
      method: 'POST',
      url: `/api/orders/${encodeURIComponent('P|PL2')}/devices/chem/resend`,
      headers: { cookie, 'x-csrf-token': csrf },
    });
    expect(notRejected.statusCode).toBe(409);
    expect(notRejected.json<{ message: string }>().message).toMatch(/only a rejected download can be sent again/);

    answer = { outcome: 'accepted' };
    const res = await app.inject({ method: 'POST', url, headers: { cookie, 'x-csrf-token': csrf } });
    expect(res.statusCode).toBe(200);
    // Queued again; the analyzer may have taken it before the answer left.
    expect(['waiting', 'sent']).toContain(res.json<{ order: OrderView }>().order.devices[0]!.state);
    expect(resends).toEqual(['mia']);
    await eventually(() => expect(service.get('P|PL1').devices[0]!.state).toBe('sent'));
  });
});
