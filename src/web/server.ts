// The gateway's HTTP server: /healthz without auth, the JSON API under /api behind the bearer token.

import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { RequestError } from '../model/request-error.ts';
import type { GatewayApi } from './api-types.ts';
import { requireBearer } from './auth.ts';
import { deviceRoutes } from './routes/devices.ts';
import { messageRoutes } from './routes/messages.ts';
import { readingRoutes } from './routes/readings.ts';

export interface WebServerOptions {
  api: GatewayApi;
  token: string;
  logger: PinoLogger;
  startedAt: Date;
}

export function buildWebServer(opts: WebServerOptions): FastifyInstance {
  const loggerInstance: FastifyBaseLogger = opts.logger;
  const app = Fastify({
    loggerInstance,
    // Per-request lines would carry URLs with reading ids on every poll; routes log what matters.
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown fields are an error the caller should hear about, not something silently dropped.
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array', useDefaults: true } },
    bodyLimit: 1024 * 1024,
  });

  app.setErrorHandler((raw: unknown, request, reply) => {
    if (raw instanceof RequestError) {
      const error = raw;
      return reply.code(error.status).send({ statusCode: error.status, error: error.status === 404 ? 'Not Found' : 'Conflict', message: error.message });
    }
    const error = raw instanceof Error ? (raw as Error & { statusCode?: unknown }) : new Error(String(raw));
    const statusCode = 'statusCode' in error ? error.statusCode : undefined;
    const status = typeof statusCode === 'number' && statusCode >= 400 ? statusCode : 500;
    if (status >= 500) request.log.error({ err: error, url: request.url }, 'API call failed');
    else request.log.warn({ url: request.url, message: error.message }, 'API call rejected');
    return reply.code(status).send({ statusCode: status, error: status >= 500 ? 'Internal Server Error' : 'Bad Request', message: error.message });
  });

  app.get('/healthz', async () => ({ status: 'ok', startedAt: opts.startedAt.toISOString(), devices: opts.api.devices().length }));

  app.register(
    async (scope) => {
      requireBearer(scope, opts.token);
      await scope.register(deviceRoutes(opts.api));
      await scope.register(readingRoutes(opts.api));
      await scope.register(messageRoutes(opts.api));
    },
    { prefix: '/api' },
  );
  return app;
}
