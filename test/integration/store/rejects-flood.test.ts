// The attack through a running gateway: one connection to an analyzer's port sending invalid 300 KB
// HL7 frames grew the rejected-input journal by 43 MB in 10 s. Now one device's inputs of a day
// stay within its cap, and what was dropped is counted in the API and said at warn.

import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REJECTS_LIMITS } from '../../../src/store/reject-caps.ts';
import type { DroppedInputs, RejectedInput } from '../../../src/store/rejects.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { eventually } from '../../support/eventually.ts';
import { freePort } from '../../support/free-port.ts';
import { startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';

const FRAME = 300 * 1024;
const SECONDS = 4;

describe('rejected-input flood', () => {
  let gw: GatewayProcess | undefined;
  let port: number;

  beforeAll(async () => {
    const dir = tempDir();
    port = await freePort();
    const device = {
      id: 'cobas-1',
      driver: 'hl7-analyzer',
      label: 'analyzer',
      transport: { type: 'tcp' as const, mode: 'listen' as const, host: '127.0.0.1', port },
    };
    gw = await startGatewayProcess(gatewayConfig(dir, await freePort(), [device]), { dir, token: 'rejects-flood-test-token-0123456789abc' });
  });

  afterAll(async () => {
    await gw?.stop();
  });

  it(`keeps one device's flood of invalid 300 KB frames within its daily cap`, async () => {
    const g = gw!;
    const socket: Socket = await new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(s));
      s.on('error', reject);
    });
    socket.resume(); // the analyzer's NAKs
    const garbage = Buffer.alloc(FRAME, 'X');
    const frame = Buffer.concat([Buffer.from([0x0b]), garbage, Buffer.from([0x1c, 0x0d])]);
    const until = Date.now() + SECONDS * 1000;
    let sent = 0;
    while (Date.now() < until) {
      if (!socket.write(frame)) await new Promise((r) => socket.once('drain', r));
      sent++;
      await new Promise((r) => setTimeout(r, 30));
    }
    expect(sent * FRAME).toBeGreaterThan(25 * 1024 * 1024);
    let body: { rejected: RejectedInput[]; dropped: Record<string, DroppedInputs> } = { rejected: [], dropped: {} };
    await eventually(async () => {
      body = (await g.api<typeof body>('GET', '/api/rejected?device=cobas-1&limit=1000')).body;
      const d = body.dropped['cobas-1'];
      expect((d?.rateLimited ?? 0) + (d?.overCap ?? 0) + body.rejected.length).toBeGreaterThanOrEqual(sent - 2);
    }, 20_000);
    socket.destroy();
    const kept = body.rejected.reduce((n, r) => n + r.bytes.length + r.reason.length, 0);
    expect(kept).toBeLessThanOrEqual(DEFAULT_REJECTS_LIMITS.perDeviceDay.bytes);
    // Uncapped, about 24 MB of this flood was kept (20 frames of 256 KB a second).
    expect(kept).toBeLessThan(10 * 1024 * 1024);
    expect(body.dropped['cobas-1']?.overCap).toBeGreaterThan(0);
    await g.waitForLog(
      (l) => l.device === 'cobas-1' && typeof l.msg === 'string' && l.msg.startsWith('rejected inputs of this device dropped'),
      5000,
      'the dropped warning',
    );
  });
});
