// The patient directory as the page searches it, when the EHR feeds one.

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { GatewayApi } from '../api-types.ts';

const SearchQuery = Type.Object({
  q: Type.String({ minLength: 1, maxLength: 128 }),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
});

export function patientRoutes(api: GatewayApi) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/patients/summary', async () => ({ directory: api.patients() ?? null }));
    // null, not [], without a directory: the page then asks for MRN and name instead.
    app.get<{ Querystring: Static<typeof SearchQuery> }>('/patients/search', { schema: { querystring: SearchQuery } }, async (request) => ({
      patients: api.searchPatients(request.query.q, request.query.limit) ?? null,
    }));
  };
}
