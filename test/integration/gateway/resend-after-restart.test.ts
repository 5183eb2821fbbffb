// A device that missed its acknowledgement sends the same message again. Here the gateway process is
// killed (SIGKILL) after the device got its ACK, started again on the same data folder, and the
// device resends: the resend is acknowledged, not stored or forwarded again, and the EHR stand-in
// has the result once under one control ID. One test per path that can receive a resend.

import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { Config, DeviceConfigT } from '../../../src/config/schema.ts';
import { MllpClient } from '../../../src/mllp/client.ts';
import { sendTransmission, type ByteLink } from '../../support/astm-analyzer.ts';
import { ACK, framesOf } from '../../support/astm-wire.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { freePort } from '../../support/free-port.ts';
import { ROOT, startGatewayProcess, tempDir, type GatewayProcess, type LogLine } from '../../support/gateway-process.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const USER = { username: 'device', password: 'device-secret-1' };

interface Setup {
  ehr: EhrStandin;
  config: Config;
  dir: string;
  gw: GatewayProcess;
}

async function setUp(devices: DeviceConfigT[], extra: Partial<Config> = {}): Promise<Setup> {
  const ehr = await startEhrStandin();
  cleanups.push(() => ehr.stop());
  const dir = tempDir();
  const config = gatewayConfig(dir, ehr.port, devices, extra);
  const gw = await started(config, dir);
  return { ehr, config, dir, gw };
}

async function started(config: Config, dir: string): Promise<GatewayProcess> {
  const gw = await startGatewayProcess(config, { dir });
  cleanups.push(() => gw.stop());
  return gw;
}

/** The first copy is with the EHR and the gateway has it delivered; then the process is killed and started again. */
async function killAndRestart(s: Setup): Promise<GatewayProcess> {
  await s.ehr.waitFor(1, 30_000);
  await eventually(async () => {
    const r = await s.gw.api<{ readings: unknown[] }>('GET', '/api/readings?status=delivered');
    expect(r.body.readings).toHaveLength(1);
  }, 20_000);
  await s.gw.kill('SIGKILL');
  return started(s.config, s.dir);
}

const resendRecognised = (l: LogLine): boolean => l.level === 30 && typeof l.msg === 'string' && /received again/.test(l.msg);

/**
 * The EHR has the result once: one first delivery, one control ID (a retransmission keeps its
 * control ID). A copy stored by mistake would be queued before the marker the device sends next,
 * and a destination keeps its order: once the marker is at the EHR, nothing of the resend can follow.
 */
async function expectOnceWithOneControlId(ehr: EhrStandin, marker: string, sendMarker: () => Promise<void>): Promise<void> {
  await sendMarker();
  await eventually(() => expect(ehr.messages.some((m) => m.text.includes(marker))).toBe(true), 30_000);
  const original = ehr.messages.filter((m) => !m.text.includes(marker));
  expect(original.filter((m) => !m.duplicate)).toHaveLength(1);
  expect(new Set(original.map((m) => m.controlId)).size).toBe(1);
}

function expectNoPatientData(line: LogLine, words: string[]): void {
  const text = JSON.stringify(line);
  for (const w of words) expect(text).not.toContain(w);
}

async function listening(gw: GatewayProcess, deviceId: string): Promise<void> {
  await eventually(async () => {
    const r = await gw.api<{ devices: Array<{ id: string; link: { state: string } }> }>('GET', '/api/devices');
    expect(r.body.devices.find((d) => d.id === deviceId)?.link.state).toMatch(/^(listening|connected)$/);
  }, 20_000);
}

/** Publishes QoS 1 until `done` is true: a device resends what it has no acknowledgement for. */
async function publishUntil(url: string, topic: string, payload: string | Buffer, done: () => boolean): Promise<void> {
  const client = await connectAsync(url, { protocolVersion: 4, clientId: `dev-${Math.random().toString(36).slice(2)}`, ...USER });
  try {
    for (let i = 0; i < 20 && !done(); i++) {
      await client.publishAsync(topic, payload, { qos: 1 });
      for (let k = 0; k < 20 && !done(); k++) await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await client.endAsync();
  }
}

/** An MQTT device on the embedded broker: the first copy, kill and restart, the resend, then a marker. */
async function mqttPath(o: {
  device: DeviceConfigT;
  topic: string;
  payload: string | Buffer;
  marker: { payload: string; seen: string };
  patient: string[];
}): Promise<void> {
  const brokerPort = await freePort();
  const s = await setUp([o.device], { mqtt: { embedded: { host: '127.0.0.1', port: brokerPort, users: [{ ...USER, publish: [o.topic] }] } } });
  const url = `mqtt://127.0.0.1:${brokerPort}`;
  await listening(s.gw, o.device.id);
  await publishUntil(url, o.topic, o.payload, () => s.ehr.messages.length > 0);

  const gw = await killAndRestart(s);
  await listening(gw, o.device.id);
  await publishUntil(url, o.topic, o.payload, () => gw.logs.some(resendRecognised));
  const line = await gw.waitForLog(resendRecognised, 30_000, 'the resend to be recognised');
  expect(line).toMatchObject({ device: o.device.id });
  expectNoPatientData(line, o.patient);
  await expectOnceWithOneControlId(s.ehr, o.marker.seen, () =>
    publishUntil(url, o.topic, o.marker.payload, () => s.ehr.messages.some((m) => m.text.includes(o.marker.seen))),
  );
}

function tcpLink(port: number): Promise<ByteLink & { close(): void }> {
  return new Promise((resolve, reject) => {
    let rx = '';
    const socket = net.connect({ host: '127.0.0.1', port }, () =>
      resolve({
        write: (t) => new Promise<void>((res, rej) => socket.write(Buffer.from(t, 'latin1'), (err) => (err ? rej(err) : res()))),
        received: () => rx,
        close: () => socket.destroy(),
      }),
    );
    socket.on('data', (d) => (rx += d.toString('latin1')));
    socket.once('error', reject);
  });
}

// Each test starts the gateway twice: generous limits, since every wait is for readiness.
describe('a resend after the gateway was killed and started again is acknowledged, not forwarded twice', { timeout: 90_000 }, () => {
  it('hl7-analyzer: the same sender and MSH-10 (a new MSH-7) is answered AA and not stored again', async () => {
    const port = await freePort();
    const oru = (stamp: string, controlId = 'AN000017', specimen = 'SPEC9001') =>
      [
        `MSH|^~\\&|COBAS|LAB1|MEDGATE|CLINIC|${stamp}||ORU^R01^ORU_R01|${controlId}|P|2.5.1`,
        'PID|1||MRN7788^^^NORTH^MR||Roe^Richard||19700405|M',
        `OBR|1|ORD5511|${specimen}|CHEM^Chemistry panel^L|||20251201093000`,
        'OBX|1|NM|GLU^Glucose^L||98|mg/dL|70-99|N|||F|||20251201101000',
      ].join('\r');
    const device: DeviceConfigT = { id: 'cobas-1', driver: 'hl7-analyzer', transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port } };
    const s = await setUp([device]);
    await listening(s.gw, 'cobas-1');
    const first = new MllpClient({ host: '127.0.0.1', port, ackTimeoutMs: 20_000 });
    expect((await first.send(oru('20251201101500'), 'AN000017')).code).toBe('AA');
    await first.close();

    const gw = await killAndRestart(s);
    await listening(gw, 'cobas-1');
    const again = new MllpClient({ host: '127.0.0.1', port, ackTimeoutMs: 20_000 });
    cleanups.push(() => again.close());
    expect((await again.send(oru('20251201102000'), 'AN000017')).code).toBe('AA');
    const line = await gw.waitForLog(resendRecognised, 30_000, 'the resend to be recognised');
    expect(line).toMatchObject({ device: 'cobas-1', controlId: 'AN000017' });
    expectNoPatientData(line, ['MRN7788', 'Roe', 'Richard', '19700405']);
    await expectOnceWithOneControlId(s.ehr, 'SPEC9002', async () => {
      expect((await again.send(oru('20251201103000', 'AN000018', 'SPEC9002'), 'AN000018')).code).toBe('AA');
    });
  });

  it('mqtt-json: a message with the same device, id and content is acknowledged and not stored again', async () => {
    const message = (id: string, systolic: number) =>
      JSON.stringify({
        device: 'SN-20431',
        id,
        time: '2026-11-27T09:41:00-05:00',
        patient: { mrn: 'MRN4711', family: 'Example', given: 'Alice' },
        measurements: [
          { type: 'bp.systolic', value: systolic, unit: 'mmHg' },
          { type: 'bp.diastolic', value: 82, unit: 'mmHg' },
        ],
      });
    await mqttPath({
      device: { id: 'bp-mqtt', driver: 'mqtt-json', transport: { type: 'mqtt', topic: 'clinic/vitals/+/reading' } },
      topic: 'clinic/vitals/bp1/reading',
      payload: message('SN-20431-000187', 128),
      // Another message id; its systolic (OBX-5 `133`) tells it apart.
      marker: { payload: message('SN-20431-000188', 133), seen: '|133|' },
      patient: ['MRN4711', 'Example', 'Alice'],
    });
  });

  it('ekg-aecg: the same document (id and bytes) is acknowledged and not stored again', async () => {
    const doc = readFileSync(join(ROOT, 'test/fixtures/ekg/resting-2lead.xml'));
    await mqttPath({
      device: { id: 'ekg-1', driver: 'ekg-aecg', transport: { type: 'mqtt', topic: 'clinic/ekg/+/report' } },
      topic: 'clinic/ekg/cart1/report',
      payload: doc,
      // Another EKG: another document id, and a patient the EHR can tell apart.
      marker: { payload: doc.toString('utf8').replace('ECG-20261127-0001', 'ECG-20261127-0002').replace('MRN4711', 'MRN4712'), seen: 'MRN4712' },
      patient: ['MRN4711'],
    });
  });

  it('astm-lis2: a transmission sent again (same sender, specimen, results and times; a new H.14) is acknowledged and not stored again', async () => {
    const port = await freePort();
    const records = (stamp: string, specimen = 'SPEC777') => [
      `H|\\^&|||UA-200^2.10^SN0042|||||MEDGATE||P|LIS2-A2|${stamp}`,
      'P|1||PID0001||Doe^Jane||19800214|F',
      `O|1|${specimen}||^^^GLU|R|20250114090000|20250114090500|||||||20250114091000|urine||||||||||F`,
      'R|1|^^^GLU|100|mg/dL|0-15|H||F||OPER1|20250114093000|20250114093010|UA-200',
      'L|1|N',
    ];
    const device: DeviceConfigT = { id: 'ua-1', driver: 'astm-lis2', transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port } };
    const s = await setUp([device]);
    await listening(s.gw, 'ua-1');
    const first = await tcpLink(port);
    expect((await sendTransmission(first, framesOf(records('20250114093015')))).replies.every((r) => r === ACK)).toBe(true);
    first.close();

    const gw = await killAndRestart(s);
    await listening(gw, 'ua-1');
    const again = await tcpLink(port);
    cleanups.push(async () => again.close());
    expect((await sendTransmission(again, framesOf(records('20250114094500')))).replies.every((r) => r === ACK)).toBe(true);
    const line = await gw.waitForLog(resendRecognised, 30_000, 'the resend to be recognised');
    expect(line).toMatchObject({ device: 'ua-1' });
    expectNoPatientData(line, ['PID0001', 'Doe', 'Jane', '19800214', 'SPEC777']);
    await expectOnceWithOneControlId(s.ehr, 'SPEC778', async () => {
      expect((await sendTransmission(again, framesOf(records('20250114095000', 'SPEC778')))).replies.every((r) => r === ACK)).toBe(true);
    });
  });
});
