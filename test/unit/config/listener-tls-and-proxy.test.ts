// check-config on listener TLS and the web proxy: a client-certificate listener without its own CA
// would take any publicly signed certificate; a malformed trustProxy entry crashed the start with a
// bare TypeError; `trustProxy: true` lets any client claim any address.

import { describe, expect, it } from 'vitest';
import { drivers } from '../../../drivers/index.ts';
import type { Config } from '../../../src/config/schema.ts';
import { configWarnings, validateConfig } from '../../../src/config/validate.ts';
import { driverCatalog } from '../../../src/devices/driver-catalog.ts';

const catalog = driverCatalog(drivers);
const base = { dataDir: './data', web: { host: '127.0.0.1', port: 8080 }, destinations: [], devices: [] as unknown[] };
const problems = (doc: unknown): string[] => {
  const r = validateConfig(doc, catalog);
  return r.ok ? [] : r.problems.map((p) => `${p.path}: ${p.message}`);
};
const tls = (extra: Record<string, unknown>) => ({ certFile: 'gw.crt', keyFile: 'gw.key', ...extra });

describe('check-config: listener TLS', () => {
  it('requestCert without caFile is an error on the device listener and on the inbound feed', () => {
    const device = { id: 'chem-1', driver: 'hl7-analyzer', transport: { type: 'tcp', mode: 'listen', port: 5000, tls: tls({ requestCert: true }) } };
    expect(problems({ ...base, devices: [device] })).toEqual([
      expect.stringMatching(/^devices\[0\]\.transport\.tls\.caFile: requestCert without caFile .*public authority/),
    ]);
    expect(problems({ ...base, inbound: { mllp: { port: 2576, tls: tls({ requestCert: true }) } } })).toEqual([
      expect.stringMatching(/^inbound\.mllp\.tls\.caFile: requestCert without caFile/),
    ]);
  });

  it('requestCert with caFile, and TLS without client certificates, pass', () => {
    expect(problems({ ...base, inbound: { mllp: { port: 2576, tls: tls({ requestCert: true, caFile: 'devices-ca.crt' }) } } })).toEqual([]);
    expect(problems({ ...base, inbound: { mllp: { port: 2576, tls: tls({}) } } })).toEqual([]);
  });
});

describe('check-config: web.trustProxy', () => {
  it('names a malformed entry instead of crashing the start', () => {
    expect(problems({ ...base, web: { ...base.web, trustProxy: ['127.0.0.1', '10.0.0.0/33'] } })).toEqual([
      expect.stringMatching(/^web\.trustProxy\[1\]: "10\.0\.0\.0\/33": the prefix length must be 0 to 32$/),
    ]);
    expect(problems({ ...base, web: { ...base.web, trustProxy: ['proxy.local'] } })).toEqual([
      expect.stringMatching(/^web\.trustProxy\[0\]: "proxy\.local" is not an IP address/),
    ]);
    expect(problems({ ...base, web: { ...base.web, trustProxy: ['any'] } })).toEqual([
      expect.stringMatching(/^web\.trustProxy\[0\]: "any" is not a proxy address/),
    ]);
    expect(problems({ ...base, web: { ...base.web, trustProxy: ['127.0.0.1', '10.1.0.0/16', '::1'] } })).toEqual([]);
  });

  it('warns that true lets any client claim any address; a list is not warned about', () => {
    const warned = (trustProxy: boolean | string[]) =>
      configWarnings({ ...base, web: { ...base.web, trustProxy } } as unknown as Config).filter((w) => w.path === 'web.trustProxy');
    expect(warned(true)).toEqual([{ path: 'web.trustProxy', message: expect.stringMatching(/anyone could claim any address, past the sign-in limits/) }]);
    expect(warned(['127.0.0.1'])).toEqual([]);
    expect(warned(false)).toEqual([]);
  });
});

describe('check-config: watched folder suffix', () => {
  it('warns when a watched folder reads every file, not when it names the ending', () => {
    const device = (transport: Record<string, unknown>) => ({ id: 'ekg-1', driver: 'x', transport: { type: 'file', path: '/srv/ekg-export', ...transport } });
    const warned = (transport: Record<string, unknown>) =>
      configWarnings({ ...base, devices: [device(transport)] } as unknown as Config).filter((w) => w.path === 'devices[0].transport.suffix');
    expect(warned({})).toEqual([{ path: 'devices[0].transport.suffix', message: expect.stringMatching(/every file in the folder is read/) }]);
    expect(warned({ suffix: '.xml' })).toEqual([]);
  });
});
