// Outbox messages by destination and state; one message's exact HL7 that went (or goes) out with the EHR's answer, and resending a dead letter.

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { MessageState } from '../../store/types.ts';
import type { GatewayApi } from '../api-types.ts';
import { actor } from '../auth.ts';

const MessageParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const MessagesQuery = Type.Object({
  destination: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  state: Type.Optional(Type.Union(['queued', 'sending', 'retry_wait', 'delivered', 'dead'].map((s) => Type.Literal(s)))),
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
  before: Type.Optional(Type.String({ maxLength: 40 })),
});

export function messageRoutes(api: GatewayApi) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get<{ Querystring: Static<typeof MessagesQuery> }>('/messages', { schema: { querystring: MessagesQuery } }, async (request) => {
      const { state, ...rest } = request.query;
      return { messages: await api.messages({ ...rest, ...(state ? { state: state as MessageState } : {}) }) };
    });

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
  };
}
