// Who is acting on an API request, for the audit journal. Sign-in itself lives in ./auth/.

import type { FastifyRequest } from 'fastify';
import { TOKEN_ACTOR } from './auth/types.ts';

/** The signed-in user's name, or 'api-token' for the bearer token. */
export function actor(request: FastifyRequest): string {
  return request.principal?.name ?? TOKEN_ACTOR;
}
