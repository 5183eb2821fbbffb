// Failed sign-ins are limited per client IP and per user name at that IP: never per name alone, which
// would let anyone lock a user out.

import { afterEach, describe, expect, it } from 'vitest';
import { as, type Harness, setupAdmin, startHarness } from './harness.ts';

let h: Harness;
afterEach(async () => h?.close());

function attempt(name: string, password: string, ip = '10.0.0.7') {
  return h.app.inject({ method: 'POST', url: '/api/session', payload: { name, password }, remoteAddress: ip });
}

describe('sign-in rate limit', () => {
  it('after 5 wrong passwords even the right one gets 429 with Retry-After, until the window frees up', async () => {
    let now = new Date('2026-03-01T08:00:00Z');
    h = await startHarness({ now: () => now });
    await setupAdmin(h);
    for (let i = 0; i < 5; i++) expect((await attempt('alice', `wrong-password-${i}`)).statusCode).toBe(401);

    const limited = await attempt('alice', 'alice-password-1');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['retry-after']).toBe('900');
    expect(limited.json()).toEqual({ statusCode: 429, error: 'Too Many Requests', message: 'too many failed sign-ins; try again in 900 s' });
    expect(limited.headers['set-cookie']).toBeUndefined();

    now = new Date(now.getTime() + 10 * 60_000);
    expect((await attempt('alice', 'alice-password-1')).headers['retry-after']).toBe('300');
    now = new Date(now.getTime() + 5 * 60_000 + 1);
    expect((await attempt('alice', 'alice-password-1')).statusCode).toBe(200);
  });

  it('guesses from one address do not lock the real user out at another (issue 13)', async () => {
    h = await startHarness();
    await setupAdmin(h);
    for (let i = 0; i < 5; i++) expect((await attempt('alice', `wrong-password-${i}`, '10.0.0.66')).statusCode).toBe(401);
    expect((await attempt('alice', 'alice-password-1', '10.0.0.66')).statusCode).toBe(429);
    expect((await attempt('alice', 'alice-password-1', '10.0.0.8')).statusCode).toBe(200);
  });

  it('limits an address spraying different names, unknown ones included', async () => {
    h = await startHarness();
    await setupAdmin(h);
    for (const name of ['bob', 'carol', 'dave', 'erin', 'frank']) expect((await attempt(name, 'guess-password')).statusCode).toBe(401);
    expect((await attempt('alice', 'alice-password-1')).statusCode).toBe(429);
    expect((await attempt('alice', 'alice-password-1', '10.0.0.99')).statusCode).toBe(200);
  });

  it("a success resets the name's counter", async () => {
    h = await startHarness();
    await setupAdmin(h);
    for (let i = 0; i < 4; i++) await attempt('alice', 'wrong-password', `10.0.1.${i}`);
    expect((await attempt('alice', 'alice-password-1', '10.0.2.1')).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) expect((await attempt('alice', 'wrong-password', `10.0.3.${i}`)).statusCode).toBe(401);
    expect((await attempt('alice', 'alice-password-1', '10.0.2.1')).statusCode).toBe(200);
  });

  it('parallel guesses cannot slip past the limit', async () => {
    h = await startHarness();
    await setupAdmin(h);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => attempt('alice', `wrong-password-${i}`)));
    expect(results.filter((r) => r.statusCode === 401)).toHaveLength(5);
    expect(results.filter((r) => r.statusCode === 429)).toHaveLength(3);
  });

  it('a wrong current password when changing it counts as a failure too', async () => {
    h = await startHarness();
    const alice = await setupAdmin(h);
    for (let i = 0; i < 5; i++) {
      const res = await h.app.inject({
        method: 'PUT',
        url: '/api/session/password',
        headers: as(alice),
        payload: { current: `nope-password-${i}`, password: 'new-password-22' },
      });
      expect(res.statusCode).toBe(403);
    }
    const res = await h.app.inject({
      method: 'PUT',
      url: '/api/session/password',
      headers: as(alice),
      payload: { current: 'alice-password-1', password: 'new-password-22' },
    });
    expect(res.statusCode).toBe(429);
  });
});
