// The page over HTTPS with a self-signed certificate, and the headers every response carries
// (issue 13: "The page is plain HTTP", "/api responses may be cached", the short API token).

import { execFile } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../support/configs.ts';
import { freePort } from '../../support/free-port.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';

const run = promisify(execFile);

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(web: Parameters<typeof gatewayConfig>[3] = {}, opts: { token?: string } = {}): Promise<GatewayProcess> {
  const dir = tempDir();
  const gw = await startGatewayProcess(gatewayConfig(dir, 9, [], web), { dir, ...opts });
  cleanups.push(() => gw.stop());
  return gw;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** HTTPS without checking the certificate: the test compares its fingerprint itself. */
function insecure(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: init.method ?? 'GET', headers: init.headers, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.end();
    });
    socket.on('error', reject);
  });
}

describe('the page over HTTPS (web.tls.selfSigned)', () => {
  it("answers curl -k on /healthz, and the fingerprint printed at start is the served certificate's", async () => {
    const port = await freePort();
    const gw = await start({ web: { host: '127.0.0.1', port, tls: { selfSigned: true } } });
    expect(gw.url).toBe(`https://127.0.0.1:${port}`);
    const printed = await gw.waitForLog((l) => typeof l.fingerprint256 === 'string', 5000, 'the certificate fingerprint');
    expect(printed.msg).toContain(String(printed.fingerprint256));

    const { stdout } = await run('curl', ['-sS', '-k', `https://127.0.0.1:${port}/healthz`]);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'ok' });
    expect(await servedFingerprint(port)).toBe(printed.fingerprint256);

    // The page shows it too (on the sign-in screen, from GET /api/session).
    const session = await insecure(`${gw.url}/api/session`);
    expect(JSON.parse(session.body)).toMatchObject({ tlsFingerprint: printed.fingerprint256 });
    // Plain HTTP on the same port gets no page.
    await expect(run('curl', ['-sS', '--max-time', '5', `http://127.0.0.1:${port}/healthz`])).rejects.toThrow();
  });

  it('sends HSTS and nosniff, and the session cookie is Secure', async () => {
    const gw = await start({ web: { host: '127.0.0.1', port: 0, tls: { selfSigned: true } } });
    const setupUrl = String((await gw.waitForLog((l) => typeof l.setupUrl === 'string', 5000, 'the setup link')).setupUrl);
    const token = new URL(setupUrl.replace('/#/setup', '/setup')).searchParams.get('token') ?? '';
    const health = await insecure(`${gw.url}/healthz`);
    expect(health.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(health.headers['x-content-type-options']).toBe('nosniff');
    const setup = await insecure(`${gw.url}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, name: 'alice', password: 'alice-password-1' }),
    });
    expect(setup.status).toBe(200);
    expect(String(setup.headers['set-cookie'])).toMatch(/medgate_session=[^;]+;.*; Secure/);
  });
});

describe('headers on plain HTTP (loopback)', () => {
  it('/api answers are no-store, every answer is nosniff, and no HSTS is sent without TLS', async () => {
    const gw = await start();
    const auth = { authorization: `Bearer ${gw.token}` };
    for (const path of ['/api/devices', '/api/destinations', '/api/patients', '/api/nothing-here']) {
      const res = await fetch(`${gw.url}${path}`, { headers: auth });
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
    const refused = await fetch(`${gw.url}/api/devices`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('cache-control')).toBe('no-store');
    for (const path of ['/healthz', '/', '/no-such-file']) {
      const res = await fetch(`${gw.url}${path}`);
      expect(res.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(res.headers.get('strict-transport-security'), path).toBeNull();
    }
  });
});

describe('behind a TLS-terminating proxy (web.trustProxy)', () => {
  it('believes X-Forwarded-Proto only from the configured proxy address', async () => {
    const trusted = await start({ web: { host: '127.0.0.1', port: 0, trustProxy: ['127.0.0.1'] } });
    const viaProxy = await fetch(`${trusted.url}/healthz`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(viaProxy.headers.get('strict-transport-security')).toBe('max-age=31536000');
    const untrusted = await start({ web: { host: '127.0.0.1', port: 0, trustProxy: ['10.9.9.9'] } });
    const forged = await fetch(`${untrusted.url}/healthz`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(forged.headers.get('strict-transport-security')).toBeNull();
  });
});

describe('the API token', () => {
  it('a MEDGATE_API_TOKEN of one character stops the start with a message saying what to do', async () => {
    await expect(start({}, { token: 'x' })).rejects.toThrow(/MEDGATE_API_TOKEN has 1 character\(s\); the API token needs at least 32/);
  });
});
