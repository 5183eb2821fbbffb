// The self-signed page certificate: DER checked against known encodings, the certificate against
// node's X509Certificate and, where installed, openssl.

import { execFileSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { oid, smallInteger, time, tlv, unsignedInteger } from '../../../../src/web/tls/der.ts';
import { loadWebTls, SELF_SIGNED_CERT, SELF_SIGNED_KEY } from '../../../../src/web/tls/load.ts';
import { createSelfSigned, ipOctets, VALIDITY_DAYS } from '../../../../src/web/tls/self-signed.ts';
import { recordingLogger } from '../auth/harness.ts';

const hex = (b: Buffer) => b.toString('hex');

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('DER (X.690)', () => {
  it('encodes OIDs, integers, lengths and times as the standard says', () => {
    // ecdsa-with-SHA256, as RFC 5758 §3.2 lists its encoding.
    expect(hex(oid('1.2.840.10045.4.3.2'))).toBe('06082a8648ce3d040302');
    expect(hex(smallInteger(2))).toBe('020102');
    expect(hex(unsignedInteger(Buffer.from([0x00, 0x80])))).toBe('02020080'); // a leading 0 keeps it positive
    expect(hex(unsignedInteger(Buffer.from([0x00, 0x00, 0x7f])))).toBe('02017f'); // fewest octets
    expect(hex(tlv(0x04, Buffer.alloc(200))).slice(0, 6)).toBe('0481c8'); // long form length
    expect(time(new Date('2049-12-31T23:59:59Z')).subarray(2).toString('ascii')).toBe('491231235959Z');
    expect(time(new Date('2050-01-01T00:00:00Z')).subarray(2).toString('ascii')).toBe('20500101000000Z');
    expect(hex(ipOctets('::1'))).toBe('00000000000000000000000000000001');
    expect(hex(ipOctets('fd00:1::2'))).toBe('fd000001000000000000000000000002');
  });
});

describe('createSelfSigned', () => {
  it('makes a v3 certificate that verifies with its own key, for the names and addresses given', () => {
    const now = new Date('2026-12-06T04:00:00Z');
    const made = createSelfSigned({ commonName: 'gw-1', dnsNames: ['localhost', 'gw-1.local'], ipAddresses: ['127.0.0.1', '::1', '10.1.2.3'], now });
    const cert = new X509Certificate(made.certPem);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(made.keyPem))).toBe(true);
    expect(cert.subjectAltName).toBe('DNS:localhost, DNS:gw-1.local, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, IP Address:10.1.2.3');
    expect(cert.subject).toBe('CN=gw-1');
    expect(cert.issuer).toBe('CN=gw-1');
    expect(cert.ca).toBe(false);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(cert.publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
    const days = (Date.parse(cert.validTo) - Date.parse(cert.validFrom)) / 86_400_000;
    expect(days).toBeLessThanOrEqual(VALIDITY_DAYS);
    expect(days).toBeGreaterThan(VALIDITY_DAYS - 1);
    expect(Date.parse(cert.validFrom)).toBeLessThan(now.getTime());
    expect(cert.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it.runIf(hasOpenssl())('openssl reads it as a v3 ECDSA server certificate with the extensions', async () => {
    dir = await mkdtemp(join(tmpdir(), 'medgate-tls-'));
    const made = createSelfSigned({ commonName: 'gw-1', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    await writeFile(join(dir, 'c.pem'), made.certPem);
    const text = execFileSync('openssl', ['x509', '-noout', '-text', '-in', join(dir, 'c.pem')], { encoding: 'utf8' });
    expect(text).toContain('Version: 3 (0x2)');
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature/);
    expect(text).toMatch(/Extended Key Usage:\s*\n\s+TLS Web Server Authentication/);
    expect(text).toContain('DNS:localhost, IP Address:127.0.0.1');
    // openssl's own check of the signature with the certificate's key.
    const verified = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'c.pem'), '-purpose', 'sslserver', join(dir, 'c.pem')], { encoding: 'utf8' });
    expect(verified.trim()).toMatch(/OK$/);
  });
});

describe('loadWebTls selfSigned', () => {
  it('creates the pair once in the data folder (0600 whatever the umask) and reuses it', async () => {
    dir = await mkdtemp(join(tmpdir(), 'medgate-tls-'));
    const log = recordingLogger([]);
    const old = process.umask(0o022);
    try {
      const first = await loadWebTls({ selfSigned: true }, { dataDir: dir, log });
      expect(first.source).toBe('created');
      for (const f of [SELF_SIGNED_KEY, SELF_SIGNED_CERT]) expect((await stat(join(dir, f))).mode & 0o777).toBe(0o600);
      const second = await loadWebTls({ selfSigned: true }, { dataDir: dir, log });
      expect(second.source).toBe('self-signed');
      expect(second.fingerprint256).toBe(first.fingerprint256);
      expect(new X509Certificate(second.cert).fingerprint256).toBe(first.fingerprint256);
    } finally {
      process.umask(old);
    }
  });

  it('replaces a stored certificate that is near its end', async () => {
    dir = await mkdtemp(join(tmpdir(), 'medgate-tls-'));
    const log = recordingLogger([]);
    const first = await loadWebTls({ selfSigned: true }, { dataDir: dir, log, now: new Date('2026-01-01T00:00:00Z') });
    const later = new Date(Date.parse(first.validTo) - 10 * 86_400_000);
    const second = await loadWebTls({ selfSigned: true }, { dataDir: dir, log, now: later });
    expect(second.source).toBe('created');
    expect(second.fingerprint256).not.toBe(first.fingerprint256);
  });
});
