// The QC routes on the gateway's own web server (routes, auth guard, CSRF, schemas, error handler),
// backed by a small QC service standing in for src/qc/qc-service.ts: the log with its filters and a
// bad parameter named, the overview, one rejection, and a review by the signed-in person with the
// role the configuration asks for (the service's 403 reaches the caller in words).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/model/logger.ts';
import { RequestError } from '../../../src/model/request-error.ts';
import type { QcApi, QcReviewer } from '../../../src/qc/qc-api.ts';
import type { QcEntryView, QcOverview, QcPage, QcQuery, QcRejectionView, QcReviewBody } from '../../../src/qc/qc-view.ts';
import { createAuth, type Auth } from '../../../src/web/auth/index.ts';
import { partialApiServer } from '../../support/partial-api-server.ts';

const TOKEN = 'qc-routes-test-token-0123456789abcdef-01234567';
const bearer = { authorization: `Bearer ${TOKEN}` };

const entry = (id: string, over: Partial<QcEntryView> = {}): QcEntryView => ({
  id,
  device: 'chem',
  deviceLabel: 'Chemistry',
  test: 'GLU',
  lot: 'QC-LOT-4711',
  level: '1',
  value: 5.42,
  unit: 'mmol/L',
  time: '2026-12-06T08:00:00.000Z',
  receivedAt: '2026-12-06T08:00:01.000Z',
  role: 'control',
  marker: 'ASTM O-12 Q',
  target: { mean: 5.5, sd: 0.15, unit: 'mmol/L', source: 'configured' },
  z: -0.53,
  status: 'accepted',
  rules: [],
  ...over,
});

const ENTRIES = [
  entry('e3', {
    time: '2026-12-06T10:00:00.000Z',
    value: 6.1,
    z: 4,
    status: 'rejected',
    rules: [{ rule: '1-3s', outcome: 'rejection', scope: 'point', with: [] }],
    rejection: 'r1',
  }),
  entry('e2', { time: '2026-12-06T09:00:00.000Z', test: 'CREA', value: 'see comment', unit: undefined, status: 'not-judged', notJudged: 'a text value' }),
  entry('e1', { lot: 'QC-LOT-4712', level: '2' }),
];

const REJECTION: QcRejectionView = {
  id: 'r1',
  device: 'chem',
  deviceLabel: 'Chemistry',
  test: 'GLU',
  lot: 'QC-LOT-4711',
  rules: ['1-3s'],
  entry: 'e3',
  at: '2026-12-06T10:00:00.000Z',
  holds: true,
  held: 2,
};

/** Stands in for the QC service: filters like it, and refuses a reviewer below `reviewRole` as it does. */
class FakeQc implements QcApi {
  reviewRole: 'admin' | 'staff' = 'admin';
  readonly queries: QcQuery[] = [];
  readonly reviews: Array<{ who: QcReviewer; id: string; body: QcReviewBody }> = [];
  #reviewed: QcRejectionView | undefined;

  list(query: QcQuery): QcPage {
    this.queries.push(query);
    const hits = ENTRIES.filter(
      (e) => (!query.device || e.device === query.device) && (!query.test || e.test === query.test) && (!query.lot || e.lot === query.lot),
    );
    return { entries: hits.slice(0, query.limit ?? 100) };
  }
  overview(): QcOverview {
    return {
      series: [{ device: 'chem', test: 'GLU', lot: 'QC-LOT-4711', runs: 2, target: ENTRIES[0]!.target, last: ENTRIES[0], openRejection: 'r1' }],
      rejections: [this.#reviewed ?? REJECTION],
      reviewRole: 'admin',
    };
  }
  rejection(id: string): QcRejectionView {
    if (id !== 'r1') throw new RequestError(404, `no QC rejection "${id}"`);
    return this.#reviewed ?? REJECTION;
  }
  async review(who: QcReviewer, id: string, body: QcReviewBody): Promise<QcRejectionView> {
    if (this.reviewRole === 'admin' && who.role !== 'admin') throw new RequestError(403, 'reviewing QC needs the admin role (qc.reviewRole)');
    const r = this.rejection(id);
    if (r.review) throw new RequestError(409, `QC rejection "${id}" was reviewed already`);
    this.reviews.push({ who, id, body });
    this.#reviewed = { ...r, held: 0, review: { by: who.name, at: '2026-12-06T11:00:00.000Z', action: body.action, released: body.release ? 2 : 0 } };
    return this.#reviewed;
  }
  problems() {
    return [];
  }
  reset(): void {
    this.#reviewed = undefined;
    this.reviews.length = 0;
    this.queries.length = 0;
    this.reviewRole = 'admin';
  }
}

let app: FastifyInstance;
let auth: Auth;
let dir: string;
const qc = new FakeQc();
let admin: { cookie: string; csrf: string };
let staff: { cookie: string; csrf: string };

function sessionOf(res: { statusCode: number; headers: Record<string, unknown>; json<T>(): T }): { cookie: string; csrf: string } {
  expect(res.statusCode).toBe(200);
  const cookie = String(res.headers['set-cookie'] ?? '').split(';')[0] ?? '';
  return { cookie, csrf: res.json<{ csrf: string }>().csrf };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'medgate-qc-routes-'));
  auth = await createAuth({ dataDir: dir, apiToken: TOKEN, log: silentLogger });
  app = await partialApiServer(
    {
      qcLog: (q) => qc.list(q),
      qcOverview: () => qc.overview(),
      qcRejection: (id) => qc.rejection(id),
      reviewQc: (who, id, body) => qc.review(who, id, body),
    },
    auth,
  );
  admin = sessionOf(await app.inject({ method: 'POST', url: '/api/setup', payload: { token: auth.setupToken, name: 'ada', password: 'ada-password-123' } }));
  const created = await app.inject({
    method: 'POST',
    url: '/api/users',
    headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    payload: { name: 'mia', password: 'mia-password-123', role: 'staff' },
  });
  expect(created.statusCode).toBe(201);
  staff = sessionOf(await app.inject({ method: 'POST', url: '/api/session', payload: { name: 'mia', password: 'mia-password-123' } }));
});

beforeEach(() => qc.reset());

afterAll(async () => {
  await app.close();
  await auth.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (url: string, headers: Record<string, string> = bearer) => app.inject({ method: 'GET', url, headers });

describe('GET /api/qc', () => {
  it('lists the log newest first with every field of an entry, the query as the service takes it', async () => {
    const res = await get('/api/qc?device=chem&test=GLU&lot=QC-LOT-4711&limit=5');
    expect(res.statusCode).toBe(200);
    expect(res.json<QcPage>()).toEqual({ entries: [ENTRIES[0]] });
    expect(qc.queries).toEqual([{ device: 'chem', test: 'GLU', lot: 'QC-LOT-4711', limit: 5 }]);
    // Text values and entries without unit or target come through as they are; the limit defaults.
    const all = (await get('/api/qc')).json<QcPage>();
    expect(all.entries.map((e) => [e.id, e.value, e.status])).toEqual([
      ['e3', 6.1, 'rejected'],
      ['e2', 'see comment', 'not-judged'],
      ['e1', 5.42, 'accepted'],
    ]);
    expect(all.entries[1]).toEqual(ENTRIES[1]);
    expect(qc.queries[1]).toEqual({ limit: 100 });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=5000', 'limit'],
    ['limit=many', 'limit'],
    ['before=yesterday', 'before'],
    ['device=', 'device'],
    ['lott=QC-LOT-4711', 'lott'],
  ])('refuses %s with a 400 naming %s', async (query, name) => {
    const res = await get(`/api/qc?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json<{ message: string }>().message).toContain(name);
    expect(qc.queries).toEqual([]);
  });

  it('needs a signed-in user; staff may read', async () => {
    expect((await get('/api/qc', {})).statusCode).toBe(401);
    expect((await get('/api/qc', { cookie: staff.cookie })).statusCode).toBe(200);
    expect((await get('/api/qc/overview', { cookie: staff.cookie })).statusCode).toBe(200);
  });
});

describe('GET /api/qc/overview and /api/qc/rejections/:id', () => {
  it('gives the series and rejections, and one rejection by its id; 404 for none', async () => {
    const overview = (await get('/api/qc/overview')).json<QcOverview>();
    expect(overview).toEqual(qc.overview());
    const one = await get('/api/qc/rejections/r1');
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual({ rejection: REJECTION });
    const none = await get('/api/qc/rejections/r9');
    expect(none.statusCode).toBe(404);
    expect(none.json<{ message: string }>().message).toBe('no QC rejection "r9"');
  });
});

describe('POST /api/qc/rejections/:id/review', () => {
  const url = '/api/qc/rejections/r1/review';
  const as = (s: { cookie: string; csrf: string }) => ({ cookie: s.cookie, 'x-csrf-token': s.csrf });
  const body = { action: 'new reagent cartridge; control repeated in range', release: true };

  it('records the review as the signed-in person with their role, and answers the reviewed rejection', async () => {
    const res = await app.inject({ method: 'POST', url, headers: as(admin), payload: body });
    expect(res.statusCode).toBe(200);
    expect(res.json<{ rejection: QcRejectionView }>().rejection).toMatchObject({
      id: 'r1',
      held: 0,
      review: { by: 'ada', action: body.action, released: 2 },
    });
    expect(qc.reviews).toEqual([{ who: { name: 'ada', role: 'admin' }, id: 'r1', body }]);
    const again = await app.inject({ method: 'POST', url, headers: as(admin), payload: body });
    expect(again.statusCode).toBe(409);
  });

  it('passes staff on to the service, whose refusal names the role needed; staff may when qc.reviewRole is staff', async () => {
    const refused = await app.inject({ method: 'POST', url, headers: as(staff), payload: body });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ statusCode: 403, error: 'Forbidden', message: 'reviewing QC needs the admin role (qc.reviewRole)' });
    expect(qc.reviews).toEqual([]);
    qc.reviewRole = 'staff';
    const res = await app.inject({ method: 'POST', url, headers: as(staff), payload: { action: 'recalibrated' } });
    expect(res.statusCode).toBe(200);
    expect(qc.reviews).toEqual([{ who: { name: 'mia', role: 'staff' }, id: 'r1', body: { action: 'recalibrated', release: false } }]);
  });

  it('the API token reviews as api-token with the admin role', async () => {
    expect((await app.inject({ method: 'POST', url, headers: bearer, payload: body })).statusCode).toBe(200);
    expect(qc.reviews[0]?.who).toEqual({ name: 'api-token', role: 'admin' });
  });

  it('refuses without the CSRF token, without an action, with an unknown field, for an unknown rejection', async () => {
    expect((await app.inject({ method: 'POST', url, headers: { cookie: admin.cookie }, payload: body })).statusCode).toBe(403);
    for (const payload of [{}, { action: 'ok' }, { ...body, released: true }]) {
      const res = await app.inject({ method: 'POST', url, headers: as(admin), payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    expect((await app.inject({ method: 'POST', url: '/api/qc/rejections/r9/review', headers: as(admin), payload: body })).statusCode).toBe(404);
    expect(qc.reviews).toEqual([]);
  });
});
