// GET /healthz, without sign-in, a cheap liveness check: up since when, how many devices, and whether
// storage had to be moved aside at start (the gateway runs, but what that store held is not in it).
// GET /api/health, signed in, the full verdict with its reasons (health/judge.ts).

import type { FastifyInstance } from 'fastify';
import type { GatewayApi } from '../api-types.ts';

export function healthRoutes(api: GatewayApi, startedAt: Date) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/healthz', async () => {
      const storage = api.storage();
      return { status: storage.damaged ? 'degraded' : 'ok', startedAt: startedAt.toISOString(), devices: api.devices().length, storage };
    });
  };
}

/**
 * GET /api/health (under the /api guard, any signed-in user): ok, degraded or failing, with the
 * reasons. Always 200 when the gateway answers: the verdict is in the body, not the status code.
 */
export function apiHealthRoutes(api: GatewayApi) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/health', async () => api.health());
  };
}
