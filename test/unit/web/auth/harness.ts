// A real fastify app with the auth module in an /api scope, a temp data dir, and a logger that keeps
// every line so tests can check what was (not) logged.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import type { Logger, LogFn } from '../../../../src/model/logger.ts';
import { actor } from '../../../../src/web/auth.ts';
import { createAuth, type Auth } from '../../../../src/web/auth/index.ts';
import type { SessionLimits } from '../../../../src/web/auth/sessions.ts';

export const API_TOKEN = 'test-api-token-0123456789abcdef';

export interface Harness {
  app: FastifyInstance;
  auth: Auth;
  dir: string;
  logs: string[];
  close(): Promise<void>;
}

export function recordingLogger(lines: string[]): Logger {
  const fn: LogFn = (a: object | string, b?: string) => {
    lines.push(typeof a === 'string' ? a : `${JSON.stringify(a)} ${b ?? ''}`);
  };
  const log: Logger = { error: fn, warn: fn, info: fn, debug: fn, child: () => log };
  return log;
}

export async function startHarness(opts: { now?: () => Date; dir?: string; sessionLimits?: SessionLimits; trustProxy?: boolean } = {}): Promise<Harness> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'medgate-auth-')));
  const logs: string[] = [];
  const auth = await createAuth({
    dataDir: dir,
    apiToken: API_TOKEN,
    log: recordingLogger(logs),
    ...(opts.now ? { now: opts.now } : {}),
    ...(opts.sessionLimits ? { sessionLimits: opts.sessionLimits } : {}),
  });
  // Same ajv options as src/web/server.ts.
  const app = Fastify({
    trustProxy: opts.trustProxy ?? false,
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array', useDefaults: true } },
  });
  app.register(
    async (scope) => {
      auth.guard(scope);
      await auth.routes(scope, { demo: true });
      // Stand-ins for the gateway's routes: undeclared GET and POST, and a staff change.
      scope.get('/things', async (request) => ({ who: actor(request) }));
      scope.post('/things', async (request) => ({ who: actor(request) }));
      scope.post('/bind', { config: { access: 'staff' } }, async (request) => ({ who: actor(request) }));
    },
    { prefix: '/api' },
  );
  await app.ready();
  return {
    app,
    auth,
    dir,
    logs,
    async close() {
      await app.close();
      await auth.close();
      if (!opts.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The `name=value` of the session cookie a response sets. */
export function sessionCookieOf(res: LightMyRequestResponse): string {
  const header = res.headers['set-cookie'];
  const line = (Array.isArray(header) ? header : [header ?? '']).find((l) => l.startsWith('medgate_session='));
  if (!line) throw new Error(`no session cookie in ${JSON.stringify(header)}`);
  return line.split(';')[0] ?? '';
}

export interface SignedIn {
  cookie: string;
  csrf: string;
}

export async function setupAdmin(h: Harness, name = 'alice', password = 'alice-password-1'): Promise<SignedIn> {
  const token = h.auth.setupToken;
  if (!token) throw new Error('no setup token');
  const res = await h.app.inject({ method: 'POST', url: '/api/setup', payload: { token, name, password } });
  if (res.statusCode !== 200) throw new Error(`setup failed: ${res.statusCode} ${res.body}`);
  return { cookie: sessionCookieOf(res), csrf: res.json<{ csrf: string }>().csrf };
}

export async function signIn(h: Harness, name: string, password: string): Promise<SignedIn> {
  const res = await h.app.inject({ method: 'POST', url: '/api/session', payload: { name, password } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  return { cookie: sessionCookieOf(res), csrf: res.json<{ csrf: string }>().csrf };
}

/** Headers of a change made by a signed-in browser: the cookie and the CSRF token. */
export function as(user: SignedIn): Record<string, string> {
  return { cookie: user.cookie, 'x-csrf-token': user.csrf };
}

export const bearer = { authorization: `Bearer ${API_TOKEN}` };
