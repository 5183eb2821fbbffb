// User administration, the last-admin rule, the users file, and what never leaves the server.

import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../src/model/logger.ts';
import { createAuth } from '../../../../src/web/auth/index.ts';
import { API_TOKEN, as, bearer, type Harness, setupAdmin, signIn, startHarness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('user administration', () => {
  it('adds, lists, changes and removes users; names are lowercased and checked', async () => {
    h = await startHarness();
    const alice = await setupAdmin(h);
    const add = await h.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: as(alice),
      payload: { name: 'Sam.Lee', password: 'sam-password-1', role: 'staff' },
    });
    expect(add.statusCode).toBe(201);
    expect(add.json().user).toMatchObject({ name: 'sam.lee', role: 'staff' });

    const dup = await h.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: as(alice),
      payload: { name: 'sam.lee', password: 'sam-password-2', role: 'staff' },
    });
    expect(dup.statusCode).toBe(409);
    for (const [name, password, message] of [
      ['api-token', 'some-password-1', /reserved/],
      ['x', 'some-password-1', /2 to 32 characters/],
      ['has space', 'some-password-1', /lowercase letters/],
      ['carol', 'carol', /at least 10/],
      ['carolcarol', 'CarolCarol', /not be the user name/],
      ['carol', 'p'.repeat(257), /256/],
    ] as const) {
      const res = await h.app.inject({ method: 'POST', url: '/api/users', headers: as(alice), payload: { name, password, role: 'staff' } });
      expect(res.statusCode, name).toBe(400);
      expect(res.json().message).toMatch(message);
    }
    const extra = await h.app.inject({
      method: 'POST',
      url: '/api/users',
      headers: as(alice),
      payload: { name: 'carol', password: 'carol-password', role: 'staff', admin: true },
    });
    expect(extra.statusCode).toBe(400);

    const promote = await h.app.inject({ method: 'PUT', url: '/api/users/sam.lee', headers: as(alice), payload: { role: 'admin' } });
    expect(promote.json().user.role).toBe('admin');
    const list = await h.app.inject({ method: 'GET', url: '/api/users', headers: { cookie: alice.cookie } });
    expect(list.json().users.map((u: { name: string; role: string }) => `${u.name}:${u.role}`)).toEqual(['alice:admin', 'sam.lee:admin']);
    expect(list.json().users[0].lastSignInAt).toBeDefined();

    expect((await h.app.inject({ method: 'DELETE', url: '/api/users/sam.lee', headers: as(alice) })).statusCode).toBe(204);
    expect((await h.app.inject({ method: 'DELETE', url: '/api/users/sam.lee', headers: as(alice) })).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'PUT', url: '/api/users/nobody', headers: as(alice), payload: { role: 'admin' } })).statusCode).toBe(404);
  });

  it('refuses removing or demoting the last admin (409)', async () => {
    h = await startHarness();
    const alice = await setupAdmin(h);
    const demote = await h.app.inject({ method: 'PUT', url: '/api/users/alice', headers: as(alice), payload: { role: 'staff' } });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().message).toMatch(/last admin/);
    const remove = await h.app.inject({ method: 'DELETE', url: '/api/users/alice', headers: bearer });
    expect(remove.statusCode).toBe(409);

    await h.app.inject({ method: 'POST', url: '/api/users', headers: as(alice), payload: { name: 'bob', password: 'bob-password-1', role: 'admin' } });
    expect((await h.app.inject({ method: 'PUT', url: '/api/users/alice', headers: as(alice), payload: { role: 'staff' } })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'DELETE', url: '/api/users/bob', headers: bearer })).statusCode).toBe(409);
  });

  it('removing a user or setting their password ends their sessions', async () => {
    h = await startHarness();
    const alice = await setupAdmin(h);
    for (const name of ['sam', 'kim']) {
      await h.app.inject({ method: 'POST', url: '/api/users', headers: as(alice), payload: { name, password: `${name}-password-1`, role: 'staff' } });
    }
    const sam = await signIn(h, 'sam', 'sam-password-1');
    const kim = await signIn(h, 'kim', 'kim-password-1');
    expect((await h.app.inject({ method: 'GET', url: '/api/things', headers: { cookie: sam.cookie } })).statusCode).toBe(200);

    expect((await h.app.inject({ method: 'DELETE', url: '/api/users/sam', headers: as(alice) })).statusCode).toBe(204);
    // Re-created under the same name before the old cookie is used again: the session must still be gone.
    await h.app.inject({ method: 'POST', url: '/api/users', headers: as(alice), payload: { name: 'sam', password: 'sam-password-9', role: 'staff' } });
    expect((await h.app.inject({ method: 'GET', url: '/api/things', headers: { cookie: sam.cookie } })).statusCode).toBe(401);

    expect((await h.app.inject({ method: 'PUT', url: '/api/users/kim', headers: as(alice), payload: { password: 'kim-password-2' } })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/api/things', headers: { cookie: kim.cookie } })).statusCode).toBe(401);
    await signIn(h, 'kim', 'kim-password-2');
    // The admin's own session is untouched.
    expect((await h.app.inject({ method: 'GET', url: '/api/things', headers: { cookie: alice.cookie } })).statusCode).toBe(200);
  });

  it('never returns or logs a password hash or a password', async () => {
    h = await startHarness();
    const responses: string[] = [];
    const alice = await setupAdmin(h);
    const calls = [
      { method: 'POST', url: '/api/users', headers: as(alice), payload: { name: 'sam', password: 'sam-password-1', role: 'staff' } },
      { method: 'PUT', url: '/api/users/sam', headers: as(alice), payload: { password: 'sam-password-2' } },
      { method: 'GET', url: '/api/users', headers: { cookie: alice.cookie } },
      { method: 'GET', url: '/api/users', headers: bearer },
      { method: 'GET', url: '/api/session', headers: { cookie: alice.cookie } },
      { method: 'POST', url: '/api/session', payload: { name: 'sam', password: 'sam-password-2' } },
      { method: 'POST', url: '/api/session', payload: { name: 'sam', password: 'wrong-password-3' } },
    ] as const;
    for (const call of calls) {
      const res = await h.app.inject(call);
      responses.push(JSON.stringify(res.headers), res.body);
    }
    const file = await readFile(join(h.dir, 'users.json'), 'utf8');
    const hashes = (JSON.parse(file) as { users: Array<{ passwordHash: string }> }).users.map((u) => u.passwordHash);
    expect(hashes).toHaveLength(2);
    const everything = [...responses, ...h.logs].join('\n');
    for (const hash of hashes) {
      expect(everything).not.toContain(hash);
      expect(everything).not.toContain(hash.split('$')[5]);
    }
    expect(everything).not.toContain('scrypt$');
    for (const password of ['alice-password-1', 'sam-password-1', 'sam-password-2', 'wrong-password-3']) expect(h.logs.join('\n')).not.toContain(password);
    // Sign-ins and failures are logged with the user name.
    expect(h.logs.some((l) => l.includes('"user":"sam"') && l.includes('signed in'))).toBe(true);
    expect(h.logs.some((l) => l.includes('"user":"sam"') && l.includes('sign-in failed'))).toBe(true);
  });
});

describe('the users file', () => {
  it('is written durably in a self-describing format', async () => {
    h = await startHarness();
    await setupAdmin(h);
    const stored = JSON.parse(await readFile(join(h.dir, 'users.json'), 'utf8'));
    expect(stored).toMatchObject({ version: 1, users: [{ name: 'alice', role: 'admin' }] });
    expect(stored.users[0].passwordHash).toMatch(/^scrypt\$15\$8\$1\$/);
  });

  it('refuses to start on a malformed file, naming the file and the problem', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'medgate-auth-'));
    try {
      const file = join(dir, 'users.json');
      const cases: Array<[string, RegExp]> = [
        ['{"version":1,"users":[', /not valid JSON/],
        ['{"version":1,"users":[{"name":"alice","role":"root","passwordHash":"x","createdAt":"2026-01-01"}]}', /\/users\/0\/role/],
        ['{"version":1,"users":[{"name":"alice","role":"admin","passwordHash":"secret","createdAt":"2026-01-01"}]}', /\/users\/0\/passwordHash/],
        ['[]', /users\.json/],
      ];
      for (const [text, problem] of cases) {
        await writeFile(file, text);
        const opening = createAuth({ dataDir: dir, apiToken: API_TOKEN, log: silentLogger });
        await expect(opening).rejects.toThrow(problem);
        await expect(createAuth({ dataDir: dir, apiToken: API_TOKEN, log: silentLogger })).rejects.toThrow(file);
        // The broken file is left as it was, for the operator to fix.
        expect(await readFile(file, 'utf8')).toBe(text);
      }
      const refused = await createAuth({ dataDir: dir, apiToken: API_TOKEN, log: silentLogger }).catch((err: Error) => err.message);
      expect(refused).not.toContain('secret');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
