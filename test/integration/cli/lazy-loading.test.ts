// What a configuration does not use is not loaded: the inbound HL7 parser, the MQTT client and the
// embedded broker, the uplink and its FHIR builder, the simulators and the built-in EHR. Each is
// behind a dynamic import, which is also where the build splits the bundle, so this holds for
// dist/ as for the sources. Checked by recording every module the gateway process resolves.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { freePort } from '../../support/free-port.ts';
import { ROOT, startGatewayProcess, tempDir } from '../../support/gateway-process.ts';

const OPTIONAL = {
  'inbound parser': /\/node_modules\/node-hl7-client\/|\/src\/inbound\/listener\.ts$/,
  'MQTT client': /\/node_modules\/mqtt\//,
  'embedded broker': /\/node_modules\/aedes\//,
  'uplink and FHIR builder': /\/src\/destinations\/mqtt\/|\/src\/uplink\//,
  simulators: /\/simulators\/(?!ids\.ts)[^/]+\.ts$/,
  'built-in EHR': /\/src\/demo\/ehr\.ts$/,
} as const;

async function loadedBy(config: (dir: string) => Promise<Config>): Promise<Record<keyof typeof OPTIONAL, boolean>> {
  const dir = tempDir();
  const record = join(dir, 'imports.txt');
  const gw = await startGatewayProcess(await config(dir), {
    dir,
    nodeArgs: ['--import', join(ROOT, 'test/support/record-imports.mjs')],
    env: { MEDGATE_RECORD_IMPORTS: record },
  });
  await gw.stop();
  const urls = readFileSync(record, 'utf8').split('\n');
  return Object.fromEntries(Object.entries(OPTIONAL).map(([part, re]) => [part, urls.some((u) => re.test(u))])) as Record<keyof typeof OPTIONAL, boolean>;
}

describe('optional parts', () => {
  it('are not loaded when the configuration does not use them', async () => {
    const loaded = await loadedBy(async (dir) =>
      gatewayConfig(dir, 1, [{ id: 'scale-1', driver: 'ad-scale', transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port: await freePort() } }]),
    );
    expect(loaded).toEqual({
      'inbound parser': false,
      'MQTT client': false,
      'embedded broker': false,
      'uplink and FHIR builder': false,
      simulators: false,
      'built-in EHR': false,
    });
  });

  it('are loaded when it does', async () => {
    const loaded = await loadedBy(async (dir) => {
      const [mqttPort, ehrPort] = [await freePort(), await freePort()];
      const base = gatewayConfig(dir, ehrPort, [
        { id: 'scale-1', driver: 'ad-scale', transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port: await freePort() } },
        { id: 'bp-mqtt', driver: 'mqtt-json', transport: { type: 'mqtt', topic: 'clinic/vitals/+/reading' } },
      ]);
      return {
        ...base,
        inbound: { mllp: { host: '127.0.0.1', port: await freePort() } },
        mqtt: { embedded: { host: '127.0.0.1', port: mqttPort, users: [{ username: 'cart', password: 'cart-password-1' }] } },
        destinations: [
          ...base.destinations,
          {
            id: 'cloud',
            type: 'mqtt',
            url: `mqtt://127.0.0.1:${mqttPort}`,
            topic: 'site/{deviceId}',
            format: 'fhir',
            username: 'cart',
            password: 'cart-password-1',
          },
        ],
        demo: { ehr: { host: '127.0.0.1', port: ehrPort }, simulators: [{ device: 'scale-1', intervalMs: 60_000 }] },
      };
    });
    expect(loaded).toEqual({
      'inbound parser': true,
      'MQTT client': true,
      'embedded broker': true,
      'uplink and FHIR builder': true,
      simulators: true,
      'built-in EHR': true,
    });
  });
});
