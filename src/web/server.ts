// The gateway's HTTP server: /healthz without auth, the page, the JSON API under /api behind a
// signed-in session or the bearer token, and /metrics behind the same. Each group of routes is its own plugin.

import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { ConfigChangeRefused } from '../config/config-file.ts';
import { RequestError } from '../model/request-error.ts';
import type { GatewayApi } from './api-types.ts';
import type { Auth } from './auth/index.ts';
import { pageRoutes, type PageAssets } from './page-bundle.ts';
import { configRoutes } from './routes/config.ts';
import { deviceRoutes } from './routes/devices.ts';
import { eventRoutes } from './routes/events.ts';
import { apiHealthRoutes, healthRoutes } from './routes/health.ts';
import { messageRoutes } from './routes/messages.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { patientRoutes } from './routes/patients.ts';
import { readingRoutes } from './routes/readings.ts';
import { toolRoutes } from './routes/tools.ts';

export interface WebServerOptions {
  api: GatewayApi;
  auth: Auth;
  page: PageAssets;
  demo: boolean;
  logger: PinoLogger;
  startedAt: Date;
  /** How often an event stream is pinged and its session checked (tests shorten it). */
  eventPingMs?: number;
}

const ERROR_NAMES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests' };

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
    if (raw instanceof ConfigChangeRefused) {
      request.log.warn({ url: request.url, problems: raw.problems }, 'configuration change refused');
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: raw.message, problems: raw.problems });
    }
    if (raw instanceof RequestError) {
      const status = raw.status;
      return reply.code(status).send({ statusCode: status, error: ERROR_NAMES[status] ?? 'Error', message: raw.message });
    }
    const error = raw instanceof Error ? (raw as Error & { statusCode?: unknown }) : new Error(String(raw));
    const statusCode = 'statusCode' in error ? error.statusCode : undefined;
    const status = typeof statusCode === 'number' && statusCode >= 400 ? statusCode : 500;
    if (status >= 500) request.log.error({ error, url: request.url }, 'API call failed');
    else request.log.warn({ url: request.url, message: error.message }, 'API call rejected');
    return reply.code(status).send({ statusCode: status, error: status >= 500 ? 'Internal Server Error' : (ERROR_NAMES[status] ?? 'Bad Request'), message: error.message });
  });

  app.register(healthRoutes(opts.api, opts.startedAt));
  app.register(pageRoutes(opts.page));
  // Prometheus scrapes /metrics with the API token; the guard of its own scope demands it.
  app.register(async (scope) => {
    opts.auth.guard(scope);
    await scope.register(metricsRoutes(opts.api));
  });

  app.register(
    async (scope) => {
      opts.auth.guard(scope);
      await opts.auth.routes(scope, { demo: opts.demo });
      await scope.register(deviceRoutes(opts.api));
      await scope.register(apiHealthRoutes(opts.api));
      await scope.register(readingRoutes(opts.api));
      await scope.register(messageRoutes(opts.api));
      await scope.register(patientRoutes(opts.api));
      await scope.register(configRoutes(opts.api));
      await scope.register(toolRoutes(opts.api));
      await scope.register(eventRoutes(opts.api, { stillSignedIn: (r) => opts.auth.stillSignedIn(r), pingMs: opts.eventPingMs }));
    },
    { prefix: '/api' },
  );
  return app;
}
