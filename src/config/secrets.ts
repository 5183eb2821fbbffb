// Secrets in the configuration (passwords) never leave the gateway: views drop them and say only
// whether one is stored; an edit that leaves a secret out keeps the stored one, but only while the
// destination still points where it did: a password is never sent to a host it was not given for.

import { RequestError } from '../model/request-error.ts';
import type { DestinationConfig } from './schema.ts';

export type DestinationConfigView = DestinationConfig & { passwordSet?: boolean };

/** The URL as WHATWG URL writes it, without user information; undefined when it does not parse. */
function withoutUserinfo(url: string): string | undefined {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return undefined;
  }
}

function hasUserinfo(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return false;
  }
}

/** The URL without its user information (RFC 3986 §3.2.1: "user:password@" is deprecated and must not be shown). */
export function redactUrl(url: string): string {
  const clean = withoutUserinfo(url);
  // Unparseable: cut anything that looks like userinfo rather than show it.
  if (clean === undefined) return url.replace(/\/\/[^/?#]*@/, '//');
  return hasUserinfo(url) ? clean : url; // as written when there is nothing to hide
}

/** Where a URL points, written one way, whatever user information it carries. */
function target(url: string): string {
  return withoutUserinfo(url) ?? url;
}

function urlPassword(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p === '' ? undefined : decodeURIComponent(p);
  } catch {
    return undefined;
  }
}

function urlWithPassword(url: string, from: string): string {
  const u = new URL(url);
  const f = new URL(from);
  u.username = f.username;
  u.password = f.password;
  return u.toString();
}

export function redactDestination(dest: DestinationConfig): DestinationConfigView {
  if (dest.type !== 'mqtt') return structuredClone(dest);
  const { password, ...rest } = dest;
  const inUrl = urlPassword(dest.url) !== undefined;
  return { ...structuredClone(rest), url: redactUrl(dest.url), passwordSet: (password !== undefined && password !== '') || inUrl };
}

/**
 * The edited destination with the stored password kept where the edit left it out (and dropped when
 * emptied). A changed URL (host, port, scheme or path) gets no stored password: the edit must carry it
 * again, or say `"password": ""` to go without.
 */
export function keepSecrets(edited: DestinationConfig & { passwordSet?: unknown }, stored: DestinationConfig | undefined): DestinationConfig {
  const { passwordSet: _flag, ...clean } = edited;
  const next = clean as DestinationConfig;
  if (next.type !== 'mqtt') return next;
  if (next.password === '') {
    const { password: _cleared, ...rest } = next;
    return { ...rest, url: redactUrl(rest.url) };
  }
  if (stored?.type !== 'mqtt') return next;
  const storedInUrl = hasUserinfo(stored.url);
  const hasStored = (stored.password !== undefined && stored.password !== '') || urlPassword(stored.url) !== undefined;
  if (next.password !== undefined || hasUserinfo(next.url)) return next;
  if (target(next.url) !== target(stored.url)) {
    if (!hasStored) return next;
    throw new RequestError(
      400,
      `destination "${next.id}": the URL changed, so the stored password is not sent there; enter the password again (or "password": "" for none)`,
    );
  }
  const url = storedInUrl ? urlWithPassword(next.url, stored.url) : next.url;
  return { ...next, url, ...(stored.password !== undefined ? { password: stored.password } : {}) };
}
