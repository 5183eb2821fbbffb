// Outbox messages by destination, state, device and patient, searched and paged (runtime/find-messages.ts); one message's exact HL7 that went (or goes) out with the EHR's answer, resending a dead letter, and discarding a dead QC message.

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { GatewayApi } from '../api-types.ts';
import { MessagesQuerySchema, type MessagesQuery } from '../list-queries.ts';
import { actor } from '../auth.ts';

const MessageParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const DiscardBody = Type.Object({ reason: Type.String({ minLength: 3, maxLength: 500 }) }, { additionalProperties: false });

export function messageRoutes(api: GatewayApi) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: MessagesQuery }>('/messages', { schema: { querystring: MessagesQuerySchema } }, async (request) => api.messages(request.query));

    app.get<{ Params: Static<typeof MessageParams> }>('/messages/:id', { schema: { params: MessageParams } }, async (request) => ({
      message: await api.message(request.params.id),
    }));

    app.post<{ Params: Static<typeof MessageParams> }>(
      '/messages/:id/resend',
      { schema: { params: MessageParams }, config: { access: 'staff' } },
      async (request) => {
        const message = await api.resend(actor(request), request.params.id);
        request.log.info({ message: message.id, destination: message.destinationId }, 'dead letter queued again');
        return { message };
      },
    );

    app.post<{ Params: Static<typeof MessageParams>; Body: Static<typeof DiscardBody> }>(
      '/messages/:id/discard',
      { schema: { params: MessageParams, body: DiscardBody }, config: { access: 'staff' } },
      async (request) => {
        const message = await api.discardMessage(actor(request), request.params.id, request.body.reason);
        request.log.info({ message: message.id, destination: message.destinationId }, 'dead QC message discarded');
        return { message };
      },
    );
  };
}
