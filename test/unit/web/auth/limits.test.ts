import { describe, expect, it } from 'vitest';
import { FailureLimiter } from '../../../../src/web/auth/rate-limit.ts';
import { SessionStore } from '../../../../src/web/auth/sessions.ts';

const MIN = 60_000;
const ACCOUNT = { createdAt: '2026-03-01T08:00:00.000Z' };

describe('FailureLimiter', () => {
  const opts = { limit: 5, windowMs: 15 * MIN, maxKeys: 3 };

  it('blocks after the limit until the oldest failure leaves the window', () => {
    const limiter = new FailureLimiter(opts);
    for (let i = 0; i < 5; i++) limiter.fail('ip', i * MIN);
    expect(limiter.blockedFor('ip', 5 * MIN)).toBe(10 * MIN);
    expect(limiter.blockedFor('ip', 15 * MIN - 1)).toBe(1);
    expect(limiter.blockedFor('ip', 15 * MIN)).toBe(0);
  });

  it('forgets keys whose failures are all outside the window, and keeps at most maxKeys', () => {
    const limiter = new FailureLimiter(opts);
    for (const key of ['a', 'b', 'c', 'd']) limiter.fail(key, 0);
    expect(limiter.size).toBe(3);
    limiter.fail('e', 10 * MIN);
    limiter.blockedFor('x', 15 * MIN);
    expect(limiter.size).toBe(1);
  });

  it('forgive takes back one counted failure', () => {
    const limiter = new FailureLimiter(opts);
    for (let i = 0; i < 5; i++) limiter.fail('ip', i);
    limiter.forgive('ip', 4);
    expect(limiter.blockedFor('ip', 5)).toBe(0);
  });
});

describe('SessionStore', () => {
  const limits = { idleMs: 60 * MIN, absoluteMs: 12 * 60 * MIN, maxSessions: 2 };

  it('ends a session at the absolute limit even when it is used all the time', () => {
    const store = new SessionStore(limits);
    const { id } = store.create('alice', ACCOUNT, 0);
    for (let t = 30 * MIN; t <= 12 * 60 * MIN; t += 30 * MIN) expect(store.touch(id, t)).toBeDefined();
    expect(store.touch(id, 12 * 60 * MIN + 1)).toBeUndefined();
  });

  it('ends a session when the clock is set back before its start or its last use, rather than stretching its limits', () => {
    const store = new SessionStore(limits);
    const { id } = store.create('alice', ACCOUNT, 10 * 60 * MIN);
    expect(store.touch(id, 10 * 60 * MIN + 1)).toBeDefined();
    // Set back 8 h: the absolute limit would otherwise count from a start 8 h in the future.
    expect(store.touch(id, 2 * 60 * MIN)).toBeUndefined();
    const later = store.create('bob', ACCOUNT, 10 * 60 * MIN);
    expect(store.touch(later.id, 10 * 60 * MIN + 5 * MIN)).toBeDefined();
    expect(store.touch(later.id, 10 * 60 * MIN + 4 * MIN)).toBeUndefined(); // before its last use
  });

  it('does not keep the cookie value, only its hash', () => {
    const store = new SessionStore(limits);
    const { id, session } = store.create('alice', ACCOUNT, 0);
    expect(session.key).not.toBe(id);
    expect(JSON.stringify(session)).not.toContain(id);
  });

  it('evicts expired sessions when a new one starts, and keeps at most maxSessions', () => {
    const store = new SessionStore(limits);
    store.create('a', ACCOUNT, 0);
    store.create('b', ACCOUNT, 0);
    store.create('c', ACCOUNT, 0);
    expect(store.size).toBe(2);
    store.create('d', ACCOUNT, 61 * MIN);
    expect(store.size).toBe(1);
  });
});
