// The QC log (GET /api/qc), its series and rejections for the page's QC view, and a person's review
// of a rejection. Any signed-in user reads; recording a review is open to staff here and the QC
// service refuses (403) anyone below `qc.reviewRole` (admin unless the configuration says staff).

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifySchemaValidationError } from 'fastify';
import { QcOverview, QcPage, QcQuery, QcRejectionView, QcReviewBody } from '../../qc/qc-view.ts';
import type { GatewayApi } from '../api-types.ts';
import { actorWithRole } from '../auth.ts';

const RejectionParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const RejectionAnswer = Type.Object({ rejection: QcRejectionView });

/**
 * ajv's words, except that an unknown parameter is named ("querystring must NOT have additional
 * properties" does not say which), with the ones there are.
 */
export function namingUnknownParameters(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const words = errors.map((e) => {
    const extra = e.keyword === 'additionalProperties' ? e.params.additionalProperty : undefined;
    if (typeof extra === 'string') return `${dataVar} has no parameter "${extra.slice(0, 64)}" (known: ${Object.keys(QcQuery.properties).join(', ')})`;
    return `${dataVar}${e.instancePath} ${e.message ?? 'is not valid'}`;
  });
  return new Error(words.join(', '));
}

export function qcRoutes(api: GatewayApi) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: QcQuery }>(
      '/qc',
      { schema: { querystring: QcQuery, response: { 200: QcPage } }, schemaErrorFormatter: namingUnknownParameters },
      async (request) => api.qcLog(request.query),
    );

    app.get('/qc/overview', { schema: { response: { 200: QcOverview } } }, async (): Promise<QcOverview> => api.qcOverview());

    app.get<{ Params: Static<typeof RejectionParams> }>(
      '/qc/rejections/:id',
      { schema: { params: RejectionParams, response: { 200: RejectionAnswer } } },
      async (request) => ({ rejection: api.qcRejection(request.params.id) }),
    );

    app.post<{ Params: Static<typeof RejectionParams>; Body: QcReviewBody }>(
      '/qc/rejections/:id/review',
      { schema: { params: RejectionParams, body: QcReviewBody, response: { 200: RejectionAnswer } }, config: { access: 'staff' } },
      async (request) => {
        return { rejection: await api.reviewQc(actorWithRole(request), request.params.id, request.body) };
      },
    );
  };
}
