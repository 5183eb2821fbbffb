// Node TLS options for a listener (inbound feed, device TCP listener) from the config's file names;
// read once, when the listener starts. With `requestCert` a peer without a certificate signed by
// `caFile` is refused during the handshake.

import { readFileSync } from 'node:fs';
import type tls from 'node:tls';
import type { ListenerTlsConfig } from '../config/schema.ts';

export function listenerTlsOptions(cfg: ListenerTlsConfig): tls.TlsOptions {
  const opts: tls.TlsOptions = { cert: readFileSync(cfg.certFile), key: readFileSync(cfg.keyFile) };
  if (cfg.caFile) opts.ca = readFileSync(cfg.caFile);
  if (cfg.requestCert) {
    opts.requestCert = true;
    opts.rejectUnauthorized = true;
  }
  return opts;
}
