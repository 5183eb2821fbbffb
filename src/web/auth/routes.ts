// /session, /setup and /users: signing in and out, the first admin, and user administration.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SessionView } from '../api-types.ts';
import type { AuthService, Identity } from './auth-service.ts';
import { clearedSessionCookie, sessionCookie } from './cookie.ts';
import { csrfMatches } from './guard.ts';
import { MESSAGES, Refusal, sendRefusal } from './refusal.ts';
import { NewUserBody, PasswordChangeBody, SetupBody, SignInBody, UserChangeBody, UserParams } from './schemas.ts';
import type { Session } from './sessions.ts';
import type { Principal } from './types.ts';

async function answer<T>(reply: FastifyReply, work: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof Refusal) return sendRefusal(reply, err);
    throw err;
  }
}

function secure(request: FastifyRequest): boolean {
  return request.protocol === 'https';
}

/** The principal a guarded route runs as; the guard has refused the request when there is none. */
function principalOf(request: FastifyRequest, identity: Identity): Principal {
  const principal = request.principal ?? identity.principal;
  if (!principal) throw new Refusal(401, MESSAGES.signInFirst);
  return principal;
}

export function registerAuthRoutes(scope: FastifyInstance, service: AuthService, ctx: { demo: boolean; tlsFingerprint?: string }): void {
  const view = (principal: Principal | undefined, session: Session | undefined): SessionView => ({
    user: principal ? { name: principal.name, role: principal.role } : null,
    ...(session ? { csrf: session.csrf } : {}),
    setupRequired: service.setupRequired,
    demo: ctx.demo,
    ...(ctx.tlsFingerprint ? { tlsFingerprint: ctx.tlsFingerprint } : {}),
  });
  const signedIn = (request: FastifyRequest, reply: FastifyReply, result: { user: Principal; id: string; session: Session }): SessionView => {
    reply.header('set-cookie', sessionCookie(result.id, secure(request))).header('cache-control', 'no-store');
    return view(result.user, result.session);
  };

  scope.get('/session', { config: { access: 'public' } }, async (request, reply) => {
    const identity = service.identify(request);
    reply.header('cache-control', 'no-store');
    return view(identity.principal, identity.session);
  });

  scope.post<{ Body: SignInBody }>('/session', { schema: { body: SignInBody }, config: { access: 'public' } }, async (request, reply) =>
    answer(reply, async () => {
      const previous = service.identify(request).session;
      const result = await service.signIn(request.body.name, request.body.password, request.ip);
      if (previous) service.sessions.end(previous);
      return signedIn(request, reply, result);
    }),
  );

  // Public so that signing out with an expired session still clears the cookie; a live session needs its CSRF token.
  scope.delete('/session', { config: { access: 'public' } }, async (request, reply) => {
    const session = service.identify(request).session;
    if (session) {
      if (!csrfMatches(service, request, session)) return sendRefusal(reply, new Refusal(403, MESSAGES.csrf));
      await service.signOut(session, request.ip);
    }
    return reply
      .code(204)
      .header('set-cookie', clearedSessionCookie(secure(request)))
      .send();
  });

  scope.put<{ Body: PasswordChangeBody }>('/session/password', { schema: { body: PasswordChangeBody }, config: { access: 'staff' } }, async (request, reply) =>
    answer(reply, async () => {
      const identity = service.identify(request);
      await service.changeOwnPassword(principalOf(request, identity), identity.session, request.body.current, request.body.password, request.ip);
      return reply.code(204).send();
    }),
  );

  scope.post<{ Body: SetupBody }>('/setup', { schema: { body: SetupBody }, config: { access: 'public' } }, async (request, reply) =>
    answer(reply, async () => {
      const { token, name, password } = request.body;
      const previous = service.identify(request).session;
      const result = await service.createFirstAdmin(token, name, password, request.ip);
      if (previous) service.sessions.end(previous);
      return signedIn(request, reply, result);
    }),
  );

  scope.get('/users', { config: { access: 'admin' } }, async () => ({ users: service.listUsers() }));

  scope.post<{ Body: NewUserBody }>('/users', { schema: { body: NewUserBody }, config: { access: 'admin' } }, async (request, reply) =>
    answer(reply, async () => {
      const { name, password, role } = request.body;
      const user = await service.createUser(principalOf(request, service.identify(request)), name, password, role);
      return reply.code(201).send({ user });
    }),
  );

  scope.put<{ Params: UserParams; Body: UserChangeBody }>(
    '/users/:name',
    { schema: { params: UserParams, body: UserChangeBody }, config: { access: 'admin' } },
    async (request, reply) =>
      answer(reply, async () => {
        const identity = service.identify(request);
        const user = await service.changeUser(principalOf(request, identity), identity.session, request.params.name, request.body);
        return { user };
      }),
  );

  scope.delete<{ Params: UserParams }>('/users/:name', { schema: { params: UserParams }, config: { access: 'admin' } }, async (request, reply) =>
    answer(reply, async () => {
      const identity = service.identify(request);
      const principal = principalOf(request, identity);
      await service.removeUser(principal, request.params.name);
      // Removing yourself ends your own session too: tell the browser.
      if (identity.session && identity.session.user === principal.name && principal.name === request.params.name.toLowerCase()) {
        reply.header('set-cookie', clearedSessionCookie(secure(request)));
      }
      return reply.code(204).send();
    }),
  );
}
