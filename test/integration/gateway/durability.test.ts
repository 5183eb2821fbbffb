// Store-and-forward: a SIGKILLed gateway and an EHR that goes away lose nothing, keep the order,
// and never resend a reading under a new control ID.

import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceView, ReadingView } from '../../../src/web/api-types.ts';
import { ALICE, gatewayConfig, serialDevice } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { eventually } from '../../support/eventually.ts';
import { numericObx, readOru } from '../../support/hl7-read.ts';
import { openPtyPair, type PtyPair } from '../../support/pty.ts';
import { openDeviceEnd, type SerialDeviceEnd } from '../../support/serial-device.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  cleanups.length = 0;
});

async function setup(
  ehrPort: number,
): Promise<{ dir: string; pty: PtyPair; gw: GatewayProcess; scale: SerialDeviceEnd; config: ReturnType<typeof gatewayConfig> }> {
  const dir = tempDir();
  const pty = await openPtyPair();
  cleanups.push(() => pty.close());
  const config = gatewayConfig(dir, ehrPort, [serialDevice('scale-1', 'ad-scale', pty.a, { mode: 'print' })]);
  const gw = await startGatewayProcess(config, { dir });
  cleanups.push(() => gw.stop());
  await gw.api('PUT', '/api/devices/scale-1/patient', { ...ALICE, minutes: 60 });
  await gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'scale-1');
  const scale = await openDeviceEnd(pty.b, 2400);
  cleanups.push(() => scale.close());
  return { dir, pty, gw, scale, config };
}

/** Weights 60.01, 60.02, ... so each reading is recognisable at the EHR. */
async function sendWeights(scale: SerialDeviceEnd, gw: GatewayProcess, n: number, from = 1): Promise<string[]> {
  const values: string[] = [];
  for (let i = from; i < from + n; i++) {
    const v = (60 + i / 100).toFixed(2);
    values.push(v);
    // Stored once it is the device's last reading: that is set after the write storing it is on
    // disk, whether the EHR is up (it is then delivered) or down (it waits).
    const before = await lastReadingId(gw);
    await scale.write(`ST,GS,+00${v}kg\r\n`);
    await eventually(async () => expect(await lastReadingId(gw)).not.toBe(before), 10_000);
  }
  return values;
}

async function lastReadingId(gw: GatewayProcess): Promise<string | undefined> {
  const res = await gw.api<{ devices: DeviceView[] }>('GET', '/api/devices');
  return res.body.devices.find((d) => d.id === 'scale-1')?.lastReading?.reading.id;
}

async function queuedControlIds(gw: GatewayProcess): Promise<Array<{ readingId: string; controlId: string }>> {
  const res = await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=queued&limit=1000');
  return res.body.readings.flatMap((r) => r.messages.map((m) => ({ readingId: r.reading.id, controlId: m.controlId })));
}

describe('durability', () => {
  it('delivers every accepted reading with its original control ID after a SIGKILL', async () => {
    let ehr: EhrStandin = await startEhrStandin();
    const port = ehr.port;
    await ehr.stop(); // the EHR is down: readings are accepted and wait
    const { dir, gw, scale, config } = await setup(port);
    const values = await sendWeights(scale, gw, 5);
    const before = await queuedControlIds(gw);
    expect(before).toHaveLength(5);
    await gw.kill('SIGKILL');

    ehr = await startEhrStandin({ port });
    cleanups.push(() => ehr.stop());
    const gw2 = await startGatewayProcess(config, { dir });
    cleanups.push(() => gw2.stop());
    const got = await ehr.waitFor(5, 20_000);
    expect(got.map((m) => m.controlId)).toEqual([...before].sort((a, b) => (a.readingId < b.readingId ? -1 : 1)).map((x) => x.controlId));
    expect(got.map((m) => numericObx(readOru(m.text))[0]!.value)).toEqual(values);
    expect(got.some((m) => m.duplicate)).toBe(false);
  });

  it('queues while the EHR is down and delivers in order, without new control IDs, when it returns', async () => {
    const ehr1 = await startEhrStandin();
    const port = ehr1.port;
    const { gw, scale } = await setup(port);
    // The EHR first answers AE (a retry with the same bytes), then goes away entirely.
    await ehr1.script(['AE']);
    const first = await sendWeights(scale, gw, 1);
    await ehr1.waitFor(2, 10_000);
    await ehr1.stop();
    const more = await sendWeights(scale, gw, 6, 2);
    await gw.waitForLog((l) => l.msg === 'send failed; will retry' && /connect|ECONNREFUSED|closed/i.test(String(l.err)), 10_000);
    const ids = await queuedControlIds(gw);

    const ehr2 = await startEhrStandin({ port });
    cleanups.push(() => ehr2.stop());
    const got = await ehr2.waitFor(6, 20_000);
    await new Promise((r) => setTimeout(r, 500));
    const all = [...ehr1.messages, ...ehr2.messages];
    // Order kept; the AE'd message went again with its own control ID; every control ID maps to one value.
    const firstDelivery = new Map<string, string>();
    for (const m of all) {
      const value = numericObx(readOru(m.text))[0]!.value;
      const seen = firstDelivery.get(m.controlId);
      if (seen) expect(seen).toBe(value);
      firstDelivery.set(m.controlId, value);
    }
    const acceptedOrder = ehr2.messages.filter((m) => !m.duplicate).map((m) => numericObx(readOru(m.text))[0]!.value);
    expect([...first, ...more].filter((v) => acceptedOrder.includes(v))).toEqual(acceptedOrder);
    expect(new Set([...firstDelivery.values()])).toEqual(new Set([...first, ...more]));
    expect(firstDelivery.size).toBe(7);
    for (const { controlId } of ids) expect(firstDelivery.has(controlId)).toBe(true);
    expect(got.length).toBeGreaterThanOrEqual(6);
  });

  it('dead-letters a message the EHR rejects (AR) with its reason, and goes on with the next', async () => {
    const ehr = await startEhrStandin();
    cleanups.push(() => ehr.stop());
    const { gw, scale } = await setup(ehr.port);
    await ehr.script(['AR']);
    await sendWeights(scale, gw, 2);
    await ehr.waitFor(2, 10_000);
    await gw.waitForLog((l) => l.msg === 'rejected by the receiver; dead letter', 10_000);
    const dead = await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=dead');
    expect(dead.body.readings).toHaveLength(1);
    const deadMessage = dead.body.readings[0]!.messages[0]!;
    expect(deadMessage.ack?.code).toBe('AR');

    // The analyst sees the exact bytes and the EHR's answer, then resends after a fix: same control ID.
    const detail = await gw.api<{ message: { body: string; ack: { raw: string } } }>('GET', `/api/messages/${deadMessage.id}`);
    expect(detail.body.message.body).toContain(`|${deadMessage.controlId}|`);
    expect(detail.body.message.ack.raw).toMatch(/MSA\|AR\|/);
    const resent = await gw.api('POST', `/api/messages/${deadMessage.id}/resend`);
    expect(resent.status).toBe(200);
    const again = await ehr.waitFor(3, 10_000);
    expect(again[2]!.controlId).toBe(deadMessage.controlId);
    expect(again[2]!.duplicate).toBe(true);
    await eventually(async () => {
      const left = await gw.api<{ readings: ReadingView[] }>('GET', '/api/readings?status=dead');
      expect(left.body.readings).toHaveLength(0);
    });
    // Delivered now: not resendable (409) until it moves to the history, then unknown to the outbox (404).
    await eventually(async () => expect((await gw.api('POST', `/api/messages/${deadMessage.id}/resend`)).status).toBe(404));
    expect((await gw.api('GET', '/api/messages/NOPE')).status).toBe(404);
  });
});
