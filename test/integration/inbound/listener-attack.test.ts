// An attack on the listeners never stops the readings of other devices. A gateway process with a
// descriptor limit of 1024 (a small installation's; the attack in the issue took a gateway to its
// limit with 10,000 connections): thousands of idle connections to an analyzer's listening port and
// to the inbound MLLP port, and connections flooding invalid and oversized frames, while a scale on
// its own listener keeps weighing and every reading reaches the EHR stand-in. Connections past
// maxConnections are closed at once, silent ones after idleTimeoutMs, and a peer outside a
// listener's allow list at accept.

import { chmodSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../../src/mllp/framing.ts';
import { sendAdt } from '../../support/adt-sender.ts';
import { gatewayConfig } from '../../support/configs.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { freePort } from '../../support/free-port.ts';
import { CLI, startGatewayProcess, tempDir, type GatewayProcess } from '../../support/gateway-process.ts';
import { a04 } from '../../unit/inbound/fixtures.ts';

/** Attacker connections per attacked port: well under this process's own descriptor limit. */
const IDLE_CONNECTIONS = 3000;
const IDLE_TIMEOUT_MS = 2000;

interface Attempt {
  socket: net.Socket;
  connected: boolean;
  closed: boolean;
}

/** Opens `count` connections, `concurrency` at a time, and leaves them open and silent. */
async function openIdle(port: number, count: number, concurrency: number, attempts: Attempt[], stop: () => boolean): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count && !stop()) {
      next++;
      const a: Attempt = { socket: net.connect({ port, host: '127.0.0.1' }), connected: false, closed: false };
      attempts.push(a);
      a.socket.on('error', () => undefined);
      a.socket.resume();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000); // a connect the gateway never takes up does not block the attack
        a.socket.once('connect', () => {
          a.connected = true;
          clearTimeout(timer);
          resolve();
        });
        a.socket.once('close', () => {
          a.closed = true;
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Sends invalid frames (not HL7, and larger than any message) for as long as it may, reconnecting when closed. */
function flood(port: number, stop: () => boolean): { frames: number } {
  const counter = { frames: 0 };
  const junk = encodeFrame('this is not HL7|'.repeat(64));
  const huge = Buffer.concat([Buffer.from([0x0b]), Buffer.alloc(64 * 1024, 0x41)]);
  const run = (): void => {
    if (stop()) return;
    const s = net.connect({ port, host: '127.0.0.1' });
    s.on('error', () => undefined);
    s.resume();
    const tick = setInterval(() => {
      if (stop()) {
        s.destroy();
        return;
      }
      counter.frames++;
      s.write(counter.frames % 50 === 0 ? huge : junk);
    }, 2);
    s.once('close', () => {
      clearInterval(tick);
      setTimeout(run, 50);
    });
  };
  run();
  return counter;
}

function openNow(attempts: Attempt[]): number {
  return attempts.filter((a) => a.connected && !a.closed).length;
}

describe('an attack on the listeners', () => {
  let ehr: EhrStandin;
  let gw: GatewayProcess;
  const ports = { scale: 0, chem: 0, guarded: 0, inbound: 0 };

  beforeAll(async () => {
    ehr = await startEhrStandin();
    const dir = tempDir('medgate-attack-');
    for (const k of Object.keys(ports) as Array<keyof typeof ports>) ports[k] = await freePort();
    // The gateway as installed, with the descriptor limit of a small box.
    const bin = join(dir, 'medgate-limited');
    writeFileSync(bin, `#!/bin/sh\nulimit -n 1024\nexec "${process.execPath}" --import tsx "${CLI}" "$@"\n`);
    chmodSync(bin, 0o755);
    const config = gatewayConfig(
      dir,
      ehr.port,
      [
        {
          id: 'scale-1',
          driver: 'ad-scale',
          transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port: ports.scale, allow: ['127.0.0.1'] },
          settings: { mode: 'print' },
        },
        {
          id: 'chem-1',
          driver: 'hl7-analyzer',
          transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port: ports.chem, idleTimeoutMs: IDLE_TIMEOUT_MS },
        },
        { id: 'chem-2', driver: 'hl7-analyzer', transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port: ports.guarded, allow: ['10.9.9.0/24'] } },
      ],
      { inbound: { mllp: { host: '127.0.0.1', port: ports.inbound, idleTimeoutMs: IDLE_TIMEOUT_MS } } },
    );
    gw = await startGatewayProcess(config, { dir, bin });
    await gw.waitForLog((l) => l.msg === 'inbound HL7 listener (ADT and orders) listening', 30_000);
    // The EHR registers the patient (readings are checked against its directory), a nurse binds the scale.
    const [ack] = await sendAdt(ports.inbound, [a04('ADT0002', 'MRN2002', 'V6002')], 'split');
    expect(ack?.code).toBe('AA');
    expect((await gw.api('PUT', '/api/devices/scale-1/patient', { mrn: 'MRN2002', family: 'Müller', given: 'José', minutes: 60 })).status).toBe(200);
  }, 60_000);

  afterAll(async () => {
    await gw?.stop();
    await ehr?.stop();
  });

  it('keeps every reading of the scale flowing to the EHR while its neighbours are attacked', async () => {
    let attacking = true;
    const stop = (): boolean => !attacking;
    const chemIdle: Attempt[] = [];
    const inboundIdle: Attempt[] = [];
    const floods = [flood(ports.chem, stop), flood(ports.chem, stop), flood(ports.inbound, stop), flood(ports.inbound, stop)];
    const idle = Promise.all([openIdle(ports.chem, IDLE_CONNECTIONS, 100, chemIdle, stop), openIdle(ports.inbound, IDLE_CONNECTIONS, 100, inboundIdle, stop)]);

    // The scale weighs while the attack goes on; each weight must reach the EHR.
    await new Promise((r) => setTimeout(r, 1500));
    const weights = ['070.10', '070.20', '070.30', '070.40', '070.50'];
    const scale = net.connect({ port: ports.scale, host: '127.0.0.1' });
    scale.on('error', () => undefined);
    try {
      for (const w of weights) {
        scale.write(`ST,GS,+0${w}kg\r\n`);
        await new Promise((r) => setTimeout(r, 400));
      }
      const got = await ehr.waitFor(weights.length, 30_000).catch((e: unknown) => {
        console.log(
          gw.logs
            .filter((l) => !/inbound message rejected|protocol error|MLLP framing/.test(String(l.msg)))
            .slice(-60)
            .map((l) => JSON.stringify(l))
            .join('\n'),
        );
        throw e;
      });
      for (const [i, w] of weights.entries()) expect(got[i]!.text).toContain(`|${w.replace(/^0/, '')}|`);
      // The page still answers too.
      expect((await fetch(`${gw.url}/healthz`, { signal: AbortSignal.timeout(5000) })).status).toBeLessThan(500);

      await idle;
      // Past maxConnections (2 on a device listener, 4 on the inbound port, the floods holding some) nothing stays open.
      await new Promise((r) => setTimeout(r, 500));
      expect(chemIdle.filter((a) => a.connected).length).toBeGreaterThan(IDLE_CONNECTIONS / 2);
      expect(openNow(chemIdle)).toBeLessThanOrEqual(2);
      expect(openNow(inboundIdle)).toBeLessThanOrEqual(4);
      expect(floods.every((f) => f.frames > 100)).toBe(true);
    } finally {
      attacking = false;
      scale.destroy();
      for (const a of [...chemIdle, ...inboundIdle]) a.socket.destroy();
    }
    expect(gw.logs.some((l) => l.msg === 'connection refused' && l.reason === 'too many connections')).toBe(true);
  }, 120_000);

  it('closes a silent connection after idleTimeoutMs, and one from outside the allow list at accept', async () => {
    const watch = (port: number): Promise<{ connected: boolean; lastedMs: number; got: number }> =>
      new Promise((resolve) => {
        const started = Date.now();
        let connected = false;
        let got = 0;
        const s = net.connect({ port, host: '127.0.0.1' });
        s.on('connect', () => {
          connected = true;
          s.write(encodeFrame('MSH|^~\\&|X|Y|||20250101||ORU^R01|N1|P|2.5\rPID|||1\r'));
        });
        s.on('data', (c: Buffer) => {
          got += c.length;
        });
        s.on('error', () => undefined);
        s.on('close', () => resolve({ connected, lastedMs: Date.now() - started, got }));
        setTimeout(() => s.destroy(), 15_000);
      });
    const [idle, stranger] = await Promise.all([
      // A silent peer: it sends one frame and then nothing.
      watch(ports.inbound),
      watch(ports.guarded),
    ]);
    expect(idle.connected).toBe(true);
    expect(idle.got).toBeGreaterThan(0); // it was answered, then closed for silence
    expect(idle.lastedMs).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS - 100);
    expect(idle.lastedMs).toBeLessThan(IDLE_TIMEOUT_MS + 5000);
    expect(stranger.got).toBe(0);
    // chem-2 has no idle timeout and closes a silent peer after a minute: seconds is at accept.
    expect(stranger.lastedMs).toBeLessThan(5000);
    await gw.waitForLog((l) => l.msg === 'connection refused' && l.reason === 'not in allow list', 5000, 'the allow-list refusal');
  }, 30_000);
});
