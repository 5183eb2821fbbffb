// The EHR's orders and where each stands with each analyzer (received, sent, queried, resulted,
// cancelled, rejected), one order's story, and sending a rejected download again.

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { OrdersQuery } from '../../orders/order-view.ts';
import type { GatewayApi } from '../api-types.ts';
import { actor } from '../auth.ts';

const STATES = ['not-sent', 'waiting', 'sent', 'queried', 'resulted', 'cancel-waiting', 'cancelled', 'rejected', 'unresulted'] as const;

export const OrdersQuerySchema = Type.Object({
  state: Type.Optional(
    Type.Union(
      STATES.map((s) => Type.Literal(s)),
      {
        description: "only orders in this state as a whole (the order's `state`), or with `device` at that analyzer; unresulted: sent or queried and overdue",
      },
    ),
  ),
  device: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  q: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'placer, filler or specimen ID (exact), or MRN' })),
  // The page's "Show more" stops here (src/web/page/lib/order-words.ts MAX_ORDERS_SHOWN).
  limit: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
});
const OrderParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 200 }) });
const OrderDeviceParams = Type.Object({ key: Type.String({ minLength: 1, maxLength: 200 }), device: Type.String({ minLength: 1, maxLength: 64 }) });

// The schema and the API's query are one shape: a change to either fails the build here.
const sameQuery = (q: Static<typeof OrdersQuerySchema>): OrdersQuery => q;

export function orderRoutes(api: GatewayApi) {
  return async function (app: FastifyInstance): Promise<void> {
    // Without an inbound feed there are no orders: an empty page, the same shape.
    app.get<{ Querystring: Static<typeof OrdersQuerySchema> }>('/orders', { schema: { querystring: OrdersQuerySchema } }, async (request) => {
      return api.orders(sameQuery(request.query)) ?? { orders: [], total: 0, counts: {} };
    });

    app.get<{ Params: Static<typeof OrderParams> }>('/orders/:key', { schema: { params: OrderParams } }, async (request) => ({
      order: api.order(request.params.key),
    }));

    app.post<{ Params: Static<typeof OrderDeviceParams> }>(
      '/orders/:key/devices/:device/resend',
      { schema: { params: OrderDeviceParams }, config: { access: 'staff' } },
      async (request) => ({ order: await api.resendOrder(actor(request), request.params.key, request.params.device) }),
    );
  };
}
