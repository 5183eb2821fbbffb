// The page's only way to the server: same-origin fetch with the session cookie, and the CSRF token
// on every change. Errors carry the server's message and, for configuration, each problem's path.

import type { ConfigProblem } from '../../api-types.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly problems: ConfigProblem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

// Only what a person does keeps the session alive: a request more than this long after the last key
// or pointer press is marked as the page's own, so an unattended screen still signs out when idle.
const ACTIVE_MS = 10_000;
let lastInteraction = Date.now();
for (const type of ['pointerdown', 'keydown']) window.addEventListener(type, () => (lastInteraction = Date.now()), { capture: true, passive: true });

let csrf = '';
/** Set from GET /api/session and from sign-in; sent as x-csrf-token on every change. */
export function setCsrf(token: string): void {
  csrf = token;
}

/** Called when the server says the session is gone (401), so the shell can show the sign-in page. */
let onSignedOut: () => void = () => {};
export function whenSignedOut(fn: () => void): void {
  onSignedOut = fn;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-csrf-token'] = csrf;
  if (Date.now() - lastInteraction > ACTIVE_MS) headers['x-medgate-background'] = '1';
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'the gateway does not answer: is it running?');
  }
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
  }
  if (!res.ok) {
    const d = (data ?? {}) as { message?: unknown; problems?: unknown };
    const message = typeof d.message === 'string' ? d.message : `${res.status} ${res.statusText}`;
    const problems = Array.isArray(d.problems) ? (d.problems as ConfigProblem[]) : [];
    if (res.status === 401 && !path.startsWith('/api/session') && !path.startsWith('/api/setup')) onSignedOut();
    throw new ApiError(res.status, message, problems);
  }
  return data as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);
export const del = <T>(path: string) => api<T>('DELETE', path);
