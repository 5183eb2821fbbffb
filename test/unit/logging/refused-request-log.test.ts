// Issue 13, "refused API requests log their URL with patient search terms": the gateway's own web
// server (routes, auth guard, error handler) with a real logger at info level. A refused request is
// logged with its method and route pattern, never its URL (query or path parameters) nor a message
// that quotes what was sent.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logging.ts';
import type { GatewayApi } from '../../../src/web/api-types.ts';
import { createAuth, type Auth } from '../../../src/web/auth/index.ts';
import { buildWebServer } from '../../../src/web/server.ts';

const TOKEN = 'log-test-token-0123456789abcdef-0123456789';
const bearer = { authorization: `Bearer ${TOKEN}` };

let app: FastifyInstance;
let auth: Auth;
let dir: string;
const lines: string[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'medgate-request-log-'));
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line !== '') lines.push(line);
      done();
    },
  });
  const logger = createLogger({ level: 'info', pretty: false, destination });
  auth = await createAuth({ dataDir: dir, apiToken: TOKEN, log: logger });
  // Only what these requests reach; a route they should not reach fails loudly.
  const api = new Proxy({ searchPatients: () => [] } as Partial<GatewayApi>, {
    get: (target, key: string) => target[key as keyof GatewayApi] ?? (() => Promise.reject(new Error(`api.${key} not expected here`))),
  }) as GatewayApi;
  app = buildWebServer({ api, auth, page: { html: '', js: '', css: '' }, demo: false, logger, startedAt: new Date() });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  await auth.close();
  await rm(dir, { recursive: true, force: true });
});

/** Lines written since `from`, parsed. */
const since = (from: number): Array<Record<string, unknown>> => lines.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>);

describe('refused API requests in the log (issue 13)', () => {
  it('a 4xx on a patient search logs the route, not the search term', async () => {
    const from = lines.length;
    const res = await app.inject({ method: 'GET', url: '/api/patients/search?q=Doe&limit=0', headers: bearer });
    expect(res.statusCode).toBe(400);
    const logged = since(from);
    expect(JSON.stringify(logged)).not.toContain('Doe');
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 40, msg: 'API call rejected', method: 'GET', route: '/api/patients/search', status: 400, code: 'FST_ERR_VALIDATION' }),
    );
  });

  it('a wrong bearer token on a patient search logs the route, not the search term', async () => {
    const from = lines.length;
    const res = await app.inject({
      method: 'GET',
      url: '/api/patients/search?q=Doe',
      headers: { authorization: 'Bearer wrong-token-0123456789abcdef-0123456789' },
    });
    expect(res.statusCode).toBe(401);
    const logged = since(from);
    expect(JSON.stringify(logged)).not.toContain('Doe');
    expect(logged).toContainEqual(expect.objectContaining({ level: 40, route: '/api/patients/search' }));
  });

  it('a body that is not JSON: its text (quoted by the parser) and the path parameters stay out of the log', async () => {
    const from = lines.length;
    const res = await app.inject({
      method: 'POST',
      url: '/api/readings/R-MRN9471/assign',
      headers: { ...bearer, 'content-type': 'application/json' },
      payload: '{"family": Doe, "mrn": "MRN9471"}',
    });
    expect(res.statusCode).toBe(400);
    const logged = since(from);
    expect(JSON.stringify(logged)).not.toMatch(/Doe|MRN9471/);
    expect(logged).toContainEqual(expect.objectContaining({ level: 40, msg: 'API call rejected', route: '/api/readings/:id/assign' }));
  });
});
