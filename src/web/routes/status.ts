// What is wrong now (the page's status strip and badges), and "retry now" for a device link or a
// destination that waits out its backoff. Retrying changes no data and no configuration: staff may.

import { type Static, Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { StatusView } from '../../health/problems.ts';
import type { GatewayApi } from '../api-types.ts';
import { actor } from '../auth.ts';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

export function statusRoutes(api: GatewayApi) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/status', { schema: { response: { 200: StatusView } } }, async (): Promise<Static<typeof StatusView>> => api.status());

    // `already: true`: it was trying at that moment anyway (connecting, sending): news, not an error.
    app.post<{ Params: Static<typeof IdParams> }>('/devices/:id/retry', { schema: { params: IdParams }, config: { access: 'staff' } }, async (request) => ({
      device: request.params.id,
      ...api.retryDevice(actor(request), request.params.id),
    }));

    app.post<{ Params: Static<typeof IdParams> }>(
      '/destinations/:id/retry',
      { schema: { params: IdParams }, config: { access: 'staff' } },
      async (request) => ({ destination: request.params.id, ...api.retryDestination(actor(request), request.params.id) }),
    );
  };
}
