// GET /healthz, without sign-in, for monitoring: up since when, how many devices, and whether storage
// had to be moved aside at start (the gateway runs, but what that store held is not in it).

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
