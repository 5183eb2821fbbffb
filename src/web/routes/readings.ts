// Readings by status, an EKG's tracing, and what a person does with a held one: assign it to a
// patient, release it (it has its patient; a person confirms what its holds need), or discard it.

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AUDIT_ACTIONS, type AuditAction } from '../../audit/journal.ts';
import { PatientBody } from '../../config/schema.ts';
import type { RejectedInput } from '../../store/rejects.ts';
import type { GatewayApi } from '../api-types.ts';
import { ReadingsQuerySchema, type ReadingsQuery } from '../list-queries.ts';
import { actor, actorWithRole } from '../auth.ts';
import type { Principal } from '../auth/types.ts';

const RejectedQuery = Type.Object({
  device: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  before: Type.Optional(Type.String({ maxLength: 40 })),
});
const AuditQuerystring = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  before: Type.Optional(Type.String({ maxLength: 40 })),
  device: Type.Optional(Type.String({ maxLength: 64 })),
  reading: Type.Optional(Type.String({ maxLength: 64 })),
  patient: Type.Optional(Type.String({ maxLength: 64, description: 'MRN' })),
  action: Type.Optional(Type.Union(AUDIT_ACTIONS.map((a) => Type.Literal(a)))),
});
const ReadingParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const TracingQuery = Type.Object({ max: Type.Integer({ minimum: 100, maximum: 20_000, default: 2500, description: 'samples per lead at most' }) });
const Confirmations = Type.Object({
  acceptImplausible: Type.Optional(Type.Boolean({ description: 'a person has checked the values (settles holds of kind "value")' })),
  acceptLocalCode: Type.Optional(
    Type.Boolean({
      description: 'send the results a code hold names under the analyzer\'s own code only, never the mapped one (settles holds of kind "code")',
    }),
  ),
  acceptQcFailure: Type.Optional(
    Type.Boolean({ description: 'send it although its test\'s quality control failed and is not reviewed yet (settles holds of kind "qc")' }),
  ),
});
export const AssignBody = Type.Composite([PatientBody, Confirmations], { additionalProperties: false });
export const ReleaseBody = Type.Composite([Confirmations], { additionalProperties: false });
const DiscardBody = Type.Object({ reason: Type.String({ minLength: 3, maxLength: 500 }) }, { additionalProperties: false });

/**
 * A rejected input as the caller may see it: what arrived may be a result with the patient's name,
 * so its bytes are for administrators (and the API token); staff see why and how much.
 */
export function rejectedView(entry: RejectedInput, principal: Principal | undefined): RejectedInput | Omit<RejectedInput, 'bytes'> {
  if (principal?.role === 'admin') return entry;
  // The detail quotes what arrived, as the bytes do.
  const { bytes, detail: _detail, ...rest } = entry;
  return { ...rest, size: entry.size ?? bytes.length };
}

export function readingRoutes(api: GatewayApi) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: ReadingsQuery }>('/readings', { schema: { querystring: ReadingsQuerySchema } }, async (request) => api.readings(request.query));

    // Read only: the audit journal has no route that changes it.
    app.get<{ Querystring: Static<typeof AuditQuerystring> }>('/audit', { schema: { querystring: AuditQuerystring } }, async (request) => {
      const { action, ...rest } = request.query;
      return { audit: await api.audit({ ...rest, ...(action ? { action: action as AuditAction } : {}) }) };
    });

    app.get<{ Querystring: Static<typeof RejectedQuery> }>('/rejected', { schema: { querystring: RejectedQuery } }, async (request) => ({
      rejected: (await api.rejected(request.query)).map((e) => rejectedView(e, request.principal)),
      dropped: api.rejectedDropped(),
    }));

    app.get<{ Params: Static<typeof ReadingParams>; Querystring: Static<typeof TracingQuery> }>(
      '/readings/:id/tracing',
      { schema: { params: ReadingParams, querystring: TracingQuery } },
      async (request, reply) => {
        const tracing = await api.tracing(request.params.id, request.query.max);
        if (!tracing) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `reading "${request.params.id}" has no waveform` });
        return tracing;
      },
    );

    app.post<{ Params: Static<typeof ReadingParams>; Body: Static<typeof AssignBody> }>(
      '/readings/:id/assign',
      { schema: { params: ReadingParams, body: AssignBody }, config: { access: 'staff' } },
      async (request) => {
        const { acceptImplausible, acceptLocalCode, acceptQcFailure, ...patient } = request.body;
        const reading = await api.assign(actorWithRole(request), request.params.id, patient, { acceptImplausible, acceptLocalCode, acceptQcFailure });
        request.log.info(
          {
            reading: request.params.id,
            acceptImplausible: acceptImplausible ?? false,
            acceptLocalCode: acceptLocalCode ?? false,
            acceptQcFailure: acceptQcFailure ?? false,
          },
          'held reading assigned',
        );
        return { reading };
      },
    );

    app.post<{ Params: Static<typeof ReadingParams>; Body: Static<typeof ReleaseBody> }>(
      '/readings/:id/release',
      { schema: { params: ReadingParams, body: ReleaseBody }, config: { access: 'staff' } },
      async (request) => {
        const { acceptImplausible, acceptLocalCode, acceptQcFailure } = request.body;
        const reading = await api.release(actorWithRole(request), request.params.id, { acceptImplausible, acceptLocalCode, acceptQcFailure });
        request.log.info(
          {
            reading: request.params.id,
            acceptImplausible: acceptImplausible ?? false,
            acceptLocalCode: acceptLocalCode ?? false,
            acceptQcFailure: acceptQcFailure ?? false,
            status: reading.status,
          },
          'held reading released',
        );
        return { reading };
      },
    );

    app.post<{ Params: Static<typeof ReadingParams>; Body: Static<typeof DiscardBody> }>(
      '/readings/:id/discard',
      { schema: { params: ReadingParams, body: DiscardBody }, config: { access: 'staff' } },
      async (request) => {
        const reading = await api.discard(actor(request), request.params.id, request.body.reason);
        request.log.info({ reading: request.params.id }, 'held reading discarded');
        return { reading };
      },
    );
  };
}
