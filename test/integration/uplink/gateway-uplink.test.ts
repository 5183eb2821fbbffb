// A reading goes both to the EHR (HL7 over MLLP) and, as JSON and FHIR, to an upstream MQTT broker.

import { afterAll, describe, expect, it } from 'vitest';
import { ALICE, gatewayConfig, serialDevice } from '../../support/configs.ts';
import { startEhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { startGatewayProcess, tempDir } from '../../support/gateway-process.ts';
import { openPtyPair } from '../../support/pty.ts';
import { openDeviceEnd } from '../../support/serial-device.ts';
import { startBroker, subscribe } from './broker.ts';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('uplink destination in the gateway', () => {
  it('publishes each reading as JSON and as a FHIR bundle, beside the HL7 to the EHR', async () => {
    const ehr = await startEhrStandin();
    cleanups.push(() => ehr.stop());
    const broker = await startBroker();
    cleanups.push(() => broker.stop());
    const sub = await subscribe(broker.url, 'fleet/#');
    cleanups.push(() => sub.close());
    const pty = await openPtyPair();
    cleanups.push(() => pty.close());
    const dir = tempDir();
    const config = gatewayConfig(dir, ehr.port, [serialDevice('scale-1', 'ad-scale', pty.a, { mode: 'print' })]);
    config.destinations.push(
      { id: 'fleet-json', type: 'mqtt', url: broker.url, topic: 'fleet/site1/{deviceId}/reading', format: 'json', retry: { initialMs: 100, maxMs: 400 } },
      { id: 'fleet-fhir', type: 'mqtt', url: broker.url, topic: 'fleet/site1/{deviceId}/fhir', format: 'fhir', retry: { initialMs: 100, maxMs: 400 } },
    );
    const gw = await startGatewayProcess(config, { dir });
    cleanups.push(() => gw.stop());
    await gw.api('PUT', '/api/devices/scale-1/patient', { ...ALICE, minutes: 30 });
    await gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'scale-1');
    const end = await openDeviceEnd(pty.b, 2400);
    cleanups.push(() => end.close());
    await end.write('ST,GS,+0070.50kg\r\n');

    await ehr.waitFor(1);
    await eventually(() => expect(sub.received).toHaveLength(2), 10_000);
    const json = sub.received.find((r) => r.topic === 'fleet/site1/scale-1/reading')!;
    const fhir = sub.received.find((r) => r.topic === 'fleet/site1/scale-1/fhir')!;
    expect(json.qos).toBe(1);
    const doc = JSON.parse(json.body) as {
      schema: string;
      patient: { mrn: string };
      observations: Array<{ valueText?: string; unit?: string; code: { loinc?: string } }>;
    };
    expect(doc.schema).toBe('medgate.reading/1');
    expect(doc.patient.mrn).toBe('MRN4711');
    expect(doc.observations[0]).toMatchObject({ valueText: '70.50', unit: 'kg', code: { loinc: '29463-7' } });
    const bundle = JSON.parse(fhir.body) as {
      resourceType: string;
      entry: Array<{ resource: { resourceType: string; valueQuantity?: { value: number; code: string } } }>;
    };
    expect(bundle.resourceType).toBe('Bundle');
    const obs = bundle.entry.map((e) => e.resource).find((r) => r.resourceType === 'Observation');
    expect(obs?.valueQuantity).toMatchObject({ value: 70.5, code: 'kg' });
  });
});
