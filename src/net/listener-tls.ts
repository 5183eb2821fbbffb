// Node TLS options for a listener (inbound feed, device TCP listener) from the config's file names;
// read once, when the listener starts. With `requestCert` a peer without a certificate signed by
// `caFile` is refused during the handshake.

import { readFileSync } from 'node:fs';
import type tls from 'node:tls';
import type { ListenerTlsConfig } from '../config/schema.ts';

export function listenerTlsOptions(cfg: ListenerTlsConfig): tls.TlsOptions {
  const opts: tls.TlsOptions = { cert: readFileSync(cfg.certFile), key: readFileSync(cfg.keyFile) };
  if (cfg.caFile) opts.ca = readFileSync(cfg.caFile);
  // Without a CA, Node would check client certificates against its public roots (check-config says so too).
  if (cfg.requestCert && !cfg.caFile) throw new Error("tls.requestCert needs tls.caFile: the CA that signs the peers' certificates");
  if (cfg.requestCert) {
    opts.requestCert = true;
    opts.rejectUnauthorized = true;
  }
  return opts;
}
