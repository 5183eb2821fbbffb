// `npm run bench`: readings per second and latency through the whole gateway (serial decode to MLLP
// ACK, durable storage on), against the bare loop of a raw socket sending pre-built ORU messages.
// The last line printed is one JSON object with the figures.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { encodeOruPcd01 } from '../src/hl7/oru-pcd01.ts';
import type { Reading } from '../src/model/reading.ts';
import { gatewayConfig, serialDevice, ALICE } from '../test/support/configs.ts';
import { startGatewayProcess, tempDir, type LogLine } from '../test/support/gateway-process.ts';
import { openPtyPair } from '../test/support/pty.ts';
import { openDeviceEnd } from '../test/support/serial-device.ts';
import { sendTransmission, type ByteLink } from '../test/support/astm-analyzer.ts';
import { framesOf } from '../test/support/astm-wire.ts';
import { runHistoryBench } from './history.ts';
import { runOutageBench } from './outage.ts';
import { runPacedBench } from './paced.ts';
import { runQueuedBench } from './queued.ts';

const PER_DEVICE = Number(process.env.BENCH_READINGS ?? 1500);
const BASELINE_MESSAGES = Number(process.env.BENCH_BASELINE ?? 5000);
const WINDOW = 32;
const ASTM_TRANSMISSIONS = Number(process.env.BENCH_ASTM ?? 300);
const ASTM_RESULTS = 10;

async function startReceiver(): Promise<{ port: number; stop(): Promise<void> }> {
  const proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./receiver.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout! });
  const port = await new Promise<number>((resolve, reject) => {
    lines.once('line', (l) => resolve((JSON.parse(l) as { port: number }).port));
    proc.once('exit', () => reject(new Error('bench receiver exited')));
  });
  return {
    port,
    stop: async () => {
      proc.kill('SIGTERM');
      await new Promise((r) => proc.once('exit', r));
    },
  };
}

function sampleReading(i: number): Reading {
  const now = new Date().toISOString();
  return {
    id: `BENCH${String(i).padStart(11, '0')}`,
    deviceId: 'scale-1',
    kind: 'scale',
    observedAt: now,
    receivedAt: now,
    observations: [
      { code: { mdc: { ref: 'MDC_MASS_BODY_ACTUAL', code: 188736 }, loinc: '29463-7', display: 'Body weight' }, value: 70.5, precision: 2, unit: 'kg', status: 'F' },
    ],
    raw: 'ST,GS,+0070.50kg',
  };
}

/** The ceiling: a raw socket sending pre-built ORU messages, one in flight, awaiting each ACK. */
async function baseline(port: number, n: number): Promise<number> {
  const frames = Array.from({ length: n }, (_, i) => {
    const controlId = `B${String(i).padStart(15, '0')}`;
    const text = encodeOruPcd01(sampleReading(i), {
      controlId,
      now: new Date(),
      sendingApplication: { name: 'MEDGATE' },
      patient: { mrn: ALICE.mrn, family: ALICE.family, given: ALICE.given },
      device: { id: 'scale-1', kind: 'scale' },
    });
    return Buffer.concat([Buffer.from([0x0b]), Buffer.from(text), Buffer.from([0x1c, 0x0d])]);
  });
  const socket = net.connect({ port, host: '127.0.0.1' });
  socket.setNoDelay(true);
  await new Promise((r) => socket.once('connect', r));
  let pending: (() => void) | undefined;
  let buf = '';
  socket.setEncoding('utf8').on('data', (s: string) => {
    buf += s;
    const end = buf.indexOf('\x1c\r');
    if (end >= 0) {
      buf = buf.slice(end + 2);
      pending?.();
    }
  });
  const t0 = performance.now();
  for (const frame of frames) {
    await new Promise<void>((resolve) => {
      pending = resolve;
      socket.write(frame);
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  socket.destroy();
  return n / seconds;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m?.[1] ? Math.round(Number(m[1]) / 1024) : NaN;
}

async function gatewayRun(port: number): Promise<{ perSecond: number; p50: number; p99: number; rssMb: number; readings: number }> {
  const dir = tempDir('medgate-bench-');
  const scalePty = await openPtyPair();
  const oxPty = await openPtyPair();
  const config = gatewayConfig(
    dir,
    port,
    [
      serialDevice('scale-1', 'ad-scale', scalePty.a, { mode: 'print' }),
      serialDevice('spo2-1', 'generic-line', oxPty.a, {
        pattern: '^SPO2=(?<spo2>\\d{3}|---) HR=(?<pulse>\\d{3}|---)',
        fields: { spo2: { type: 'spo2', unit: '%', absent: ['---'] }, pulse: { type: 'pulse.oximetry', unit: '/min', absent: ['---'] } },
      }),
    ],
    {
      demo: {
        bindings: [
          { device: 'scale-1', patient: ALICE, minutes: 600 },
          { device: 'spo2-1', patient: ALICE, minutes: 600 },
        ],
      },
    },
  );
  // BENCH_PROFILE=DIR writes a CPU profile of the gateway process there.
  const profile = process.env.BENCH_PROFILE;
  const gw = await startGatewayProcess(config, { dir, nodeArgs: profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [] });
  await gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'scale-1');
  await gw.waitForLog((l) => l.msg === 'device link up' && l.device === 'spo2-1');
  const devices = [
    { id: 'scale-1', end: await openDeviceEnd(scalePty.b, 2400), line: (i: number) => `ST,GS,+${(50 + (i % 5000) / 100).toFixed(2).padStart(7, '0')}kg\r\n` },
    { id: 'spo2-1', end: await openDeviceEnd(oxPty.b), line: (i: number) => `SPO2=${String(90 + (i % 10)).padStart(3, '0')} HR=${String(60 + (i % 40)).padStart(3, '0')}\r\n` },
  ];

  // Reading ids arrive in device order, so the k-th queued reading of a device is its k-th line.
  const sentAt = new Map<string, number[]>(devices.map((d) => [d.id, []]));
  const queuedCount = new Map<string, number>();
  const readingOrigin = new Map<string, number>();
  const latencies: number[] = [];
  let delivered = 0;
  let scanned = 0;
  const scan = () => {
    for (; scanned < gw.logs.length; scanned++) {
      const l: LogLine = gw.logs[scanned]!;
      if (l.msg === 'reading queued') {
        const dev = String(l.device);
        const k = queuedCount.get(dev) ?? 0;
        queuedCount.set(dev, k + 1);
        const t = sentAt.get(dev)?.[k];
        if (t !== undefined) readingOrigin.set(String(l.reading), t);
      } else if (l.msg === 'forwarded to EHR') {
        const t0 = readingOrigin.get(String(l.reading));
        if (t0 !== undefined) latencies.push(Number(l.time) - t0);
        delivered++;
      }
    }
  };
  const total = PER_DEVICE * devices.length;
  const start = Date.now();
  await Promise.all(
    devices.map(async (d) => {
      const times = sentAt.get(d.id)!;
      for (let i = 0; i < PER_DEVICE; i++) {
        while (times.length - delivered / devices.length >= WINDOW) {
          await new Promise((r) => setTimeout(r, 1));
          scan();
        }
        times.push(Date.now());
        await d.end.write(d.line(i));
      }
    }),
  );
  while (delivered < total) {
    if (Date.now() - start > 300_000) throw new Error(`bench stalled: ${delivered}/${total} delivered`);
    await new Promise((r) => setTimeout(r, 5));
    scan();
  }
  const seconds = (Date.now() - start) / 1000;
  const rssMb = peakRssMb(gw.process.pid!);
  for (const d of devices) await d.end.close();
  await gw.stop();
  await scalePty.close();
  await oxPty.close();
  latencies.sort((a, b) => a - b);
  return { perSecond: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), rssMb, readings: total };
}

function chemistry(i: number): string[] {
  const tests = ['GLU', 'BUN', 'CREA', 'NA', 'K', 'CL', 'CO2', 'CA', 'ALB', 'TP'].slice(0, ASTM_RESULTS);
  return [
    'H|\\^&|||BENCH-CHEM^1.0^SN1|||||MEDGATE||P|LIS2-A2|20260101080000',
    `P|1||PID${String(i % 1000).padStart(4, '0')}||Bench^Patient||19700101|F`,
    `O|1|S${String(i).padStart(7, '0')}||${tests.map((t) => `^^^${t}`).join('\\')}|R|20260101070000|20260101070500||||||||serum||||||||||F`,
    ...tests.map((t, k) => `R|${k + 1}|^^^${t}|${(50 + ((i + k) % 50)).toFixed(1)}|mg/dL|10-100|N||F||OP|20260101075900|20260101080000|BENCH-CHEM`),
    'L|1|N',
  ];
}

/** ASTM over TCP: an analyzer sends transmissions back to back; results per second until all are ACKed by the EHR. */
async function astmRun(port: number): Promise<{ resultsPerSecond: number; transmissionsPerSecond: number }> {
  const dir = tempDir('medgate-bench-astm-');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const astmPort = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  const config = gatewayConfig(dir, port, [
    { id: 'chem-1', driver: 'astm-lis2', transport: { type: 'tcp', mode: 'listen', host: '127.0.0.1', port: astmPort } },
  ]);
  const gw = await startGatewayProcess(config, { dir });
  const socket = net.connect({ port: astmPort, host: '127.0.0.1' });
  // Without it Nagle holds each small frame until the previous ACK is ACKed: 40 ms a round trip.
  socket.setNoDelay(true);
  await new Promise((r) => socket.once('connect', r));
  let rx = '';
  const waiting: Array<() => void> = [];
  socket.setEncoding('latin1').on('data', (s: string) => {
    rx += s;
    for (const w of waiting.splice(0)) w();
  });
  const link: ByteLink = {
    write: (t) => new Promise((resolve, reject) => socket.write(Buffer.from(t, 'latin1'), (e) => (e ? reject(e) : resolve()))),
    received: () => rx,
    waitForData: () => new Promise<void>((r) => waiting.push(r)),
  };
  const start = Date.now();
  for (let i = 0; i < ASTM_TRANSMISSIONS; i++) await sendTransmission(link, framesOf(chemistry(i)));
  const forwarded = () => gw.logs.filter((l) => l.msg === 'forwarded to EHR').length;
  while (forwarded() < ASTM_TRANSMISSIONS) {
    if (Date.now() - start > 300_000) throw new Error(`ASTM bench stalled: ${forwarded()}/${ASTM_TRANSMISSIONS}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (Date.now() - start) / 1000;
  socket.destroy();
  await gw.stop();
  return { resultsPerSecond: (ASTM_TRANSMISSIONS * ASTM_RESULTS) / seconds, transmissionsPerSecond: ASTM_TRANSMISSIONS / seconds };
}

const receiver = await startReceiver();
try {
  const base = await baseline(receiver.port, BASELINE_MESSAGES);
  console.log(`baseline: raw socket, pre-built ORU, one in flight: ${base.toFixed(0)} messages/s (${BASELINE_MESSAGES} messages)`);
  const run = await gatewayRun(receiver.port);
  console.log(
    `gateway: ${run.readings} readings from 2 serial devices (pty) to MLLP ACK, fsync on: ${run.perSecond.toFixed(0)} readings/s, p50 ${run.p50} ms, p99 ${run.p99} ms, peak RSS ${run.rssMb} MB`,
  );
  const astm = await astmRun(receiver.port);
  console.log(
    `astm: ${ASTM_TRANSMISSIONS} transmissions of ${ASTM_RESULTS} results over TCP (E1381 framing, ACK per frame) to MLLP ACK: ${astm.resultsPerSecond.toFixed(0)} results/s (${astm.transmissionsPerSecond.toFixed(1)} transmissions/s)`,
  );
  const paced = await runPacedBench();
  console.log(`paced: ${paced.paced_readings} readings at 200/s, device line to EHR ACK: p50 ${paced.paced_p50_ms} ms, p99 ${paced.paced_p99_ms} ms`);
  const queued = await runQueuedBench();
  console.log(`queued: accepting a reading with 20,000 queued for a destination that is down costs ${queued.queued_intake_ratio}x the empty queue (${queued.queued_accept_ms} vs ${queued.empty_accept_ms} ms)`);
  const outage = await runOutageBench();
  console.log(`outage: 300 readings queued while the EHR was down, last ACK ${outage.outage_recovery_ms} ms after it accepted connections again`);
  const history = await runHistoryBench();
  console.log(
    `history: ${history.history_messages} delivered messages (${history.history_db_mb} MB): one old message ${history.history_lookup_ms} ms, newest 50 ${history.history_list_ms} ms, event loop max ${history.event_loop_max_ms} ms`,
  );
  console.log(
    JSON.stringify({
      readings_per_s: Math.round(run.perSecond),
      baseline_per_s: Math.round(base),
      ratio: Number((run.perSecond / base).toFixed(4)),
      p50_ms: run.p50,
      p99_ms: run.p99,
      peak_rss_mb: run.rssMb,
      astm_results_per_s: Math.round(astm.resultsPerSecond),
      paced_p50_ms: paced.paced_p50_ms,
      paced_p99_ms: paced.paced_p99_ms,
      queued_intake_ratio: queued.queued_intake_ratio,
      history_lookup_ms: history.history_lookup_ms,
      history_list_ms: history.history_list_ms,
      event_loop_max_ms: history.event_loop_max_ms,
      outage_recovery_ms: outage.outage_recovery_ms,
    }),
  );
} finally {
  await receiver.stop();
}
