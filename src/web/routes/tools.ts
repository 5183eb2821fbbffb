// The technician's tools: find serial ports, watch the bytes a link brings, and (demo mode) run simulators.

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { Transport } from '../../config/schema.ts';
import type { GatewayApi } from '../api-types.ts';
import { actor } from '../auth.ts';

const LinkTestBody = Type.Object(
  {
    deviceId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    transport: Type.Optional(Transport),
    driver: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    settings: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "the driver's settings as edited, to read what arrives" })),
    seconds: Type.Integer({ minimum: 1, maximum: 30, default: 5 }),
  },
  { additionalProperties: false },
);
const DeviceParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const SimulatorBody = Type.Object(
  {
    serialPath: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'the other end of the cable or pty pair' })),
    intervalMs: Type.Optional(Type.Integer({ minimum: 50, maximum: 3_600_000 })),
    count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  },
  { additionalProperties: false },
);

export function toolRoutes(api: GatewayApi) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/serial-ports', { config: { access: 'admin' } }, async () => ({ ports: await api.serialPorts() }));
    app.post<{ Body: Static<typeof LinkTestBody> }>('/link-test', { schema: { body: LinkTestBody }, config: { access: 'admin' } }, async (request) =>
      api.testLink(request.body),
    );

    app.get('/simulators', async (_request, reply) => {
      const simulators = api.simulators();
      if (!simulators)
        return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'simulators run in demo mode only (a config with a "demo" section)' });
      return { simulators };
    });
    app.post<{ Params: Static<typeof DeviceParams>; Body: Static<typeof SimulatorBody> }>(
      '/simulators/:id/start',
      { schema: { params: DeviceParams, body: SimulatorBody }, config: { access: 'staff' } },
      async (request) => ({ simulator: await api.startSimulator(actor(request), request.params.id, request.body) }),
    );
    app.post<{ Params: Static<typeof DeviceParams> }>(
      '/simulators/:id/stop',
      { schema: { params: DeviceParams }, config: { access: 'staff' } },
      async (request) => ({
        simulator: await api.stopSimulator(actor(request), request.params.id),
      }),
    );
  };
}
