// Sessions on a gateway process, as the page gets them: the first administrator through the one-time
// setup link the gateway logs, and a sign-in by name and password.

import { expect } from 'vitest';
import type { GatewayProcess } from './gateway-process.ts';

export interface SignedIn {
  /** `name=value` of the session cookie, for a Cookie header. */
  cookie: string;
  /** For x-csrf-token on changes. */
  csrf: string;
}

async function session(res: Response): Promise<SignedIn> {
  expect(res.status).toBe(200);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  const body = (await res.json()) as { csrf: string };
  return { cookie, csrf: body.csrf };
}

export async function firstAdmin(gw: GatewayProcess, name = 'admin', password = 'correct horse battery'): Promise<SignedIn> {
  const line = await gw.waitForLog((l) => typeof l.setupUrl === 'string', 5000, 'the setup link');
  const token = new URL(String(line.setupUrl).replace('/#/', '/')).searchParams.get('token');
  return session(
    await fetch(`${gw.url}/api/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, name, password }) }),
  );
}

export async function signIn(gw: GatewayProcess, name: string, password: string): Promise<SignedIn> {
  return session(
    await fetch(`${gw.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, password }) }),
  );
}
