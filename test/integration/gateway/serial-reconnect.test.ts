// A serial cable pulled and put back: the link goes to retrying, reopens by itself, and readings flow again.

import { dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeviceView } from '../../../src/web/api-types.ts';
import { ALICE, gatewayConfig, serialDevice } from '../../support/configs.ts';
import { startEhrStandin } from '../../support/ehr-standin-client.ts';
import { eventually } from '../../support/eventually.ts';
import { startGatewayProcess, tempDir } from '../../support/gateway-process.ts';
import { numericObx, readOru } from '../../support/hl7-read.ts';
import { openPtyPair } from '../../support/pty.ts';
import { openDeviceEnd } from '../../support/serial-device.ts';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('serial link', () => {
  it('reopens after the port vanishes and comes back', async () => {
    const ehr = await startEhrStandin();
    cleanups.push(() => ehr.stop());
    let pty = await openPtyPair();
    const ptyDir = dirname(pty.a);
    const dir = tempDir();
    const gw = await startGatewayProcess(gatewayConfig(dir, ehr.port, [serialDevice('scale-1', 'ad-scale', pty.a, { mode: 'print' })]), { dir });
    cleanups.push(() => gw.stop());
    await gw.api('PUT', '/api/devices/scale-1/patient', { ...ALICE, minutes: 30 });
    await gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'scale-1');

    let end = await openDeviceEnd(pty.b, 2400);
    await end.write('ST,GS,+0070.10kg\r\n');
    await ehr.waitFor(1);
    await end.close();

    // Pull the cable: the device node goes, then socat and its pty.
    await pty.unplug();
    await gw.waitForLog((l) => l.msg === 'serial link down; will reopen' && l.device === 'scale-1');
    await eventually(async () => {
      const res = await gw.api<{ devices: DeviceView[] }>('GET', '/api/devices');
      const link = res.body.devices[0]!.link;
      expect(link.state).toBe('retrying');
      expect(link.lastError).toBeTruthy();
    });

    // Put it back: the same path appears again.
    pty = await openPtyPair(ptyDir);
    cleanups.push(() => pty.close());
    const ups = () => gw.logs.filter((l) => l.msg === 'device link up' && l.device === 'scale-1').length;
    await eventually(() => expect(ups()).toBe(2), 15_000);
    end = await openDeviceEnd(pty.b, 2400);
    cleanups.push(() => end.close());
    await end.write('ST,GS,+0070.20kg\r\n');
    const got = await ehr.waitFor(2);
    expect(numericObx(readOru(got[1]!.text))[0]!.value).toBe('70.20');
    const res = await gw.api<{ devices: DeviceView[] }>('GET', '/api/devices');
    expect(res.body.devices[0]!.link).toMatchObject({ state: 'connected' });
    expect(res.body.devices[0]!.link.reconnects).toBeGreaterThanOrEqual(1);
    expect(res.body.devices[0]!.counters.reports).toBe(2);
  });
});
