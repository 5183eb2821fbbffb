// Devices, their link state, and binding a device to a patient.

import { Type, type Static } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { PatientBody } from '../../config/schema.ts';
import type { GatewayApi } from '../api-types.ts';
import { actor } from '../auth.ts';

const DeviceParams = Type.Object({ id: Type.String({ minLength: 1 }) });
export const BindBody = Type.Composite(
  [PatientBody, Type.Object({ minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 24 * 60, description: 'default: until the next reading' })) })],
  { additionalProperties: false },
);

export function deviceRoutes(api: GatewayApi) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get('/devices', async () => ({ devices: api.devices() }));
    app.get('/destinations', async () => ({ destinations: api.destinations() }));

    app.put<{ Params: Static<typeof DeviceParams>; Body: Static<typeof BindBody> }>(
      '/devices/:id/patient',
      { schema: { params: DeviceParams, body: BindBody }, config: { access: 'staff' } },
      async (request) => {
        const { minutes, ...patient } = request.body;
        const binding = await api.bind(actor(request), request.params.id, patient, minutes);
        request.log.info({ device: request.params.id, until: binding.until ?? 'next reading' }, 'device bound to a patient');
        return { device: request.params.id, binding };
      },
    );

    app.delete<{ Params: Static<typeof DeviceParams> }>(
      '/devices/:id/patient',
      { schema: { params: DeviceParams }, config: { access: 'staff' } },
      async (request, reply) => {
        if (!api.devices().some((d) => d.id === request.params.id)) {
          return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no device "${request.params.id}"` });
        }
        const removed = await api.unbind(actor(request), request.params.id);
        request.log.info({ device: request.params.id, removed }, 'device unbound');
        return { device: request.params.id, unbound: removed };
      },
    );
  };
}
