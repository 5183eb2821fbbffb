// The page's TLS material: the configured certificate and key files, or a self-signed pair created at
// first start and kept in the data folder (0600), reused until it nears its end or the files go.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '../../model/logger.ts';
import { createSelfSigned } from './self-signed.ts';

export type WebTlsConfig = { certFile: string; keyFile: string } | { selfSigned: true };

export interface WebTls {
  key: string;
  cert: string;
  /** SHA-256 of the certificate, colon-separated hex: what a browser shows as the fingerprint. */
  fingerprint256: string;
  source: 'files' | 'self-signed' | 'created';
  validTo: string;
}

export const SELF_SIGNED_KEY = 'web-tls-key.pem';
export const SELF_SIGNED_CERT = 'web-tls-cert.pem';
/** A stored self-signed certificate this close to its end is replaced at start. */
const RENEW_BEFORE_MS = 30 * 24 * 60 * 60_000;

/** The names and addresses a browser on the LAN may use for this host, for the subjectAltName. */
export function hostIdentities(listenHost: string | undefined): { dnsNames: string[]; ipAddresses: string[] } {
  const dns = new Set(['localhost']);
  const ips = new Set(['127.0.0.1', '::1']);
  const host = hostname();
  // dNSName is an IA5String of LDH labels (RFC 5280 section 4.2.1.6, RFC 1034 section 3.5).
  const ldh = (n: string) => /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(n) && n.length <= 253;
  if (ldh(host)) {
    dns.add(host.toLowerCase());
    if (!host.includes('.')) dns.add(`${host.toLowerCase()}.local`); // mDNS name
  }
  for (const list of Object.values(networkInterfaces())) {
    for (const nic of list ?? []) {
      // Link-local IPv6 needs a zone a browser URL cannot carry well; mapped forms are written as IPv4.
      if (nic.family === 'IPv6' && (nic.address.toLowerCase().startsWith('fe80') || nic.address.includes('.'))) continue;
      ips.add(nic.address);
    }
  }
  const plainIp = (a: string) => isIP(a) === 4 || (isIP(a) === 6 && !a.includes('.'));
  if (listenHost && plainIp(listenHost) && listenHost !== '0.0.0.0' && listenHost !== '::') ips.add(listenHost);
  else if (listenHost && isIP(listenHost) === 0 && ldh(listenHost)) dns.add(listenHost.toLowerCase());
  return { dnsNames: [...dns], ipAddresses: [...ips] };
}

async function readPair(keyFile: string, certFile: string): Promise<{ key: string; cert: string; x509: X509Certificate }> {
  const [key, cert] = await Promise.all([readFile(keyFile, 'utf8'), readFile(certFile, 'utf8')]);
  const x509 = new X509Certificate(cert);
  if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error(`the key in ${keyFile} does not belong to the certificate in ${certFile}`);
  return { key, cert, x509 };
}

async function writePrivate(file: string, text: string): Promise<void> {
  const tmp = `${file}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600); // whatever the umask
  await rename(tmp, file);
}

async function selfSigned(dataDir: string, listenHost: string | undefined, log: Logger, now: Date): Promise<WebTls> {
  const keyFile = join(dataDir, SELF_SIGNED_KEY);
  const certFile = join(dataDir, SELF_SIGNED_CERT);
  try {
    const { key, cert, x509 } = await readPair(keyFile, certFile);
    if (new Date(x509.validTo).getTime() - now.getTime() > RENEW_BEFORE_MS) {
      await Promise.all([chmod(keyFile, 0o600), chmod(certFile, 0o600)]);
      return { key, cert, fingerprint256: x509.fingerprint256, source: 'self-signed', validTo: x509.validTo };
    }
    log.warn({ file: certFile, validTo: x509.validTo }, 'the self-signed web certificate is about to expire: a new one is made (its fingerprint changes)');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
      log.warn({ err, file: certFile }, 'the self-signed web certificate cannot be used: a new one is made');
  }
  await mkdir(dataDir, { recursive: true });
  const made = createSelfSigned({ commonName: hostname() || 'medgate', ...hostIdentities(listenHost), now });
  await writePrivate(keyFile, made.keyPem);
  await writePrivate(certFile, made.certPem);
  const x509 = new X509Certificate(made.certPem);
  return { key: made.keyPem, cert: made.certPem, fingerprint256: x509.fingerprint256, source: 'created', validTo: x509.validTo };
}

export async function loadWebTls(config: WebTlsConfig, opts: { dataDir: string; listenHost?: string; log: Logger; now?: Date }): Promise<WebTls> {
  if ('selfSigned' in config) return selfSigned(opts.dataDir, opts.listenHost, opts.log, opts.now ?? new Date());
  const { key, cert, x509 } = await readPair(config.keyFile, config.certFile);
  return { key, cert, fingerprint256: x509.fingerprint256, source: 'files', validTo: x509.validTo };
}
