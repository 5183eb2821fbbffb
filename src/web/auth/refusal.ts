// A request the auth module turns down, with the status and message the caller gets; and the bodies.

import type { FastifyReply } from 'fastify';

const ERROR_NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
};

export const MESSAGES = {
  signInFirst: 'sign in first, or send Authorization: Bearer <token>',
  needsAdmin: 'this needs the admin role',
  csrf: 'missing or wrong CSRF token: send the x-csrf-token header from GET /api/session',
  wrongCredentials: 'wrong user name or password',
} as const;

export class Refusal extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 429,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'Refusal';
  }
}

function tooMany(what: string, waitMs: number): Refusal {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new Refusal(429, `too many ${what}; try again in ${seconds} s`, { 'retry-after': String(seconds) });
}

export function tooManyFailures(waitMs: number): Refusal {
  return tooMany('failed sign-ins', waitMs);
}

export function tooManyTokens(waitMs: number): Refusal {
  return tooMany('wrong API tokens from this address', waitMs);
}

export function sendRefusal(reply: FastifyReply, refusal: Refusal): FastifyReply {
  return reply
    .code(refusal.status)
    .headers(refusal.headers)
    .send({ statusCode: refusal.status, error: ERROR_NAMES[refusal.status] ?? 'Error', message: refusal.message });
}
