// Live events for the page as server-sent events: one `event:` per GatewayEvent type, its JSON as `data:`.

import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { GatewayApi, GatewayEvent } from '../api-types.ts';

const PING_MS = 15_000;
// A page that stops reading (a tablet asleep) must not make the gateway buffer without end; EventSource reconnects.
const MAX_BUFFERED = 1024 * 1024;

/** The text of events already written: the bus hands every stream the same object, a new one per emit, so each is serialised once. */
const texts = new WeakMap<GatewayEvent, string>();

export function formatEvent(event: GatewayEvent): string {
  let text = texts.get(event);
  if (text === undefined) {
    text = `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    texts.set(event, text);
  }
  return text;
}

export interface EventRouteOptions {
  /** Checked at every ping: a stream whose session ended or expired is closed, so a page left open stops showing patients. */
  stillSignedIn(request: FastifyRequest): boolean;
  pingMs?: number;
}

export function eventRoutes(api: GatewayApi, opts: EventRouteOptions) {
  return async function (app: FastifyInstance): Promise<void> {
    const open = new Set<ServerResponse>();
    // Open streams would keep the server from closing.
    app.addHook('preClose', async () => {
      for (const res of open) res.end();
    });

    app.get('/events', async (request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write('retry: 3000\n\n');
      open.add(res);
      const close = () => {
        unsubscribe();
        clearInterval(ping);
        open.delete(res);
        if (!res.writableEnded) res.end();
      };
      const write = (text: string) => {
        if (res.writableLength > MAX_BUFFERED) {
          request.log.warn('event stream dropped: the page does not keep up');
          close();
          return;
        }
        res.write(text);
      };
      const unsubscribe = api.subscribe((event) => {
        // Also before every event: after sign-out not one more reading reaches the page.
        if (opts.stillSignedIn(request)) write(formatEvent(event));
        else close();
      });
      const ping = setInterval(() => {
        if (!opts.stillSignedIn(request)) {
          request.log.info('event stream closed: the session ended');
          close();
          return;
        }
        write(': ping\n\n');
      }, opts.pingMs ?? PING_MS);
      request.raw.on('close', close);
      res.on('error', close);
    });
  };
}
