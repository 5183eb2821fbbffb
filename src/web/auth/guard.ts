// The onRequest hook of the /api scope: who is calling (bearer token or session cookie), whether the
// route lets them, and the CSRF token on changes made with a cookie.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requestFields } from '../request-log.ts';
import type { AuthService } from './auth-service.ts';
import { MESSAGES, Refusal, sendRefusal, tooManyTokens } from './refusal.ts';
import type { Session } from './sessions.ts';
import type { Access } from './types.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a route needs when it declares nothing: reading needs a signed-in user, anything else admin (fail safe). */
export function accessOf(request: FastifyRequest): Access {
  const declared = request.routeOptions.config?.access;
  if (declared) return declared;
  return request.method === 'GET' || request.method === 'HEAD' ? 'staff' : 'admin';
}

export function csrfMatches(service: AuthService, request: FastifyRequest, session: Session): boolean {
  const presented = request.headers['x-csrf-token'];
  return typeof presented === 'string' && service.sessions.csrfMatches(session, presented);
}

export function installGuard(scope: FastifyInstance, service: AuthService): void {
  if (!scope.hasRequestDecorator('principal')) scope.decorateRequest('principal', undefined);
  scope.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const identity = service.identify(request);
    if (identity.bearerWaitMs !== undefined) {
      request.log.warn({ ...requestFields(request), ip: request.ip }, 'API call refused: too many wrong bearer tokens from this address');
      return sendRefusal(reply, tooManyTokens(identity.bearerWaitMs));
    }
    if (identity.badBearer) {
      request.log.warn({ ...requestFields(request), ip: request.ip }, 'API call refused: wrong bearer token');
      return sendRefusal(reply, new Refusal(401, MESSAGES.signInFirst, { 'www-authenticate': 'Bearer realm="medgate"' }));
    }
    request.principal = identity.principal;
    const access = accessOf(request);
    if (access === 'public') return;
    const principal = identity.principal;
    if (!principal) return sendRefusal(reply, new Refusal(401, MESSAGES.signInFirst));
    // Only a cookie rides along on a forged cross-site request; a bearer header cannot, so it needs no CSRF token.
    if (identity.session && !SAFE_METHODS.has(request.method) && !csrfMatches(service, request, identity.session)) {
      request.log.warn({ ...requestFields(request), user: principal.name, ip: request.ip }, 'API call refused: missing or wrong CSRF token');
      return sendRefusal(reply, new Refusal(403, MESSAGES.csrf));
    }
    if (access === 'admin' && principal.role !== 'admin') {
      request.log.warn({ ...requestFields(request), user: principal.name, ip: request.ip }, 'API call refused: needs the admin role');
      return sendRefusal(reply, new Refusal(403, MESSAGES.needsAdmin));
    }
  });
}
