// GET /api/status and "retry now" against a real gateway process, a real pty cable and the EHR
// stand-in: a pulled cable is one outage from its first failure (not from its last retry), its error
// goes once the link is up, and a person can cut a device's or a destination's backoff short; a
// retry that meets a try under way is told so, not refused.

import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DestinationView, DeviceView, Problem, StatusView } from '../../../src/web/api-types.ts';
import { ALICE, gatewayConfig, serialDevice } from '../../support/configs.ts';
import { startEhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { type GatewayProcess, startGatewayProcess, tempDir } from '../../support/gateway-process.ts';
import { openPtyPair } from '../../support/pty.ts';
import { openDeviceEnd } from '../../support/serial-device.ts';
import { firstAdmin, signIn } from '../../support/sign-in.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const problems = async (gw: GatewayProcess): Promise<Problem[]> => {
  const res = await gw.api<StatusView>('GET', '/api/status');
  expect(res.status).toBe(200);
  return res.body.problems;
};
const link = async (gw: GatewayProcess, id: string) =>
  (await gw.api<{ devices: DeviceView[] }>('GET', '/api/devices')).body.devices.find((d) => d.id === id)!.link;

describe('status and retry now', () => {
  it('a pulled serial cable: one outage with its first failure, retried now once it is back, no stale error', async () => {
    let pty = await openPtyPair();
    const ptyDir = dirname(pty.a);
    const dir = tempDir();
    const gw = await startGatewayProcess(
      gatewayConfig(dir, 9, [{ ...serialDevice('scale-1', 'ad-scale', pty.a, { mode: 'print' }), label: 'Scale, room 1' }]),
      { dir },
    );
    cleanups.push(() => gw.stop());
    await gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'scale-1');
    expect(await gw.api('POST', '/api/devices/scale-1/retry')).toMatchObject({
      status: 409,
      body: { message: 'the link of device "scale-1" is up: nothing to retry' },
    });
    expect((await gw.api('POST', '/api/devices/nope/retry')).status).toBe(404);
    // Signed in before the cable goes: three password hashes must not eat the wait the retry cuts short.
    const admin = await firstAdmin(gw);
    const created = await fetch(`${gw.url}/api/users`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'nurse', password: 'a long staff password', role: 'staff' }),
    });
    expect(created.status).toBe(201);
    const staff = await signIn(gw, 'nurse', 'a long staff password');

    await pty.unplug();
    const first = await eventually(async () => {
      const l = await link(gw, 'scale-1');
      expect(l.state).toBe('retrying');
      expect(l.downSince).toBeTruthy();
      return l;
    }, 10_000);
    // Several retries later (the wait doubles from 0.5 s: 0.5, 1, 2, 4, then 8 s), still the same outage.
    const later = await eventually(
      async () => {
        const l = await link(gw, 'scale-1');
        expect(l.state).toBe('retrying');
        expect(l.reconnects).toBeGreaterThanOrEqual(first.reconnects + 3);
        expect(Date.parse(l.nextRetryAt!) - Date.now()).toBeGreaterThan(5000);
        return l;
      },
      40_000,
      100,
    );
    expect(later.downSince).toBe(first.downSince);
    expect(later.since).not.toBe(first.since);
    expect(later.lastError).toBeTruthy();

    const down = await eventually(async () => {
      const p = (await problems(gw)).find((x) => x.kind === 'device-link-down');
      expect(p).toBeDefined();
      return p!;
    }, 15_000);
    expect(down).toMatchObject({ severity: 'degraded', text: 'Scale, room 1: not connected', device: 'scale-1', retry: true });
    expect(Date.parse(down.since!)).toBeLessThanOrEqual(Date.parse(first.downSince!) + 1000);

    // The cable is back while the link still waits several seconds: a staff member retries now.
    pty = await openPtyPair(ptyDir);
    cleanups.push(() => pty.close());
    const noCsrf = await fetch(`${gw.url}/api/devices/scale-1/retry`, { method: 'POST', headers: { cookie: staff.cookie } });
    expect(noCsrf.status).toBe(403);
    const waiting = await link(gw, 'scale-1');
    expect(waiting.state).toBe('retrying');
    const dueAt = Date.parse(waiting.nextRetryAt!);
    const res = await fetch(`${gw.url}/api/devices/scale-1/retry`, { method: 'POST', headers: { cookie: staff.cookie, 'x-csrf-token': staff.csrf } });
    expect(res.status).toBe(200);
    expect(await res.json()).not.toHaveProperty('already');
    const up = await eventually(async () => {
      const l = await link(gw, 'scale-1');
      expect(l.state).toBe('connected');
      return l;
    }, 3000);
    expect(Date.now()).toBeLessThan(dueAt);
    expect(up.lastError).toBeUndefined();
    expect(up.downSince).toBeUndefined();
    await eventually(async () => expect((await problems(gw)).filter((x) => x.kind === 'device-link-down')).toEqual([]));

    // Readings flow again through the retried link.
    const end = await openDeviceEnd(pty.b, 2400);
    cleanups.push(() => end.close());
    await end.write('ST,GS,+0070.10kg\r\n');
    await eventually(async () => expect((await problems(gw)).find((x) => x.kind === 'readings-held')).toMatchObject({ count: 1, text: '1 held reading' }));
  }, 90_000);

  it('a destination: failing, retried now, a dead letter, unreachable with its waiting count', async () => {
    const ehr = await startEhrStandin();
    cleanups.push(() => ehr.stop());
    await ehr.setMode('AE');
    const pty = await openPtyPair();
    cleanups.push(() => pty.close());
    const dir = tempDir();
    const config = gatewayConfig(dir, ehr.port, [serialDevice('scale-1', 'ad-scale', pty.a, { mode: 'print' })]);
    // A long backoff after an error answer: only "retry now" sends again within this test. A long ACK
    // timeout: a send to a silent EHR stays under way while the test looks at it.
    config.destinations = [
      { ...config.destinations[0]!, ackTimeoutMs: 20_000, retry: { initialMs: 60_000, maxMs: 120_000 } } as (typeof config.destinations)[0],
    ];
    const gw = await startGatewayProcess(config, { dir });
    cleanups.push(() => gw.stop());
    await gw.api('PUT', '/api/devices/scale-1/patient', { ...ALICE, minutes: 60 });
    await gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'scale-1');
    expect(await gw.api('POST', '/api/destinations/ehr/retry')).toMatchObject({
      status: 409,
      body: { message: 'destination "ehr" has nothing waiting to be sent' },
    });
    expect((await gw.api('POST', '/api/destinations/nope/retry')).status).toBe(404);

    const end = await openDeviceEnd(pty.b, 2400);
    cleanups.push(() => end.close());
    await end.write('ST,GS,+0070.10kg\r\n');
    await ehr.waitFor(1);
    const failing = await eventually(async () => {
      const p = (await problems(gw)).find((x) => x.destination === 'ehr');
      expect(p).toBeDefined();
      return p!;
    }, 30_000);
    expect(failing).toMatchObject({
      kind: 'destination-failing',
      severity: 'failing',
      text: 'ehr: not accepting messages',
      count: 1,
      counted: '1 waiting',
      retry: true,
    });
    expect(failing.since).toBeTruthy();

    await ehr.setMode('AA');
    const retried = await gw.api<{ worker: DestinationView['worker'] }>('POST', '/api/destinations/ehr/retry');
    expect(retried.status).toBe(200);
    await ehr.waitFor(2, 10_000);
    await eventually(async () => expect((await problems(gw)).filter((x) => x.destination === 'ehr')).toEqual([]), 10_000);

    await ehr.script(['AR']);
    await end.write('ST,GS,+0070.20kg\r\n');
    await eventually(
      async () =>
        expect((await problems(gw)).find((x) => x.kind === 'dead-letters')).toMatchObject({ text: 'ehr: 1 dead letter', count: 1, destination: 'ehr' }),
      10_000,
    );

    await ehr.stop();
    await end.write('ST,GS,+0070.30kg\r\n');
    await end.write('ST,GS,+0070.40kg\r\n');
    const unreachable = await eventually(async () => {
      const p = (await problems(gw)).find((x) => x.kind === 'destination-unreachable');
      expect(p).toMatchObject({ text: 'ehr: unreachable', count: 2, counted: '2 waiting', destination: 'ehr', retry: true });
      return p!;
    }, 30_000);
    expect(Date.now() - Date.parse(unreachable.since!)).toBeGreaterThanOrEqual(9000);

    // Back, but answering nothing: while a send waits for its ACK, "retry now" says so (200), not 409.
    const silent = await startEhrStandin({ port: ehr.port });
    cleanups.push(() => silent.stop());
    await silent.setMode('silent');
    await silent.waitFor(1, 15_000);
    await eventually(async () => {
      const views = await gw.api<{ destinations: DestinationView[] }>('GET', '/api/destinations');
      expect(views.body.destinations.find((d) => d.id === 'ehr')?.worker.state).toBe('sending');
    });
    expect(await gw.api('POST', '/api/destinations/ehr/retry')).toMatchObject({ status: 200, body: { destination: 'ehr', already: true } });
    // Nothing waits out a backoff while it sends: no "Retry now" offered.
    await eventually(async () =>
      expect((await problems(gw)).find((x) => x.kind === 'destination-unreachable')).toMatchObject({ destination: 'ehr', retry: false }),
    );
    await silent.stop(); // the send ends now, not at its ACK timeout
  }, 120_000);
});
