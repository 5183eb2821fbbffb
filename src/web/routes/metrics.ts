// GET /metrics for Prometheus. Outside /api (the path scrapers expect) but behind the same guard:
// the API bearer token, which is what a scraper has; a signed-in administrator may look too.

import type { FastifyInstance } from 'fastify';
import type { GatewayApi } from '../api-types.ts';

export function metricsRoutes(api: GatewayApi) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/metrics', { config: { access: 'admin' } }, async (_request, reply) => {
      const { contentType, text } = await api.metrics();
      return reply.type(contentType).send(text);
    });
  };
}
