// Allow lists: addresses, CIDR ranges, IPv4-mapped IPv6 peers, "any"; and the check-config rules
// for listeners (off loopback an allow list is required; entries must parse; listener settings on a
// dialing link are refused).

import { describe, expect, it } from 'vitest';
import { drivers } from '../../../drivers/index.ts';
import { validateConfig } from '../../../src/config/validate.ts';
import { driverCatalog } from '../../../src/devices/driver-catalog.ts';
import { allowListProblems, compileAllowList, isLoopbackHost, parseAllowEntry } from '../../../src/net/allow-list.ts';

describe('compileAllowList', () => {
  it('matches single IPv4 addresses and ranges, and nothing else', () => {
    const allowed = compileAllowList(['10.1.2.0/24', '10.1.3.7']);
    expect(allowed('10.1.2.0')).toBe(true);
    expect(allowed('10.1.2.255')).toBe(true);
    expect(allowed('10.1.3.7')).toBe(true);
    expect(allowed('10.1.3.8')).toBe(false);
    expect(allowed('10.1.1.255')).toBe(false);
    expect(allowed('192.168.1.2')).toBe(false);
    expect(allowed(undefined)).toBe(false);
    expect(allowed('not an address')).toBe(false);
  });

  it('compares an IPv4-mapped IPv6 peer (a dual-stack socket) as IPv4, both ways', () => {
    const allowed = compileAllowList(['10.1.2.0/24']);
    expect(allowed('::ffff:10.1.2.9')).toBe(true);
    expect(allowed('::ffff:a01:209')).toBe(true);
    expect(allowed('::ffff:10.1.4.9')).toBe(false);
    const mappedEntry = compileAllowList(['::ffff:10.1.3.7', '::ffff:10.9.0.0/112']);
    expect(mappedEntry('10.1.3.7')).toBe(true);
    expect(mappedEntry('10.9.200.1')).toBe(true);
    expect(mappedEntry('10.8.0.1')).toBe(false);
    // An IPv6 rule is not an IPv4 one: ::a01:307 (IPv4-compatible, deprecated) is not 10.1.3.7.
    expect(compileAllowList(['::a01:307'])('10.1.3.7')).toBe(false);
  });

  it('matches IPv6 addresses and ranges, with compression and zones', () => {
    const allowed = compileAllowList(['fd00:1:2::/48', '2001:db8::7', '::1']);
    expect(allowed('fd00:1:2:ffff::1')).toBe(true);
    expect(allowed('fd00:1:3::1')).toBe(false);
    expect(allowed('2001:0db8:0000:0000:0000:0000:0000:0007')).toBe(true);
    expect(allowed('2001:db8::8')).toBe(false);
    expect(allowed('::1')).toBe(true);
    expect(allowed('127.0.0.1')).toBe(false);
    expect(compileAllowList(['fe80::/10'])('fe80::1%eth0')).toBe(true);
  });

  it('"any" accepts every peer; an empty list none', () => {
    expect(compileAllowList(['any'])('203.0.113.9')).toBe(true);
    expect(compileAllowList(['10.0.0.1', 'ANY'])('::ffff:203.0.113.9')).toBe(true);
    expect(compileAllowList([])('10.0.0.1')).toBe(false);
  });

  it('refuses entries that are no address or range, and says why', () => {
    expect(allowListProblems(['10.1.2.0/24', '10.1.2.0/33', 'clinic.local', '10.1.2.3/24', '10.1.2', 'fd00::/129', '10.0.0.0/8/1', 'fe80::1%eth0'])).toEqual([
      { index: 1, message: expect.stringMatching(/prefix length must be 0 to 32/) },
      { index: 2, message: expect.stringMatching(/not an IP address or CIDR range/) },
      { index: 3, message: expect.stringMatching(/bits set after the prefix/) },
      { index: 4, message: expect.stringMatching(/not an IP address/) },
      { index: 5, message: expect.stringMatching(/0 to 128/) },
      { index: 6, message: expect.stringMatching(/not an IP address/) },
      { index: 7, message: expect.stringMatching(/not an IP address/) },
    ]);
    expect(() => compileAllowList(['10.1.2.0/33'])).toThrow(/prefix length/);
    expect(parseAllowEntry('0.0.0.0/0')).toMatchObject({ ok: true });
  });

  it('knows loopback', () => {
    for (const h of ['127.0.0.1', '127.0.0.2', 'localhost', '::1', '::ffff:127.0.0.1']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.1.2.3', 'gateway.local', '128.0.0.1']) expect(isLoopbackHost(h), h).toBe(false);
  });
});

describe('check-config: listeners', () => {
  const catalog = driverCatalog(drivers);
  const base = { dataDir: './data', web: { host: '127.0.0.1', port: 8080 }, destinations: [] };
  const analyzer = (transport: Record<string, unknown>) => ({ id: 'chem-1', driver: 'hl7-analyzer', transport: { type: 'tcp', port: 5000, ...transport } });
  const problems = (doc: unknown): string[] => {
    const r = validateConfig(doc, catalog);
    return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
  };

  it('a device listener off loopback without allow is an error that says what to write', () => {
    expect(problems({ ...base, devices: [analyzer({ mode: 'listen', host: '0.0.0.0' })] })).toEqual([
      expect.stringMatching(
        /^devices\[0\]\.transport\.allow: the listener on "0\.0\.0\.0" would accept anyone on the network: list the addresses .*\["any"\] to accept anyone on purpose$/,
      ),
    ]);
    expect(problems({ ...base, devices: [analyzer({ mode: 'listen', host: '0.0.0.0', allow: ['any'] })] })).toEqual([]);
    expect(
      problems({ ...base, devices: [analyzer({ mode: 'listen', host: '10.1.2.1', allow: ['10.1.2.0/24'], maxConnections: 1, idleTimeoutMs: 60000 })] }),
    ).toEqual([]);
    // Loopback (the default host) needs none.
    expect(
      problems({ ...base, devices: [analyzer({ mode: 'listen' }), { ...analyzer({ mode: 'listen', host: '127.0.0.1', port: 5001 }), id: 'chem-2' }] }),
    ).toEqual([]);
  });

  it('the inbound feed off loopback without allow is an error; bad entries are named by index', () => {
    expect(problems({ ...base, devices: [], inbound: { mllp: { host: '0.0.0.0', port: 2576 } } })).toEqual([
      expect.stringMatching(/^inbound\.mllp\.allow: the listener on "0\.0\.0\.0"/),
    ]);
    expect(problems({ ...base, devices: [], inbound: { mllp: { port: 2576 } } })).toEqual([]);
    expect(problems({ ...base, devices: [], inbound: { mllp: { host: '::', port: 2576, allow: ['10.0.0.0/8', '10.0.0.300'] } } })).toEqual([
      expect.stringMatching(/^inbound\.mllp\.allow\[1\]: "10\.0\.0\.300" is not an IP address/),
    ]);
  });

  it('listener settings on a link the gateway dials are refused', () => {
    expect(problems({ ...base, devices: [analyzer({ mode: 'connect', host: '10.1.2.3', allow: ['any'], maxConnections: 3 })] })).toEqual([
      'devices[0].transport.allow: applies to a listener only (mode "listen"): remove it',
      'devices[0].transport.maxConnections: applies to a listener only (mode "listen"): remove it',
    ]);
  });
});
