// The technician page's smaller promises, checked on a gateway process with a serial scale on a pty
// and the EHR stand-in: the link test says what the driver recognised, and whether a running
// device took the bytes as readings and for which patient, the device list answers,
// a destination's counters go on across an edit, the icon is served, a used setup link is
// refused once, plainly.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import type { DestinationView, LinkTestResult } from '../../../src/web/api-types.ts';
import { ALICE, gatewayConfig, serialDevice } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { openPtyPair, type PtyPair } from '../../support/pty.ts';
import { openDeviceEnd, type SerialDeviceEnd } from '../../support/serial-device.ts';
import { firstAdmin } from '../../support/sign-in.ts';

let ehr: EhrStandin;
let running: PtyPair;
let spare: PtyPair;
let scale: SerialDeviceEnd;
let gw: GatewayProcess;
const SCALE = { ...serialDevice('scale-1', 'ad-scale', ''), label: 'Scale, room 1', patient: { mode: 'bind' as const } };

beforeAll(async () => {
  ehr = await startEhrStandin();
  running = await openPtyPair();
  spare = await openPtyPair();
  const dir = tempDir();
  gw = await startGatewayProcess(gatewayConfig(dir, ehr.port, [{ ...SCALE, transport: { type: 'serial', path: running.a } }]), { dir });
  scale = await openDeviceEnd(running.b, 2400);
}, 60_000);

afterAll(async () => {
  await scale?.close();
  await gw?.stop();
  await running?.close();
  await spare?.close();
  await ehr?.stop();
});

const destination = async () => (await gw.api<{ destinations: DestinationView[] }>('GET', '/api/destinations')).body.destinations.find((d) => d.id === 'ehr');

describe('the page details, through the API', () => {
  it('keeps the delivered count of a destination across an edit of it', async () => {
    expect((await gw.api('PUT', '/api/devices/scale-1/patient', ALICE)).status).toBe(200);
    await eventually(
      async () => expect((await gw.api<{ devices: Array<{ link: { state: string } }> }>('GET', '/api/devices')).body.devices[0]?.link.state).toBe('connected'),
      10_000,
    );
    await scale.write('ST,GS,+0064.20kg\r\n');
    await ehr.waitFor(1, 20_000);
    await eventually(async () => expect((await destination())?.worker.delivered).toBe(1), 10_000);
    const { body } = await gw.api<{ destinations: Array<Record<string, unknown>> }>('GET', '/api/config/destinations');
    const ehrConfig = body.destinations.find((d) => d.id === 'ehr');
    expect((await gw.api('PUT', '/api/config/destinations/ehr', { destination: { ...ehrConfig, ackTimeoutMs: 2500 } })).status).toBe(200);
    const after = await destination();
    expect(after?.worker.delivered).toBe(1);
  });

  it('lists the configured devices for an administrator, as GET /api/config/destinations does', async () => {
    const res = await gw.api<{ devices: DeviceConfigT[] }>('GET', '/api/config/devices');
    expect(res.status).toBe(200);
    expect(res.body.devices).toEqual([
      expect.objectContaining({ id: 'scale-1', driver: 'ad-scale', label: 'Scale, room 1', transport: { type: 'serial', path: running.a } }),
    ]);
    expect((await fetch(`${gw.url}/api/config/devices`)).status).toBe(401);
  });

  it('says what the driver recognised in the bytes a new serial link brings', async () => {
    const device = await openDeviceEnd(spare.b, 2400);
    try {
      let done = false;
      const test = gw.api<LinkTestResult>('POST', '/api/link-test', { transport: { type: 'serial', path: spare.a }, driver: 'ad-scale', seconds: 3 });
      void test.finally(() => {
        done = true;
      });
      // Bytes written before the test opens the port are lost: the scale streams, as in stream mode.
      while (!done) {
        await device.write('ST,GS,+0064.20kg\r\n');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      const { status, body } = await test;
      expect(status).toBe(200);
      expect(body.bytes).toBeGreaterThanOrEqual(18);
      expect(body.recognised?.outcome).toBe('read');
      // The scale repeats its stable weight; the driver's session takes one reading per weighing.
      expect(body.recognised?.text).toBe('1 reading: weight 64.20 kg');
      // A link opened for the test: nothing it brought was taken as a reading.
      expect(body.running).toBe(false);
      expect(body.boundTo).toBeUndefined();
    } finally {
      await device.close();
    }
  });

  it('says a running device took what arrived during its test as readings, charted to the patient bound to it', async () => {
    expect((await gw.api('PUT', '/api/devices/scale-1/patient', { ...ALICE, minutes: 60 })).status).toBe(200);
    const delivered = ehr.messages.length;
    let done = false;
    const test = gw.api<LinkTestResult>('POST', '/api/link-test', { deviceId: 'scale-1', seconds: 2 });
    void test.finally(() => {
      done = true;
    });
    while (!done) {
      await scale.write('ST,GS,+0070.10kg\r\n');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const { status, body } = await test;
    expect(status).toBe(200);
    expect(body.recognised?.text).toBe('1 reading: weight 70.10 kg');
    expect(body.running).toBe(true);
    expect(body.runningDevice).toEqual({ id: 'scale-1', label: 'Scale, room 1' });
    expect(body.boundTo).toMatchObject({ mrn: ALICE.mrn, family: ALICE.family });
    // Real device output is never dropped: the weighing went to the chart, as the answer says.
    await ehr.waitFor(delivered + 1, 20_000);
    expect(gw.rawLogs.filter((l) => l.includes(ALICE.mrn) || l.includes(ALICE.family))).toEqual([]);
    expect((await gw.api('DELETE', '/api/devices/scale-1/patient')).status).toBe(200);
  });

  it("watches a running device's link when the dialog sends its port with other settings or key order", async () => {
    // The edit dialog sends the transport as read from its fields: the port is the running device's all the same.
    const transport = { baudRate: 2400, path: running.a, type: 'serial' };
    const { status, body } = await gw.api<LinkTestResult>('POST', '/api/link-test', { transport, driver: 'ad-scale', seconds: 1 });
    expect(status).toBe(200);
    expect(body.opened).toBe(true);
    expect(body.running).toBe(true);
    expect(body.runningDevice?.id).toBe('scale-1');
  });

  it('says "nothing arrived" when the device is silent', async () => {
    const { body } = await gw.api<LinkTestResult>('POST', '/api/link-test', { transport: { type: 'serial', path: spare.a }, driver: 'ad-scale', seconds: 1 });
    expect(body.recognised).toEqual({ outcome: 'nothing', text: 'nothing arrived' });
  });

  it('serves an icon the page links, under the same strict policy', async () => {
    for (const path of ['/favicon.ico', '/favicon.svg']) {
      const res = await fetch(`${gw.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(res.headers.get('content-security-policy')).toContain("img-src 'self'");
      expect(await res.text()).toMatch(/^<svg /);
    }
    expect(await (await fetch(`${gw.url}/`)).text()).toContain('<link rel="icon" href="/favicon.svg"');
  });

  it('refuses a used setup link once, saying setup is done and to sign in', async () => {
    await firstAdmin(gw);
    const res = await fetch(`${gw.url}/api/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: 'x', name: 'other', password: 'another-password' }),
    });
    expect(res.status).toBe(409);
    expect(((await res.json()) as { message: string }).message).toBe('setup is already done: an administrator exists, sign in with your name and password');
  });
});
