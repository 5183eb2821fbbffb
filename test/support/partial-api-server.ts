// The gateway's own web server (routes, auth guard, CSRF, error handler) over a GatewayApi of which a
// route test gives only the methods it means to be called; any other call fails the test loudly.

import type { FastifyInstance } from 'fastify';
import { createLogger } from '../../src/logging.ts';
import type { GatewayApi } from '../../src/web/api-types.ts';
import type { Auth } from '../../src/web/auth/index.ts';
import { buildWebServer } from '../../src/web/server.ts';

export function partialApi(methods: Partial<GatewayApi>): GatewayApi {
  return new Proxy(methods, {
    get: (target, key: string) => target[key as keyof GatewayApi] ?? (() => Promise.reject(new Error(`api.${key} not expected here`))),
  }) as GatewayApi;
}

/** Ready to be injected into; close it after. */
export async function partialApiServer(methods: Partial<GatewayApi>, auth: Auth): Promise<FastifyInstance> {
  const app = buildWebServer({
    api: partialApi(methods),
    auth,
    page: { html: '', js: '', css: '' },
    demo: false,
    logger: createLogger({ level: 'error', pretty: false }),
    startedAt: new Date(),
  });
  await app.ready();
  return app;
}
