// Wrong bearer tokens from one address are slowed (429) without slowing anyone else (issue 13).

import { afterEach, describe, expect, it } from 'vitest';
import { API_TOKEN, type Harness, startHarness } from './harness.ts';

let h: Harness;
afterEach(async () => h?.close());

function call(token: string, ip: string) {
  return h.app.inject({ method: 'GET', url: '/api/things', headers: { authorization: `Bearer ${token}` }, remoteAddress: ip });
}

describe('bearer token guesses', () => {
  it('after 10 wrong tokens an address gets 429 with Retry-After, even with the right token; other addresses are not affected', async () => {
    let now = new Date('2026-03-01T08:00:00Z');
    h = await startHarness({ now: () => now });
    for (let i = 0; i < 10; i++) expect((await call(`guess-${i}`.padEnd(40, 'x'), '10.0.0.66')).statusCode).toBe(401);
    const limited = await call(API_TOKEN, '10.0.0.66');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('900');
    expect((await call(API_TOKEN, '10.0.0.8')).statusCode).toBe(200);
    now = new Date(now.getTime() + 15 * 60_000 + 1);
    expect((await call(API_TOKEN, '10.0.0.66')).statusCode).toBe(200);
  });
});
