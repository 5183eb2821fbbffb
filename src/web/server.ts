// The gateway's HTTP server: /healthz without auth, the page, the JSON API under /api behind a
// signed-in session or the bearer token, and /metrics behind the same. Each group of routes is its own plugin.

import { createServer as createHttpsServer } from 'node:https';
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
import { orderRoutes } from './routes/orders.ts';
import { patientRoutes } from './routes/patients.ts';
import { qcRoutes } from './routes/qc.ts';
import { refusalCode, requestFields } from './request-log.ts';
import { readingRoutes } from './routes/readings.ts';
import { statusRoutes } from './routes/status.ts';
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
  /** HTTPS: the key and certificate (PEM). Without, plain HTTP (loopback, or a TLS proxy in front). */
  tls?: { key: string; cert: string; fingerprint256: string };
  /** A TLS-terminating proxy's addresses (or true for any): its X-Forwarded-For/-Proto are believed. */
  trustProxy?: boolean | string[];
}

/** RFC 6797: one year. Browsers ignore it on a connection with certificate errors (§8.1), so a self-signed certificate is not pinned. */
const HSTS = 'max-age=31536000';

const ERROR_NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  429: 'Too Many Requests',
};

export function buildWebServer(opts: WebServerOptions): FastifyInstance {
  const loggerInstance: FastifyBaseLogger = opts.logger;
  const app = Fastify({
    loggerInstance,
    // Per-request lines would carry URLs with reading ids on every poll; routes log what matters.
    logController: new LogController({ disableRequestLogging: true }),
    // Unknown fields are an error the caller should hear about, not something silently dropped.
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: 'array', useDefaults: true } },
    bodyLimit: 1024 * 1024,
    ...(opts.trustProxy !== undefined ? { trustProxy: opts.trustProxy } : {}),
    ...(opts.tls ? { serverFactory: httpsFactory(opts.tls) } : {}),
  });

  app.addHook('onRequest', async (request, reply) => {
    // Every response: a browser must not guess a type (a JSON body or a download run as a script).
    reply.header('x-content-type-options', 'nosniff');
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    // Patient data must not stay in the browser's cache on a shared clinic PC (RFC 9111 §5.2.2.5).
    if (request.url === '/api' || request.url.startsWith('/api/') || request.url.startsWith('/api?')) reply.header('cache-control', 'no-store');
  });

  app.setErrorHandler((raw: unknown, request, reply) => {
    if (raw instanceof ConfigChangeRefused) {
      request.log.warn({ ...requestFields(request), problems: raw.problems }, 'configuration change refused');
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: raw.message, problems: raw.problems });
    }
    if (raw instanceof RequestError) {
      const status = raw.status;
      return reply.code(status).send({ statusCode: status, error: ERROR_NAMES[status] ?? 'Error', message: raw.message });
    }
    const error = raw instanceof Error ? (raw as Error & { statusCode?: unknown }) : new Error(String(raw));
    const statusCode = 'statusCode' in error ? error.statusCode : undefined;
    const status = typeof statusCode === 'number' && statusCode >= 400 ? statusCode : 500;
    // Neither the URL nor any 4xx message at warn (a JSON parse error's quotes the body): the route,
    // the code and a validation message (ajv names the field and the rule, never the value).
    if (status >= 500) request.log.error({ err: error, ...requestFields(request) }, 'API call failed');
    else request.log.warn({ ...requestFields(request), status, ...refusalCode(error) }, 'API call rejected');
    request.log.debug({ url: request.url, message: error.message }, 'API call refused: request and message');
    return reply
      .code(status)
      .send({ statusCode: status, error: status >= 500 ? 'Internal Server Error' : (ERROR_NAMES[status] ?? 'Bad Request'), message: error.message });
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
      await opts.auth.routes(scope, { demo: opts.demo, ...(opts.tls ? { tlsFingerprint: opts.tls.fingerprint256 } : {}) });
      await scope.register(deviceRoutes(opts.api));
      await scope.register(apiHealthRoutes(opts.api));
      await scope.register(statusRoutes(opts.api));
      await scope.register(readingRoutes(opts.api));
      await scope.register(messageRoutes(opts.api));
      await scope.register(patientRoutes(opts.api));
      await scope.register(orderRoutes(opts.api));
      await scope.register(qcRoutes(opts.api));
      await scope.register(configRoutes(opts.api));
      await scope.register(toolRoutes(opts.api));
      await scope.register(eventRoutes(opts.api, { stillSignedIn: (r) => opts.auth.stillSignedIn(r), pingMs: opts.eventPingMs }));
    },
    { prefix: '/api' },
  );
  return app;
}

function httpsFactory(tls: { key: string; cert: string }) {
  // https.Server is an http.Server to fastify's types (node's typings merge the two); TLS 1.2 at least (RFC 8996).
  return (handler: Parameters<typeof createHttpsServer>[1]) => createHttpsServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' }, handler);
}
