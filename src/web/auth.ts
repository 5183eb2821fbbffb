// Bearer-token check for everything under /api. Encapsulated: registered inside the /api scope only.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tokenMatches } from './token.ts';

export function requireBearer(app: FastifyInstance, token: string): void {
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1] || !tokenMatches(token, match[1])) {
      request.log.warn({ url: request.url, ip: request.ip }, 'API call refused: missing or wrong bearer token');
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="medgate"')
        .send({ statusCode: 401, error: 'Unauthorized', message: 'send Authorization: Bearer <token> (see <dataDir>/api-token or MEDGATE_API_TOKEN)' });
    }
  });
}

/** Who is acting, for the audit journal: with the bearer token, the script or person holding it. */
export function actor(_request: FastifyRequest): string {
  return 'api-token';
}
