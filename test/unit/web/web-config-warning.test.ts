// check-config on the web listener (issue 13): plain HTTP off loopback is allowed but warned about.

import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.ts';
import { configWarnings } from '../../../src/config/validate.ts';

const base = (web: Config['web']): Config => ({ dataDir: '/tmp/x', web, devices: [], destinations: [] }) as Config;

describe('web listener warnings', () => {
  it('warns about a non-loopback web.host without tls, saying why and what to write', () => {
    const [warning, ...more] = configWarnings(base({ host: '0.0.0.0', port: 8080 }));
    expect(more).toEqual([]);
    expect(warning?.path).toBe('web.tls');
    expect(warning?.message).toMatch(/cross the LAN in clear/);
    expect(warning?.message).toContain('"tls": { "selfSigned": true }');
  });

  it('is quiet on loopback and with tls', () => {
    expect(configWarnings(base({ port: 8080 }))).toEqual([]);
    expect(configWarnings(base({ host: '::1', port: 8080 }))).toEqual([]);
    expect(configWarnings(base({ host: 'localhost', port: 8080 }))).toEqual([]);
    expect(configWarnings(base({ host: '10.1.2.3', port: 8443, tls: { selfSigned: true } }))).toEqual([]);
    expect(configWarnings(base({ host: '10.1.2.3', port: 8443, tls: { certFile: '/etc/c.pem', keyFile: '/etc/k.pem' } }))).toEqual([]);
  });
});
