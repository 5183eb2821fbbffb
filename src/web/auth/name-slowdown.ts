// Guesses at one user name from many addresses: past a number of failures in the window, attempts at
// that name are spaced out (a few seconds apart), never stopped, so the real user can still sign in.
// Also the key per client address: an IPv6 host owns a whole /64 (RFC 4291 section 2.5.4; RFC 7421).

import { isIPv4, isIPv6 } from 'node:net';
import { FailureLimiter } from './rate-limit.ts';
import { ipv6Bits } from '../../net/ip-bits.ts';

export interface NameSlowdownOptions {
  /** Failures for one name, from anywhere, in the window before attempts are spaced out. */
  after: number;
  windowMs: number;
  /** Least time between two attempts at a name past `after`. */
  spacingMs: number;
  maxKeys: number;
}

export class NameSlowdown {
  private readonly failures: FailureLimiter;
  // One attempt per spacing: a limit of one in a window of spacingMs.
  private readonly spacing: FailureLimiter;

  constructor(opts: NameSlowdownOptions) {
    this.failures = new FailureLimiter({ limit: opts.after, windowMs: opts.windowMs, maxKeys: opts.maxKeys });
    this.spacing = new FailureLimiter({ limit: 1, windowMs: opts.spacingMs, maxKeys: opts.maxKeys });
  }

  /** Milliseconds until `name` may be tried again; 0 when it may now. */
  waitFor(name: string, now: number): number {
    return this.failures.blockedFor(name, now) > 0 ? this.spacing.blockedFor(name, now) : 0;
  }

  /** An attempt begins; counted as a failure until `forgive` says otherwise. */
  attempt(name: string, now: number): void {
    this.failures.fail(name, now);
    this.spacing.fail(name, now);
  }

  /** The attempt at `at` succeeded: it is no failure (the spacing still holds for the next one). */
  forgive(name: string, at: number): void {
    this.failures.forgive(name, at);
  }
}

/** The key a client address is counted under: an IPv4 address as is, IPv6 by its /64 (a mapped IPv4 as the IPv4). */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (mapped && isIPv4(mapped)) return mapped;
  if (!isIPv6(ip)) return ip;
  const prefix = ipv6Bits(ip.split('%')[0] ?? ip) >> 64n;
  return `${[48n, 32n, 16n, 0n].map((shift) => ((prefix >> shift) & 0xffffn).toString(16)).join(':')}::/64`;
}
