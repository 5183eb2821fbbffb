// A link's outage is one outage from its first failure to its return, however many retries lie
// between; once the link is up, the error that took it down is not shown as current any more.

import { afterEach, describe, expect, it, vi } from 'vitest';
import { LinkStatusTracker } from '../../../src/transports/link-status.ts';
import type { LinkState } from '../../../src/transports/types.ts';

class Link extends LinkStatusTracker {
  set(state: LinkState, extra?: { lastError?: string; nextRetryAt?: string }): void {
    this.setState(state, extra);
  }
}

afterEach(() => vi.useRealTimers());

describe('link status', () => {
  it('keeps the first failure of an outage through its retries and clears it and its error once up', () => {
    vi.useFakeTimers({ now: Date.parse('2026-01-01T10:00:00Z') });
    const link = new Link();
    link.set('connecting');
    link.set('connected');
    expect(link.status.downSince).toBeUndefined();

    vi.setSystemTime(Date.parse('2026-01-01T10:01:00Z'));
    link.set('retrying', { lastError: 'port vanished', nextRetryAt: '2026-01-01T10:01:01Z' });
    for (let i = 2; i <= 5; i++) {
      vi.setSystemTime(Date.parse('2026-01-01T10:01:00Z') + i * 10_000);
      link.set('connecting');
      link.set('retrying', { lastError: 'ENOENT', nextRetryAt: '2026-01-01T10:05:00Z' });
    }
    expect(link.status).toMatchObject({
      state: 'retrying',
      downSince: '2026-01-01T10:01:00.000Z',
      since: '2026-01-01T10:01:50.000Z',
      lastError: 'ENOENT',
      reconnects: 5,
    });

    link.set('connected');
    expect(link.status.downSince).toBeUndefined();
    expect(link.status.lastError).toBeUndefined();
    expect(link.status.nextRetryAt).toBeUndefined();

    // The next outage starts afresh.
    vi.setSystemTime(Date.parse('2026-01-01T11:00:00Z'));
    link.set('retrying', { lastError: 'again' });
    expect(link.status.downSince).toBe('2026-01-01T11:00:00.000Z');
  });

  it('an error told together with an up state stays: the link is up but something on it is wrong', () => {
    const link = new Link();
    link.set('retrying', { lastError: 'ECONNREFUSED' });
    link.set('connected', { lastError: 'broker refused the subscription to ward/#' });
    expect(link.status).toMatchObject({ state: 'connected', lastError: 'broker refused the subscription to ward/#' });
    expect(link.status.downSince).toBeUndefined();
    link.set('connected');
    expect(link.status.lastError).toBeUndefined();
  });

  it('a link stopped on purpose is not down; one stopped by a configuration error is, with its error', () => {
    const link = new Link();
    link.set('retrying', { lastError: 'refused' });
    link.set('stopped');
    expect(link.status).not.toHaveProperty('downSince');
    expect(link.status).not.toHaveProperty('lastError');
    link.set('stopped', { lastError: 'invalid MQTT topic filter' });
    expect(link.status.downSince).toBeTruthy();
    expect(link.status.lastError).toBe('invalid MQTT topic filter');
  });
});
