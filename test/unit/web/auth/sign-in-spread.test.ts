// Guessing one name from rotating addresses (issue 13 review): the per-address limits alone let it
// run without end. Past 20 failures for a name from anywhere, attempts at it are spaced a few
// seconds apart (429 with a short Retry-After), never locked; and an IPv6 /64 counts as one address.

import { afterEach, describe, expect, it } from 'vitest';
import { addressKey } from '../../../../src/web/auth/name-slowdown.ts';
import { type Harness, setupAdmin, startHarness } from './harness.ts';

let h: Harness;
afterEach(async () => h?.close());

function attempt(name: string, password: string, ip: string) {
  return h.app.inject({ method: 'POST', url: '/api/session', payload: { name, password }, remoteAddress: ip });
}

describe('sign-in from rotating addresses', () => {
  it('spaces out guesses at one name past 20 failures, and the real user still signs in', async () => {
    let now = new Date('2026-03-01T08:00:00Z');
    h = await startHarness({ now: () => now });
    await setupAdmin(h);
    // Each guess from a new address: no per-address limit is reached.
    for (let i = 0; i < 20; i++) expect((await attempt('alice', `wrong-password-${i}`, `10.0.${i}.1`)).statusCode).toBe(401);
    const spaced = await attempt('alice', 'wrong-password-x', '10.0.99.1');
    expect(spaced.statusCode).toBe(429);
    expect(Number(spaced.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(spaced.headers['retry-after'])).toBeLessThanOrEqual(5);
    // Another name is not slowed.
    expect((await attempt('bob', 'wrong-password-y', '10.0.98.1')).statusCode).toBe(401);
    // After the short wait the real user, at their own PC, gets in.
    now = new Date(now.getTime() + 3_000);
    expect((await attempt('alice', 'alice-password-1', '10.1.0.5')).statusCode).toBe(200);
    // The guesser still gets one try per few seconds, not a burst.
    now = new Date(now.getTime() + 3_000);
    expect((await attempt('alice', 'wrong-password-z', '10.0.97.1')).statusCode).toBe(401);
    expect((await attempt('alice', 'wrong-password-w', '10.0.96.1')).statusCode).toBe(429);
    // The window passes: no slowdown.
    now = new Date(now.getTime() + 15 * 60_000);
    expect((await attempt('alice', 'wrong-password-v', '10.0.95.1')).statusCode).toBe(401);
    expect((await attempt('alice', 'wrong-password-u', '10.0.94.1')).statusCode).toBe(401);
  });

  it('counts the addresses of one IPv6 /64 as one address', async () => {
    h = await startHarness();
    await setupAdmin(h);
    for (let i = 1; i <= 5; i++) expect((await attempt('alice', `wrong-password-${i}`, `2001:db8:1:2::${i.toString(16)}`)).statusCode).toBe(401);
    expect((await attempt('alice', 'alice-password-1', '2001:db8:1:2:ffff::9')).statusCode).toBe(429);
    expect((await attempt('alice', 'alice-password-1', '2001:db8:1:3::1')).statusCode).toBe(200);
  });

  it('keys addresses: IPv4 as is, mapped IPv4 as IPv4, IPv6 by /64', () => {
    expect(addressKey('10.0.0.7')).toBe('10.0.0.7');
    expect(addressKey('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(addressKey('2001:db8:1:2::5')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:aaaa:bbbb:cccc:dddd')).toBe('2001:db8:1:2::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
  });
});
