// Who is acting on a request, and the access level a route declares; augments fastify's types.

import type { Role } from '../api-types.ts';

export type Access = 'public' | 'staff' | 'admin';

export interface Principal {
  /** 'user': signed in with a session cookie; 'token': the API bearer token (a script, acting as admin). */
  kind: 'user' | 'token';
  name: string;
  role: Role;
}

/** The name the bearer token acts under, in the audit journal; no user may take it. */
export const TOKEN_ACTOR = 'api-token';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Who may call the route; undeclared: GET/HEAD any signed-in user, anything else admin. */
    access?: Access;
  }
}
