// The gateway under systemd's notification protocol, with a real datagram socket standing in for
// systemd: READY=1 only once the page answers, WATCHDOG=1 while it runs, STOPPING=1 on SIGTERM, each
// sent through systemd-notify in its synchronous mode; and no systemd-notify at all outside systemd.

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gatewayConfig } from '../../support/configs.ts';
import { startGatewayProcess, tempDir } from '../../support/gateway-process.ts';
import { startNotifyReceiver } from './notify-receiver.ts';
import { missingTools } from './tools.ts';

const missing = missingTools(['systemd-notify', 'perl']);
// On a developer's machine without systemd the test is skipped; on CI a missing tool is a failure.
const skip = missing.length > 0 && process.env.CI !== 'true';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe.skipIf(skip)('systemd notifications', () => {
  it('READY=1 once the page answers, WATCHDOG=1 while running, STOPPING=1 on SIGTERM', async () => {
    expect(missing, 'tools the test needs').toEqual([]);
    const dir = tempDir();
    const receiver = await startNotifyReceiver(join(dir, 'notify.sock'));
    cleanups.push(() => receiver.close());
    const port = await freePort();
    // Probed the moment READY=1 arrives: systemd starts what depends on the gateway then.
    let readyProbe: Promise<boolean> | undefined;
    receiver.onMessage = (m) => {
      if (m === 'READY=1') readyProbe ??= answers(port);
    };
    const gw = await startGatewayProcess(gatewayConfig(dir, 9, [], { web: { host: '127.0.0.1', port } }), {
      dir,
      env: { NOTIFY_SOCKET: receiver.path, WATCHDOG_USEC: '400000' },
    });
    cleanups.push(() => gw.kill());

    await receiver.waitFor((m) => m.includes('READY=1'), 'READY=1');
    expect(await readyProbe, 'the page answers when READY=1 arrives').toBe(true);
    const afterReady = () => receiver.messages.slice(receiver.messages.indexOf('READY=1'));
    await receiver.waitFor(() => afterReady().filter((m) => m === 'WATCHDOG=1').length >= 3, 'three watchdog pings');
    expect(receiver.messages.indexOf('WATCHDOG=1')).toBeGreaterThan(receiver.messages.indexOf('READY=1'));
    // systemd-notify waited for systemd to take each message (no --no-block): that is what keeps a
    // message from a short-lived helper attributed to the unit under NotifyAccess=all.
    const sent = receiver.messages.filter((m) => m !== 'BARRIER=1').length;
    await receiver.waitFor((m) => m.filter((x) => x === 'BARRIER=1').length >= sent, 'a barrier after each message');
    expect(gw.logs.filter((l) => l.part === 'systemd' && (l.level ?? 0) >= 40)).toEqual([]);

    await gw.stop();
    await receiver.waitFor((m) => m.includes('STOPPING=1'), 'STOPPING=1');
  });
});

describe('outside systemd', () => {
  it('runs no systemd-notify when NOTIFY_SOCKET is not set', async () => {
    const dir = tempDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const calls = join(dir, 'calls');
    writeFileSync(join(bin, 'systemd-notify'), `#!/bin/sh\necho "$@" >> ${calls}\n`);
    chmodSync(join(bin, 'systemd-notify'), 0o755);
    const gw = await startGatewayProcess(gatewayConfig(dir, 9, []), {
      dir,
      env: { PATH: `${bin}:${process.env.PATH ?? ''}`, NOTIFY_SOCKET: undefined, WATCHDOG_USEC: '400000' },
    });
    cleanups.push(() => gw.kill());
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await gw.stop();
    expect(existsSync(calls) ? readFileSync(calls, 'utf8') : '').toBe('');
  });
});
