// Secrets in the configuration (passwords) never leave the gateway: views drop them and say only
// whether one is stored; an edit that leaves a secret out keeps the stored one.

import type { DestinationConfig } from './schema.ts';

export type DestinationConfigView = DestinationConfig & { passwordSet?: boolean };

export function redactDestination(dest: DestinationConfig): DestinationConfigView {
  if (dest.type !== 'mqtt') return structuredClone(dest);
  const { password, ...rest } = dest;
  return { ...structuredClone(rest), passwordSet: password !== undefined && password !== '' };
}

/** The edited destination with the stored password kept where the edit left it out (and dropped when emptied). */
export function keepSecrets(edited: DestinationConfig & { passwordSet?: unknown }, stored: DestinationConfig | undefined): DestinationConfig {
  const { passwordSet: _flag, ...clean } = edited;
  const next = clean as DestinationConfig;
  if (next.type !== 'mqtt') return next;
  if (next.password === '') {
    const { password: _cleared, ...rest } = next;
    return rest;
  }
  if (next.password === undefined && stored?.type === 'mqtt' && stored.password !== undefined) return { ...next, password: stored.password };
  return next;
}
