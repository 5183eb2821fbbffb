// MQTT devices end to end: the gateway process with its embedded broker, and with a real mosquitto;
// an EKG cart over MQTT to the EHR stand-in; readings published while the gateway is down; and
// invalid messages kept with their reason.

import { afterEach, describe, expect, it } from 'vitest';
import { Message } from 'node-hl7-client';
import { connectAsync } from 'mqtt';
import { runSimulator } from '../../../simulators/runner.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { startEhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import type { ReadingView, Tracing } from '../../../src/web/api-types.ts';
import { startGatewayProcess, tempDir } from '../../support/gateway-process.ts';
import { startMosquitto } from '../../support/mosquitto.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const USER = { username: 'cart', password: 'cart-secret-1' };

async function publish(url: string, topic: string, payloads: string[], auth: { username?: string; password?: string } = {}): Promise<void> {
  const client = await connectAsync(url, { protocolVersion: 4, clientId: `pub-${Math.random().toString(36).slice(2)}`, ...auth });
  for (const p of payloads) await client.publishAsync(topic, p, { qos: 1 });
  await client.endAsync();
}

const vitals = (n: number) =>
  JSON.stringify({
    device: 'SN-20431',
    id: `msg-${n}`,
    time: `2026-11-27T09:${String(10 + n).padStart(2, '0')}:00-05:00`,
    patient: { mrn: 'MRN4711', family: 'Example', given: 'Alice' },
    measurements: [
      { type: 'bp.systolic', value: 120 + n, unit: 'mmHg' },
      { type: 'bp.diastolic', value: 80, unit: 'mmHg' },
      { type: 'pulse', value: 70, unit: 'bpm' },
    ],
  });

describe('MQTT devices through the gateway process', () => {
  it('an EKG cart publishing aECG over the embedded broker reaches the EHR as a PCD-01 ORU with the tracing', async () => {
    const ehr = await startEhrStandin();
    cleanups.push(() => ehr.stop());
    const dir = tempDir();
    const brokerPort = 49000 + Math.floor(Math.random() * 900);
    const config = gatewayConfig(
      dir,
      ehr.port,
      [{ id: 'ekg-1', driver: 'ekg-aecg', label: 'EKG cart', transport: { type: 'mqtt', topic: 'clinic/ekg/+/report' } }],
      {
        mqtt: { embedded: { host: '127.0.0.1', port: brokerPort, users: [{ ...USER, publish: ['clinic/ekg/cart1/report'] }] } },
      },
    );
    const gw = await startGatewayProcess(config, { dir });
    cleanups.push(() => gw.stop());
    await gw.waitForLog((l) => l.msg === 'embedded MQTT broker listening');

    // No anonymous publishing to the gateway.
    await expect(connectAsync(`mqtt://127.0.0.1:${brokerPort}`, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 2000 })).rejects.toThrow();

    const sim = await runSimulator({
      driver: 'ekg-aecg',
      mqtt: { url: `mqtt://127.0.0.1:${brokerPort}`, topic: 'clinic/ekg/cart1/report', ...USER },
      count: 1,
      intervalMs: 100,
      seed: 4,
    });
    await sim.done;
    await sim.stop();
    const [m] = await ehr.waitFor(1, 20_000);
    const msg = new Message({ text: m!.text });
    expect(msg.get('MSH.21.1').toString()).toBe('IHE_PCD_001');
    const rows: Array<{ type: string; code: string; alt: string; value: string }> = [];
    msg.get('OBX').forEach((seg) =>
      rows.push({
        type: seg.get('OBX.2').toString(),
        code: seg.get('OBX.3.1').toString(),
        alt: seg.get('OBX.3.4').toString(),
        value: seg.get('OBX.5').toRaw(),
      }),
    );
    const codes = rows.flatMap((r) => [r.code, r.alt]);
    // Heart rate and QRS by MDC code, PR and QTc by LOINC (their MDC numbers conflict between sources).
    expect(codes).toEqual(expect.arrayContaining(['147842', '147228', '8625-6', '8636-3']));
    const ed = rows.find((r) => r.type === 'ED');
    expect(ed).toBeDefined();
    const base64 = ed!.value.split('^')[4]!;
    expect(Buffer.from(base64, 'base64').toString('utf8')).toContain('AnnotatedECG');

    // Lists stay light (sizes stand in for samples and the document); the tracing has the leads.
    const listed = await eventually(async () => {
      const r = await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=delivered');
      expect(r.body.readings).toHaveLength(1);
      return r.body.readings[0]!;
    });
    const text = JSON.stringify(listed);
    expect(text).not.toContain('"samples"');
    expect(text).not.toContain('"base64"');
    expect(text.length).toBeLessThan(20_000);
    const tracing = await gw.api<Tracing>('GET', `/api/readings/${listed.reading.id}/tracing?max=1000`);
    expect(tracing.status).toBe(200);
    expect(tracing.body.leads.map((l) => l.name)).toEqual(expect.arrayContaining(['I', 'II', 'V6']));
    expect(tracing.body.leads.every((l) => l.samples.length > 0 && l.samples.length <= 1000)).toBe(true);
  });

  it('with mosquitto: readings published while the gateway is stopped arrive after it starts; invalid ones are kept with the reason', async () => {
    const broker = await startMosquitto();
    cleanups.push(() => broker.stop());
    const ehr = await startEhrStandin();
    cleanups.push(() => ehr.stop());
    const dir = tempDir();
    const config = gatewayConfig(
      dir,
      ehr.port,
      [{ id: 'bp-mqtt', driver: 'mqtt-json', label: 'BP cuff via bridge', transport: { type: 'mqtt', topic: 'clinic/vitals/+/reading' } }],
      {
        mqtt: { url: broker.url, clientId: 'medgate-test-gw' },
      },
    );
    let gw = await startGatewayProcess(config, { dir });
    await eventually(async () => {
      const devices = await gw.api<{ devices: Array<{ link: { state: string } }> }>('GET', '/api/devices');
      expect(devices.body.devices[0]!.link.state).toBe('connected');
    }, 10_000);
    await publish(broker.url, 'clinic/vitals/bp1/reading', [vitals(1)]);
    await ehr.waitFor(1, 10_000);
    await gw.stop();

    // The gateway is away: the broker keeps its session and queues these.
    await publish(broker.url, 'clinic/vitals/bp1/reading', [
      vitals(2),
      '{"device": "SN-20431", "measurements": [{"type": "bp.systolic", "value": "high"}]}',
      vitals(3),
      vitals(3),
    ]);
    gw = await startGatewayProcess(config, { dir });
    cleanups.push(() => gw.stop());
    const got = await ehr.waitFor(3, 15_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(ehr.messages).toHaveLength(3); // the repeated msg-3 is one reading
    const systolic = got.map((x) => {
      const msg = new Message({ text: x.text });
      let v = '';
      msg.get('OBX').forEach((seg) => {
        if (seg.get('OBX.3.1').toString() === '150021') v = seg.get('OBX.5').toString();
      });
      return v;
    });
    expect(systolic).toEqual(['121', '122', '123']);
    await eventually(async () => {
      const kept = await gw.api<{ rejected: Array<{ reason: string; bytes: string }> }>('GET', '/api/rejected?device=bp-mqtt');
      expect(kept.body.rejected).toHaveLength(1);
      expect(kept.body.rejected[0]!.reason).toMatch(/measurements\[0\]\.(value|unit)/);
      expect(kept.body.rejected[0]!.bytes).toContain('"high"');
    });
  });
});
