// What a log line may say about an HTTP request. Its URL may not be logged above debug: the query
// carries patient search terms (`/api/patients/search?q=Doe`) and the path may carry an MRN or a
// reading id (`/api/patients/MRN9471`), so the line names the route as declared, its parameters unfilled.

import type { FastifyRequest } from 'fastify';

export interface RequestFields {
  method: string;
  /** The matched route's pattern (`/api/patients/:mrn`); absent when no route matched. */
  route?: string;
}

export function requestFields(request: FastifyRequest): RequestFields {
  const route = request.routeOptions.url;
  return route === undefined ? { method: request.method } : { method: request.method, route };
}

/** A refused request's error code, and its message when it is fastify's schema validation (field and rule only). */
export function refusalCode(error: Error & { code?: unknown }): { code?: string; message?: string } {
  if (typeof error.code !== 'string') return {};
  return error.code === 'FST_ERR_VALIDATION' ? { code: error.code, message: error.message } : { code: error.code };
}
