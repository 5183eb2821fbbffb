import { describe, expect, it } from 'vitest';
import type { DeviceView } from '../../../../src/web/api-types.ts';
import { canRetryNow, linkDown, linkWords, outageWords } from '../../../../src/web/page/lib/link-words.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
type Link = DeviceView['link'];
const link = (over: Partial<Link>): Link => ({ state: 'connected', since: iso(NOW - 60_000), reconnects: 0, connections: 1, bytesIn: 0, bytesOut: 0, ...over });
const serial = { type: 'serial', path: '/dev/ttyUSB0' } as DeviceView['transport'];

describe('a device link in words', () => {
  it('an outage is told from its first failure, not from the latest retry', () => {
    // The link retried a second ago; it has been down for 3 minutes.
    const down = link({ state: 'retrying', since: iso(NOW - 1000), downSince: iso(NOW - 3 * 60_000), lastError: 'ENOENT' });
    expect(outageWords(down, NOW)).toBe('Not connected for 3 min');
    expect(outageWords(down, NOW + 60 * 60_000)).toBe('Not connected for 1 h 3 min');
    // Between two retries it is "connecting" for a moment: the same outage, the same words.
    expect(linkWords({ ...down, state: 'connecting' })).toEqual({ text: 'Not connected', cls: 'down' });
    expect(linkWords(link({ state: 'connecting' }))).toEqual({ text: 'Connecting', cls: 'retry' });
  });

  it('up: no outage', () => {
    expect(outageWords(link({}), NOW)).toBeUndefined();
    expect(linkWords(link({}))).toEqual({ text: 'Connected', cls: 'up' });
  });

  it('which devices are problems, and which a person can retry now', () => {
    const d = (l: Partial<Link>, over: Partial<DeviceView> = {}) => ({ enabled: true, link: link(l), transport: serial, ...over });
    expect(linkDown(d({}))).toBe(false);
    expect(linkDown(d({ state: 'retrying', downSince: iso(NOW) }))).toBe(true);
    expect(linkDown(d({ state: 'connecting', downSince: iso(NOW) }))).toBe(true);
    expect(linkDown(d({ state: 'retrying' }, { enabled: false }))).toBe(false);
    expect(canRetryNow(d({ state: 'retrying', downSince: iso(NOW) }))).toBe(true);
    expect(canRetryNow(d({ state: 'connecting', downSince: iso(NOW) }))).toBe(false);
    expect(canRetryNow(d({ state: 'retrying' }, { transport: { type: 'mqtt', topic: 'x' } as DeviceView['transport'] }))).toBe(false);
  });
});
