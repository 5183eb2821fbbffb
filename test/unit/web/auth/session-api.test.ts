// Setup, sign-in, session, CSRF, roles and the bearer token, through a real fastify instance.

import { afterEach, describe, expect, it } from 'vitest';
import type { SessionView } from '../../../../src/web/api-types.ts';
import { as, bearer, type Harness, setupAdmin, signIn, startHarness } from './harness.ts';

let h: Harness;
afterEach(async () => h?.close());

describe('first-admin setup', () => {
  it('needs the one-time token, signs the admin in, and is closed after (409)', async () => {
    h = await startHarness();
    const token = h.auth.setupToken;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const before = await h.app.inject({ method: 'GET', url: '/api/session' });
    expect(before.json()).toEqual({ user: null, setupRequired: true, demo: true });

    const wrong = await h.app.inject({ method: 'POST', url: '/api/setup', payload: { token: 'x'.repeat(43), name: 'alice', password: 'alice-password-1' } });
    expect(wrong.statusCode).toBe(403);

    const weak = await h.app.inject({ method: 'POST', url: '/api/setup', payload: { token, name: 'alice', password: 'short' } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().message).toMatch(/at least 10/);

    const ok = await h.app.inject({ method: 'POST', url: '/api/setup', payload: { token, name: 'Alice', password: 'alice-password-1' } });
    expect(ok.statusCode).toBe(200);
    const view = ok.json<SessionView>();
    expect(view.user).toEqual({ name: 'alice', role: 'admin' });
    expect(view.setupRequired).toBe(false);
    expect(view.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(h.auth.setupToken).toBeUndefined();

    const again = await h.app.inject({ method: 'POST', url: '/api/setup', payload: { token, name: 'mallory', password: 'mallory-password' } });
    expect(again.statusCode).toBe(409);
    const users = await h.app.inject({ method: 'GET', url: '/api/users', headers: bearer });
    expect(users.json().users.map((u: { name: string }) => u.name)).toEqual(['alice']);
  });

  it('gives a new token at each start while no user exists, and none once one does', async () => {
    const first = await startHarness();
    const dir = first.dir;
    const token1 = first.auth.setupToken;
    await first.app.close();
    await first.auth.close();
    h = await startHarness({ dir });
    expect(h.auth.setupToken).toBeDefined();
    expect(h.auth.setupToken).not.toBe(token1);
    await setupAdmin(h);
    await h.app.close();
    await h.auth.close();
    h = await startHarness({ dir });
    expect(h.auth.setupToken).toBeUndefined();
    // The admin survived the restart (the users file is on disk); the session did not.
    await signIn(h, 'alice', 'alice-password-1');
  });
});

describe('sign-in and session', () => {
  it('sets an HttpOnly, SameSite=Strict cookie on Path=/, Secure only over https', async () => {
    h = await startHarness();
    await setupAdmin(h);
    const res = await h.app.inject({ method: 'POST', url: '/api/session', payload: { name: 'alice', password: 'alice-password-1' } });
    expect(res.statusCode).toBe(200);
    const line = String(res.headers['set-cookie']);
    expect(line).toMatch(/^medgate_session=[A-Za-z0-9_-]{43}; /);
    expect(line).toContain('HttpOnly');
    expect(line).toContain('SameSite=Strict');
    expect(line).toContain('Path=/');
    expect(line).not.toContain('Secure');

    // Behind a TLS-terminating proxy that fastify trusts, the request counts as https.
    const viaProxy = await startHarness({ trustProxy: true });
    try {
      const headers = { 'x-forwarded-proto': 'https' };
      const secure = await viaProxy.app.inject({
        method: 'POST',
        url: '/api/setup',
        headers,
        payload: { token: viaProxy.auth.setupToken, name: 'bob', password: 'bob-password-1' },
      });
      expect(String(secure.headers['set-cookie'])).toContain('; Secure');
      const plain = await viaProxy.app.inject({ method: 'POST', url: '/api/session', payload: { name: 'bob', password: 'bob-password-1' } });
      expect(String(plain.headers['set-cookie'])).not.toContain('Secure');
    } finally {
      await viaProxy.close();
    }
  });

  it('GET /session tells who is signed in and the CSRF token', async () => {
    h = await startHarness();
    const alice = await setupAdmin(h);
    const res = await h.app.inject({ method: 'GET', url: '/api/session', headers: { cookie: alice.cookie } });
    expect(res.json()).toEqual({ user: { name: 'alice', role: 'admin' }, csrf: alice.csrf, setupRequired: false, demo: true });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('refuses a wrong password and an unknown name alike (401)', async () => {
    h = await startHarness();
    await setupAdmin(h);
    for (const payload of [
      { name: 'alice', password: 'wrong-password' },
      { name: 'nobody', password: 'alice-password-1' },
    ]) {
      const res = await h.app.inject({ method: 'POST', url: '/api/session', payload });
      expect(res.statusCode).toBe(401);
      expect(res.json().message).toBe('wrong user name or password');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('without a session the API answers 401 with the sign-in hint', async () => {
    h = await startHarness();
    await setupAdmin(h);
    for (const [method, url] of [
      ['GET', '/api/things'],
      ['POST', '/api/things'],
      ['GET', '/api/users'],
    ] as const) {
      const res = await h.app.inject({ method, url, headers: { cookie: 'medgate_session=not-a-session' } });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'sign in first, or send Authorization: Bearer <token>' });
      expect(res.headers['www-authenticate']).toBeUndefined();
    }
  });

  it('refuses a form post to sign-in (415): only JSON bodies', async () => {
    h = await startHarness();
    await setupAdmin(h);
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'name=alice&password=alice-password-1',
    });
    expect(res.statusCode).toBe(415);
  });

  it('signing out ends the session and clears the cookie; it needs the CSRF token', async () => {
    h = await startHarness();
    const alice = await setupAdmin(h);
    const forged = await h.app.inject({ method: 'DELETE', url: '/api/session', headers: { cookie: alice.cookie } });
    expect(forged.statusCode).toBe(403);
    const out = await h.app.inject({ method: 'DELETE', url: '/api/session', headers: as(alice) });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^medgate_session=; .*Max-Age=0/);
    const after = await h.app.inject({ method: 'GET', url: '/api/things', headers: { cookie: alice.cookie } });
    expect(after.statusCode).toBe(401);
  });

  it('ends a session after 60 idle minutes (injected clock), not while it is used', async () => {
    let now = new Date('2026-03-01T08:00:00Z');
    h = await startHarness({ now: () => now });
    const alice = await setupAdmin(h);
    const minutes = (n: number) => (now = new Date(now.getTime() + n * 60_000));
    minutes(50);
    expect((await h.app.inject({ method: 'GET', url: '/api/things', headers: { cookie: alice.cookie } })).statusCode).toBe(200);
    minutes(50);
    expect((await h.app.inject({ method: 'GET', url: '/api/things', headers: { cookie: alice.cookie } })).statusCode).toBe(200);
    minutes(61);
    expect((await h.app.inject({ method: 'GET', url: '/api/things', headers: { cookie: alice.cookie } })).statusCode).toBe(401);
    const view = await h.app.inject({ method: 'GET', url: '/api/session', headers: { cookie: alice.cookie } });
    expect(view.json().user).toBeNull();
  });

  it('does not count the page refreshing itself as activity', async () => {
    let now = new Date('2026-03-01T08:00:00Z');
    h = await startHarness({ now: () => now });
    const alice = await setupAdmin(h);
    const minutes = (n: number) => (now = new Date(now.getTime() + n * 60_000));
    const poll = () => h.app.inject({ method: 'GET', url: '/api/things', headers: { cookie: alice.cookie, 'x-medgate-background': '1' } });
    for (let i = 0; i < 5; i++) {
      minutes(10);
      expect((await poll()).statusCode).toBe(200);
    }
    minutes(11);
    expect((await poll()).statusCode).toBe(401);
  });

  it('changing your own password ends your other sessions and keeps this one', async () => {
    h = await startHarness();
    const here = await setupAdmin(h);
    const there = await signIn(h, 'alice', 'alice-password-1');
    const wrong = await h.app.inject({
      method: 'PUT',
      url: '/api/session/password',
      headers: as(here),
      payload: { current: 'not-my-password', password: 'a-new-password-2' },
    });
    expect(wrong.statusCode).toBe(403);
    const ok = await h.app.inject({
      method: 'PUT',
      url: '/api/session/password',
      headers: as(here),
      payload: { current: 'alice-password-1', password: 'a-new-password-2' },
    });
    expect(ok.statusCode).toBe(204);
    expect((await h.app.inject({ method: 'GET', url: '/api/things', headers: { cookie: here.cookie } })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/api/things', headers: { cookie: there.cookie } })).statusCode).toBe(401);
    await signIn(h, 'alice', 'a-new-password-2');
  });
});

describe('CSRF', () => {
  it('a change with the cookie but without the CSRF token is 403; with it, it passes', async () => {
    h = await startHarness();
    const alice = await setupAdmin(h);
    const without = await h.app.inject({ method: 'POST', url: '/api/things', headers: { cookie: alice.cookie } });
    expect(without.statusCode).toBe(403);
    expect(without.json().message).toBe('missing or wrong CSRF token: send the x-csrf-token header from GET /api/session');
    const wrong = await h.app.inject({ method: 'POST', url: '/api/things', headers: { cookie: alice.cookie, 'x-csrf-token': 'A'.repeat(43) } });
    expect(wrong.statusCode).toBe(403);
    const withIt = await h.app.inject({ method: 'POST', url: '/api/things', headers: as(alice) });
    expect(withIt.statusCode).toBe(200);
    expect(withIt.json()).toEqual({ who: 'alice' });
  });

  it("one session's CSRF token does not work for another session", async () => {
    h = await startHarness();
    const one = await setupAdmin(h);
    const two = await signIn(h, 'alice', 'alice-password-1');
    expect(two.csrf).not.toBe(one.csrf);
    const res = await h.app.inject({ method: 'POST', url: '/api/things', headers: { cookie: two.cookie, 'x-csrf-token': one.csrf } });
    expect(res.statusCode).toBe(403);
  });
});

describe('bearer token', () => {
  it('acts as admin without CSRF, and the audit name is api-token', async () => {
    h = await startHarness();
    const res = await h.app.inject({ method: 'POST', url: '/api/things', headers: bearer });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ who: 'api-token' });
    expect((await h.app.inject({ method: 'GET', url: '/api/users', headers: bearer })).statusCode).toBe(200);
  });

  it('a wrong bearer is 401 with www-authenticate, even with a valid cookie beside it', async () => {
    h = await startHarness();
    const alice = await setupAdmin(h);
    const res = await h.app.inject({ method: 'GET', url: '/api/things', headers: { ...as(alice), authorization: 'Bearer wrong-token' } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="medgate"');
  });

  it('decides over a cookie: a staff cookie plus the bearer acts as admin', async () => {
    h = await startHarness();
    const alice = await setupAdmin(h);
    await h.app.inject({ method: 'POST', url: '/api/users', headers: as(alice), payload: { name: 'sam', password: 'sam-password-1', role: 'staff' } });
    const sam = await signIn(h, 'sam', 'sam-password-1');
    const res = await h.app.inject({ method: 'POST', url: '/api/things', headers: { cookie: sam.cookie, ...bearer } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ who: 'api-token' });
  });
});

describe('roles', () => {
  it('staff may read and use staff routes, not admin ones; an undeclared POST needs admin', async () => {
    h = await startHarness();
    const alice = await setupAdmin(h);
    const created = await h.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: as(alice),
      payload: { name: 'sam', password: 'sam-password-1', role: 'staff' },
    });
    expect(created.statusCode).toBe(201);
    const sam = await signIn(h, 'sam', 'sam-password-1');

    expect((await h.app.inject({ method: 'GET', url: '/api/things', headers: { cookie: sam.cookie } })).statusCode).toBe(200);
    const bind = await h.app.inject({ method: 'POST', url: '/api/bind', headers: as(sam) });
    expect(bind.statusCode).toBe(200);
    expect(bind.json()).toEqual({ who: 'sam' });

    const undeclared = await h.app.inject({ method: 'POST', url: '/api/things', headers: as(sam) });
    expect(undeclared.statusCode).toBe(403);
    expect(undeclared.json().message).toBe('this needs the admin role');
    const users = await h.app.inject({ method: 'GET', url: '/api/users', headers: { cookie: sam.cookie } });
    expect(users.statusCode).toBe(403);
    const add = await h.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: as(sam),
      payload: { name: 'eve', password: 'eve-password-1', role: 'admin' },
    });
    expect(add.statusCode).toBe(403);
  });

  it('a demotion takes effect on the next request of a live session', async () => {
    h = await startHarness();
    const alice = await setupAdmin(h);
    await h.app.inject({ method: 'POST', url: '/api/users', headers: as(alice), payload: { name: 'bob', password: 'bob-password-1', role: 'admin' } });
    const bob = await signIn(h, 'bob', 'bob-password-1');
    expect((await h.app.inject({ method: 'GET', url: '/api/users', headers: { cookie: bob.cookie } })).statusCode).toBe(200);
    const demote = await h.app.inject({ method: 'PUT', url: '/api/users/bob', headers: as(alice), payload: { role: 'staff' } });
    expect(demote.statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/api/users', headers: { cookie: bob.cookie } })).statusCode).toBe(403);
  });
});
