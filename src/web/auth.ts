// Who is acting on an API request, for the audit journal. Sign-in itself lives in ./auth/.

import type { FastifyRequest } from 'fastify';
import type { QcReviewer } from '../qc/qc-api.ts';
import { TOKEN_ACTOR } from './auth/types.ts';

/** The signed-in user's name, or 'api-token' for the bearer token. */
export function actor(request: FastifyRequest): string {
  return request.principal?.name ?? TOKEN_ACTOR;
}

/** The name and role of who acts; the guard has identified everyone who gets to a route, so without a principal, the least role. */
export function actorWithRole(request: FastifyRequest): QcReviewer {
  return { name: actor(request), role: request.principal?.role ?? 'staff' };
}
