// The byte tap on a running device: a real TCP transport, the A&D driver and its simulator dialing in.

import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceConfigT } from '../../../src/config/schema.ts';
import { DeviceRunner } from '../../../src/devices/device-runner.ts';
import { watchBytes } from '../../../src/devices/link-test.ts';
import type { DeviceReport, Driver } from '../../../src/model/driver.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import { TcpTransport } from '../../../src/transports/tcp.ts';
import { findDriver } from '../../../drivers/index.ts';
import { runSimulator } from '../../../simulators/runner.ts';
import { eventually } from '../../support/eventually.ts';
import { memoryResends } from '../../support/resend-memory.ts';

const visible = (text: string) => text.replace(/[\x00-\x1f]/g, (c) => `<${c.charCodeAt(0).toString(16).padStart(2, '0')}>`);

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('DeviceRunner.tap', () => {
  it('shows the bytes the driver gets, without taking them from it', async () => {
    const device: DeviceConfigT = { id: 'scale-1', driver: 'ad-scale', transport: { type: 'tcp', mode: 'listen', port: 0 } };
    const transport = new TcpTransport({ mode: 'listen', host: '127.0.0.1', port: 0, log: silentLogger });
    const reports: DeviceReport[] = [];
    const runner = new DeviceRunner({
      device,
      driver: findDriver('ad-scale') as Driver,
      transport,
      log: silentLogger,
      accept: async (_d, report) => `R${reports.push(report)}`,
      resends: memoryResends(),
    });
    runner.start();
    cleanups.push(() => runner.stop());
    const port = await eventually(() => transport.boundPort ?? Promise.reject(new Error('not listening yet')));

    // Ends as soon as 20 bytes came, long before its 30 s.
    const watching = watchBytes(runner, 30, 20);
    const tapped: Buffer[] = [];
    const untap = runner.tap((chunk) => tapped.push(chunk));
    const sim = await runSimulator({ driver: 'ad-scale', tcpConnect: { host: '127.0.0.1', port }, count: 2, intervalMs: 50, seed: 7 });
    cleanups.push(() => sim.stop());
    await sim.done;
    await eventually(() => expect(reports).toHaveLength(2));
    untap();
    const seen = Buffer.concat(tapped).toString('latin1');
    expect(seen.split('\r\n').filter((l) => l.length > 0).length).toBeGreaterThanOrEqual(2);
    expect(seen).toMatch(/kg\r\n/);
    // A tap that throws does not disturb the runner or the other taps.
    const untapBad = runner.tap(() => {
      throw new Error('listener bug');
    });
    cleanups.push(untapBad);
    const sim2 = await runSimulator({ driver: 'ad-scale', tcpConnect: { host: '127.0.0.1', port }, count: 1, intervalMs: 50, seed: 8 });
    cleanups.push(() => sim2.stop());
    await sim2.done;
    await eventually(() => expect(reports).toHaveLength(3));
    await sim.stop();
    await sim2.stop();
    await runner.stop();
    const result = await watching;
    expect(result.truncated || result.bytes === 20).toBe(true);
    expect(result.chunks.map((c) => c.text).join('')).toBe(visible(seen.slice(0, 20)));
  });
});
