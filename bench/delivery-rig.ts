// Shared by the delivery benches (paced.ts, outage.ts): the bench MLLP receiver (receiver.ts) as its
// own process, the gateway as its own process with serial devices on socat pty pairs, and the
// gateway's log lines that time each reading from its device line to the EHR's ACK.
// Everything started here is ended by stop(), also when a later part fails to start in time.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DestinationConfig } from '../src/config/schema.ts';
import { ALICE, gatewayConfig, serialDevice } from '../test/support/configs.ts';
import { startGatewayProcess, tempDir, type GatewayProcess, type LogLine } from '../test/support/gateway-process.ts';
import { openPtyPair, type PtyPair } from '../test/support/pty.ts';
import { openDeviceEnd, type SerialDeviceEnd } from '../test/support/serial-device.ts';
import { NODE_FLAGS } from '../src/node-flags.ts';

export interface Receiver {
  port: number;
  /** Date.now() when the receiver said it accepts connections. */
  listeningAt: number;
  stop(): Promise<void>;
}

/** The bench receiver on `port` (0: any free one). Killed if it does not listen within `timeoutMs`. */
export async function startReceiver(port = 0, timeoutMs = 15_000): Promise<Receiver> {
  const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./receiver.ts', import.meta.url)), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    await exited;
  };
  try {
    const lines = createInterface({ input: proc.stdout! });
    const listening = await new Promise<{ port: number; at: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`bench receiver did not listen within ${timeoutMs} ms`)), timeoutMs);
      lines.on('line', (l) => {
        const e = JSON.parse(l) as { event?: string; port?: number };
        if (e.event === 'listening' && typeof e.port === 'number') {
          clearTimeout(timer);
          resolve({ port: e.port, at: Date.now() });
        }
      });
      void exited.then(() => reject(new Error('bench receiver exited')));
    });
    return { port: listening.port, listeningAt: listening.at, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export interface BenchDevice {
  id: string;
  end: SerialDeviceEnd;
  /** The i-th line the device sends: values vary so each reading is its own. */
  line(i: number): string;
}

export interface Rig {
  gw: GatewayProcess;
  devices: BenchDevice[];
  stop(): Promise<void>;
}

export type DeviceKind = 'scale' | 'oximeter';

const SPO2_SETTINGS = {
  pattern: '^SPO2=(?<spo2>\\d{3}|---) HR=(?<pulse>\\d{3}|---)',
  fields: { spo2: { type: 'spo2', unit: '%', absent: ['---'] }, pulse: { type: 'pulse.oximetry', unit: '/min', absent: ['---'] } },
};

const LINES: Record<DeviceKind, (i: number) => string> = {
  scale: (i) => `ST,GS,+${(50 + (i % 5000) / 100).toFixed(2).padStart(7, '0')}kg\r\n`,
  oximeter: (i) => `SPO2=${String(90 + (i % 10)).padStart(3, '0')} HR=${String(60 + (i % 40)).padStart(3, '0')}\r\n`,
};

/**
 * The gateway with the given devices (each bound to a patient), forwarding to 127.0.0.1:`ehrPort`.
 * `retry`: the destination's retry setting; 'product' leaves it out, as a clinic's config would.
 */
export async function startRig(ehrPort: number, kinds: DeviceKind[], retry: DestinationConfig['retry'] | 'product'): Promise<Rig> {
  const enders: Array<() => Promise<void>> = [];
  const stop = async (): Promise<void> => {
    for (const end of enders.splice(0).reverse()) await end().catch(() => undefined);
  };
  try {
    const dir = tempDir('medgate-bench-delivery-');
    const ptys: PtyPair[] = [];
    for (const _ of kinds) {
      const pty = await openPtyPair();
      enders.push(() => pty.close());
      ptys.push(pty);
    }
    const ids = kinds.map((k, i) => `${k}-${i + 1}`);
    const config = gatewayConfig(
      dir,
      ehrPort,
      kinds.map((k, i) =>
        k === 'scale' ? serialDevice(ids[i]!, 'ad-scale', ptys[i]!.a, { mode: 'print' }) : serialDevice(ids[i]!, 'generic-line', ptys[i]!.a, SPO2_SETTINGS),
      ),
      { demo: { bindings: ids.map((device) => ({ device, patient: ALICE, minutes: 600 })) } },
    );
    for (const d of config.destinations) {
      if (d.type !== 'mllp') continue;
      if (retry === 'product') delete d.retry;
      else d.retry = retry;
    }
    // BENCH_PROFILE=DIR writes a CPU profile of the gateway process there (as bench/run.ts).
    const profile = process.env.BENCH_PROFILE;
    // With the V8 settings a production gateway runs with (src/node-flags.ts).
    const gw = await startGatewayProcess(config, { dir, nodeArgs: [...NODE_FLAGS, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [])] });
    enders.push(() => gw.stop());
    for (const id of ids) await gw.waitForLog((l) => l.msg === 'device link up' && l.device === id, 15_000, `${id} link up`);
    const devices: BenchDevice[] = [];
    for (const [i, kind] of kinds.entries()) {
      const end = await openDeviceEnd(ptys[i]!.b, 2400);
      enders.push(() => end.close());
      devices.push({ id: ids[i]!, end, line: LINES[kind] });
    }
    return { gw, devices, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Times readings from the gateway's log: 'forwarded to EHR' (the one info line a reading gets) names
 * its device and carries the time the ACK was taken (pino `time`, the same clock as Date.now()
 * here). One destination sends in order, and a device's lines are read in order, so a device's k-th
 * delivery is its k-th line.
 */
export class Timeline {
  readonly latencies: number[] = [];
  delivered = 0;
  /** Log time of the last 'forwarded to EHR'. */
  lastDeliveredAt = 0;
  private scanned = 0;
  private readonly sentAt = new Map<string, Array<number | undefined>>();
  private readonly deliveredPerDevice = new Map<string, number>();

  /** A line written now; `measured` false keeps it out of the latencies (warm-up). */
  sent(deviceId: string, at: number, measured = true): void {
    let times = this.sentAt.get(deviceId);
    if (!times) this.sentAt.set(deviceId, (times = []));
    times.push(measured ? at : undefined);
  }

  scan(logs: LogLine[]): void {
    for (; this.scanned < logs.length; this.scanned++) {
      const l = logs[this.scanned]!;
      if (l.msg !== 'forwarded to EHR') continue;
      this.delivered++;
      this.lastDeliveredAt = Math.max(this.lastDeliveredAt, Number(l.time));
      const device = String(l.device);
      const k = this.deliveredPerDevice.get(device) ?? 0;
      this.deliveredPerDevice.set(device, k + 1);
      const t0 = this.sentAt.get(device)?.[k];
      if (t0 !== undefined) this.latencies.push(Number(l.time) - t0);
    }
  }

  /** Polls the log until `done` holds; throws after `timeoutMs`. */
  async until(gw: GatewayProcess, done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const start = Date.now();
    for (this.scan(gw.logs); !done(); this.scan(gw.logs)) {
      if (Date.now() - start > timeoutMs) throw new Error(`bench stalled waiting for ${what}: ${this.delivered} delivered`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
