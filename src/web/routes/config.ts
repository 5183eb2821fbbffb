// Editing the configuration from the page (admin): devices, destinations (code mappings are part of a
// device). Bodies are checked as a whole document by the same validation as the file, so a problem
// comes back with the path of the field to fix.

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { DestinationConfig, DeviceConfigT } from '../../config/schema.ts';
import { RequestError } from '../../model/request-error.ts';
import type { GatewayApi } from '../api-types.ts';
import { actor } from '../auth.ts';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
// The item itself is validated by the configuration checks (with paths); here only its envelope.
const DeviceBody = Type.Object({ device: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: false });
const DestinationBody = Type.Object({ destination: Type.Record(Type.String(), Type.Unknown()) }, { additionalProperties: false });
const admin = { access: 'admin' } as const;

/** The URL names the item; a body that names another is a mistake, not a rename. */
function withId<T extends Record<string, unknown>>(body: T, id: string): T & { id: string } {
  if (body.id !== undefined && body.id !== id)
    throw new RequestError(400, `the body names "${String(body.id)}" but the URL names "${id}": IDs cannot be changed; remove and add instead`);
  return { ...body, id };
}

export function configRoutes(api: GatewayApi) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/drivers', async () => ({ drivers: api.drivers() }));
    app.get('/schemas', async () => api.schemas());

    app.get('/config/devices', { config: admin }, async () => ({ devices: api.deviceConfigs() }));
    app.get<{ Params: Static<typeof IdParams> }>('/config/devices/:id', { schema: { params: IdParams }, config: admin }, async (request) => ({
      device: api.deviceConfig(request.params.id),
    }));
    app.post<{ Body: Static<typeof DeviceBody> }>('/config/devices', { schema: { body: DeviceBody }, config: admin }, async (request, reply) => {
      const device = await api.putDevice(actor(request), request.body.device as DeviceConfigT, { create: true });
      return reply.code(201).send({ device });
    });
    app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof DeviceBody> }>(
      '/config/devices/:id',
      { schema: { params: IdParams, body: DeviceBody }, config: admin },
      async (request) => ({ device: await api.putDevice(actor(request), withId(request.body.device, request.params.id) as DeviceConfigT, { create: false }) }),
    );
    app.delete<{ Params: Static<typeof IdParams> }>('/config/devices/:id', { schema: { params: IdParams }, config: admin }, async (request, reply) => {
      await api.removeDevice(actor(request), request.params.id);
      return reply.code(204).send();
    });

    app.get('/config/destinations', { config: admin }, async () => ({ destinations: api.destinationConfigs() }));
    app.post<{ Body: Static<typeof DestinationBody> }>('/config/destinations', { schema: { body: DestinationBody }, config: admin }, async (request, reply) => {
      const destination = await api.putDestination(actor(request), request.body.destination as DestinationConfig, { create: true });
      return reply.code(201).send({ destination });
    });
    app.put<{ Params: Static<typeof IdParams>; Body: Static<typeof DestinationBody> }>(
      '/config/destinations/:id',
      { schema: { params: IdParams, body: DestinationBody }, config: admin },
      async (request) => ({
        destination: await api.putDestination(actor(request), withId(request.body.destination, request.params.id) as DestinationConfig, { create: false }),
      }),
    );
    app.delete<{ Params: Static<typeof IdParams> }>('/config/destinations/:id', { schema: { params: IdParams }, config: admin }, async (request, reply) => {
      await api.removeDestination(actor(request), request.params.id);
      return reply.code(204).send();
    });
  };
}
