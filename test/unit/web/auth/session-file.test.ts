// Sessions survive a restart of the auth module on the same data folder (sessions.json), keep
// their expiry, and are never stored as cookie values; an old folder without the file starts. A
// session belongs to its account: a users file set up again, or newer than the sessions file, ends
// it; so does a clock set back, and a sign-out is on disk before it is answered.

import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { as, setupAdmin, signIn, startHarness, type Harness, type SignedIn } from './harness.ts';

const MIN = 60_000;
let dir: string;
let open: Harness[] = [];

async function start(now?: () => Date): Promise<Harness> {
  const h = await startHarness({ dir, ...(now ? { now } : {}) });
  open.push(h);
  return h;
}

async function restart(h: Harness, now?: () => Date): Promise<Harness> {
  await h.close();
  open = open.filter((x) => x !== h);
  return start(now);
}

const who = async (h: Harness, user: { cookie: string }) =>
  (await h.app.inject({ method: 'GET', url: '/api/session', headers: { cookie: user.cookie } })).json<{ user: { name: string } | null }>();

/** Alice changes her own password from `user`'s session. */
async function changePassword(h: Harness, user: SignedIn): Promise<void> {
  const res = await h.app.inject({
    method: 'PUT',
    url: '/api/session/password',
    headers: as(user),
    payload: { current: 'alice-password-1', password: 'alice-password-2' },
  });
  expect(res.statusCode).toBeLessThan(300);
}

/** Alice signs in; the auth module restarts with its clock moved by `shiftMs`: is her session still there? */
async function aliveAfterRestart(shiftMs: number): Promise<boolean> {
  dir = await mkdtemp(join(tmpdir(), 'medgate-sessions-'));
  let t = Date.parse('2026-03-01T08:00:00Z');
  const now = () => new Date(t);
  let h = await start(now);
  const alice = await setupAdmin(h);
  t += shiftMs;
  h = await restart(h, now);
  return (await who(h, alice)).user !== null;
}

afterEach(async () => {
  for (const h of open) await h.close();
  open = [];
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('sessions across a restart', () => {
  it('keeps a signed-in session, with the same CSRF token, after the auth module restarts on the same data folder', async () => {
    dir = await mkdtemp(join(tmpdir(), 'medgate-sessions-'));
    let h = await start();
    const alice = await setupAdmin(h);
    h = await restart(h);
    const res = await h.app.inject({ method: 'GET', url: '/api/session', headers: { cookie: alice.cookie } });
    expect(res.json()).toMatchObject({ user: { name: 'alice', role: 'admin' }, csrf: alice.csrf });
    expect((await h.app.inject({ method: 'POST', url: '/api/things', headers: as(alice) })).statusCode).toBe(200);
  });

  it("stores only the hash of the cookie value and no CSRF token (its mode is the data folder's: see the restart test)", async () => {
    dir = await mkdtemp(join(tmpdir(), 'medgate-sessions-'));
    const h = await start();
    const alice = await setupAdmin(h);
    await h.close();
    open = [];
    const file = join(dir, 'sessions.json');
    const text = await readFile(file, 'utf8');
    const cookieValue = alice.cookie.split('=')[1] ?? '';
    expect(cookieValue.length).toBeGreaterThan(20);
    expect(text).not.toContain(cookieValue);
    expect(text).not.toContain(alice.csrf);
    expect(JSON.parse(text)).toEqual({
      version: 1,
      sessions: [
        {
          key: expect.stringMatching(/^[0-9a-f]{64}$/),
          user: 'alice',
          account: { createdAt: expect.any(String), passwordChangedAt: expect.any(String) },
          createdAt: expect.any(Number),
          lastSeenAt: expect.any(Number),
        },
      ],
    });
  });

  it('keeps counting the idle time while the gateway is stopped', async () => {
    expect(await aliveAfterRestart(61 * MIN)).toBe(false);
  });

  it('does not bring back a session that was signed out, or one of a user whose password was changed', async () => {
    dir = await mkdtemp(join(tmpdir(), 'medgate-sessions-'));
    let h = await start();
    const alice = await setupAdmin(h);
    const other = await signIn(h, 'alice', 'alice-password-1');
    const third = await signIn(h, 'alice', 'alice-password-1');
    expect((await h.app.inject({ method: 'DELETE', url: '/api/session', headers: as(alice) })).statusCode).toBeLessThan(300);
    await changePassword(h, other);
    h = await restart(h);
    expect(await who(h, alice)).toMatchObject({ user: null });
    expect(await who(h, third)).toMatchObject({ user: null });
    expect(await who(h, other)).toMatchObject({ user: { name: 'alice' } });
  });

  it('starts on a data folder of an earlier version (no sessions.json) and on a damaged one, with nobody signed in', async () => {
    dir = await mkdtemp(join(tmpdir(), 'medgate-sessions-'));
    let h = await start();
    const alice = await setupAdmin(h);
    await h.close();
    open = [];
    await rm(join(dir, 'sessions.json'));
    h = await start();
    expect(await who(h, alice)).toMatchObject({ user: null });
    const again = await signIn(h, 'alice', 'alice-password-1');
    await h.close();
    open = [];
    await writeFile(join(dir, 'sessions.json'), '{"version":1,"sessions":[{"key":', { mode: 0o600 });
    h = await start();
    expect(await who(h, again)).toMatchObject({ user: null });
    expect(h.logs.some((l) => l.includes('sessions file is damaged'))).toBe(true);
  });
});

describe('a session belongs to its account', () => {
  it('does not come back after the users file was reset offline and the same name set up again', async () => {
    dir = await mkdtemp(join(tmpdir(), 'medgate-sessions-'));
    let t = Date.parse('2026-03-01T08:00:00Z');
    const now = () => new Date(t);
    let h = await start(now);
    const old = await setupAdmin(h);
    await h.close();
    open = [];
    await rm(join(dir, 'users.json'));
    t += MIN;
    h = await start(now);
    // Its user is gone: dropped at start, and from the file.
    expect(JSON.parse(await readFile(join(dir, 'sessions.json'), 'utf8'))).toEqual({ version: 1, sessions: [] });
    const fresh = await setupAdmin(h);
    expect(await who(h, fresh)).toMatchObject({ user: { name: 'alice' } });
    expect(await who(h, old)).toMatchObject({ user: null });
    expect((await h.app.inject({ method: 'POST', url: '/api/things', headers: as(old) })).statusCode).toBe(401);
  });

  it('ends the sessions a newer users file no longer matches (the password changed after the sessions file was written)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'medgate-sessions-'));
    let h = await start();
    await setupAdmin(h);
    const tablet = await signIn(h, 'alice', 'alice-password-1');
    const desk = await signIn(h, 'alice', 'alice-password-1');
    await h.close(); // writes the sessions file with both
    open = [];
    const before = join(dir, 'sessions.before');
    await copyFile(join(dir, 'sessions.json'), before);
    h = await start();
    await changePassword(h, desk);
    expect(await who(h, desk)).toMatchObject({ user: { name: 'alice' } });
    await h.close();
    open = [];
    // As after a crash before the sessions file was written: users.json new, sessions.json old.
    await copyFile(before, join(dir, 'sessions.json'));
    h = await start();
    expect(await who(h, tablet)).toMatchObject({ user: null });
    expect(await who(h, desk)).toMatchObject({ user: null });
  });

  it('ends a session when the clock was set back across a restart, and keeps it when the clock went on', async () => {
    expect(await aliveAfterRestart(-2 * 60 * MIN)).toBe(false);
    for (const h of open) await h.close();
    open = [];
    await rm(dir, { recursive: true, force: true });
    expect(await aliveAfterRestart(30 * MIN)).toBe(true);
  });

  it('has the ended session off disk when a sign-out is answered', async () => {
    dir = await mkdtemp(join(tmpdir(), 'medgate-sessions-'));
    const h = await start();
    const alice = await setupAdmin(h);
    const onDisk = async () => (JSON.parse(await readFile(join(dir, 'sessions.json'), 'utf8')) as { sessions: unknown[] }).sessions.length;
    await expect.poll(onDisk).toBe(1);
    expect((await h.app.inject({ method: 'DELETE', url: '/api/session', headers: as(alice) })).statusCode).toBe(204);
    // Read at once, the process still running: a crash now must not bring the session back.
    expect(await onDisk()).toBe(0);
  });
});
