// A self-signed EC certificate for localhost and 127.0.0.1, valid two days, made by Debian's openssl:
// the TLS tests' server (or device) identity.

import { execFileSync } from 'node:child_process';

export function writeSelfSignedCertificate(keyFile: string, certFile: string, commonName = 'localhost'): void {
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile];
  args.push('-days', '2', '-subj', `/CN=${commonName}`, '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1');
  execFileSync('/usr/bin/openssl', args, { stdio: 'ignore' });
}
