// Reads where an order stands through the gateway's API (GET /api/orders), as the interface analyst's page does.

import type { OrderDeviceView, OrderView, OrdersPage } from '../../src/orders/order-view.ts';
import type { GatewayProcess } from './gateway-process.ts';

/** The order whose placer, filler or specimen ID is `q`; throws when the API lists none. */
export async function orderNamed(gw: GatewayProcess, q: string): Promise<OrderView> {
  const res = await gw.api<OrdersPage>('GET', `/api/orders?q=${encodeURIComponent(q)}&limit=10`);
  if (res.status !== 200) throw new Error(`GET /api/orders answered ${res.status}: ${JSON.stringify(res.body)}`);
  const order = res.body.orders.find((o) => o.placer === q || o.filler === q || o.specimenIds.includes(q));
  if (!order) throw new Error(`GET /api/orders?q=${q} lists no such order (${res.body.orders.length} listed)`);
  return order;
}

/** That order's standing with one analyzer. */
export async function orderAt(gw: GatewayProcess, q: string, device: string): Promise<OrderDeviceView> {
  const order = await orderNamed(gw, q);
  const view = order.devices.find((d) => d.device === device);
  if (!view) throw new Error(`order ${q} has no entry for ${device} (has ${order.devices.map((d) => d.device).join(', ') || 'none'})`);
  return view;
}

export interface AuditedOrder {
  at: string;
  who: string;
  action: string;
  device?: string;
  patient?: { mrn: string };
  reason?: string;
}

/** The audit journal's entries about orders given to this analyzer (action `order`), oldest first. */
export async function ordersAudited(gw: GatewayProcess, device: string): Promise<AuditedOrder[]> {
  const res = await gw.api<{ audit: AuditedOrder[] }>('GET', `/api/audit?action=order&device=${encodeURIComponent(device)}&limit=100`);
  if (res.status !== 200) throw new Error(`GET /api/audit answered ${res.status}: ${JSON.stringify(res.body)}`);
  return [...res.body.audit].reverse();
}
