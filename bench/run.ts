// `npm run bench`: readings per second and latency through the whole gateway (serial decode to MLLP
// ACK, durable storage on), against the bare loop of a raw socket sending pre-built ORU messages.
// The last line printed is one JSON object with the figures.

import net from 'node:net';
import { encodeOruPcd01 } from '../src/hl7/oru-pcd01.ts';
import type { Reading } from '../src/model/reading.ts';
import { gatewayConfig, ALICE } from '../test/support/configs.ts';
import { startGatewayProcess, tempDir } from '../test/support/gateway-process.ts';
import { sendTransmission, type ByteLink } from '../test/support/astm-analyzer.ts';
import { framesOf } from '../test/support/astm-wire.ts';
import { runClosedLoop } from './closed.ts';
import { startReceiver } from './delivery-rig.ts';
import { runHistoryBench } from './history.ts';
import { runOutageBench } from './outage.ts';
import { runPacedBench } from './paced.ts';
import { runQueuedBench } from './queued.ts';
import { measureStartup } from './startup.ts';
import { NODE_FLAGS } from '../src/node-flags.ts';

const PER_DEVICE = Number(process.env.BENCH_READINGS ?? 3000);
const WARMUP_PER_DEVICE = Number(process.env.BENCH_WARMUP ?? 1000);
const BASELINE_MESSAGES = Number(process.env.BENCH_BASELINE ?? 5000);
const ASTM_TRANSMISSIONS = Number(process.env.BENCH_ASTM ?? 300);
const ASTM_RESULTS = 10;

function sampleReading(i: number): Reading {
  const now = new Date().toISOString();
  return {
    id: `BENCH${String(i).padStart(11, '0')}`,
    deviceId: 'scale-1',
    kind: 'scale',
    observedAt: now,
    receivedAt: now,
    observations: [
      {
        code: { mdc: { ref: 'MDC_MASS_BODY_ACTUAL', code: 188736 }, loinc: '29463-7', display: 'Body weight' },
        value: 70.5,
        precision: 2,
        unit: 'kg',
        status: 'F',
      },
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
  const gw = await startGatewayProcess(config, { dir, nodeArgs: [...NODE_FLAGS] });
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

class ClosedLoopOnly extends Error {}

const receiver = await startReceiver();
try {
  // First, on a machine no other part of the bench has warmed up.
  const startup = process.env.BENCH_ONLY === 'closed' ? undefined : { demo: await measureStartup(), fifty: await measureStartup(50) };
  if (startup) {
    console.log(
      `start-up (compiled, median of 3): ready in ${startup.demo.ready_ms} ms; idle RSS 10 s after ready ${startup.demo.idle_rss_mb} MB (demo: 8 devices, inbound feed, embedded broker), ${startup.fifty.idle_rss_mb} MB with 50 devices; ${startup.demo.children + startup.fifty.children} child processes`,
    );
  }
  const base = await baseline(receiver.port, BASELINE_MESSAGES);
  console.log(`baseline: raw socket, pre-built ORU, one in flight: ${base.toFixed(0)} messages/s (${BASELINE_MESSAGES} messages)`);
  const run = await runClosedLoop(receiver.port, PER_DEVICE, WARMUP_PER_DEVICE);
  console.log(
    `gateway: ${run.readings} readings (after ${WARMUP_PER_DEVICE * 2} not counted) from 2 serial devices (pty) to MLLP ACK, fsync on: ${run.perSecond.toFixed(0)} readings/s, p50 ${run.p50} ms, p99 ${run.p99} ms, main thread ${run.mainCpuMs.toFixed(3)} ms CPU a reading (all threads ${run.processCpuMs.toFixed(3)} ms), peak RSS ${run.rssMb} MB`,
  );
  // BENCH_ONLY=closed stops after the closed loop (for profiling it).
  if (process.env.BENCH_ONLY === 'closed') throw new ClosedLoopOnly();
  const astm = await astmRun(receiver.port);
  console.log(
    `astm: ${ASTM_TRANSMISSIONS} transmissions of ${ASTM_RESULTS} results over TCP (E1381 framing, ACK per frame) to MLLP ACK: ${astm.resultsPerSecond.toFixed(0)} results/s (${astm.transmissionsPerSecond.toFixed(1)} transmissions/s)`,
  );
  const paced = await runPacedBench();
  console.log(`paced: ${paced.paced_readings} readings at 200/s, device line to EHR ACK: p50 ${paced.paced_p50_ms} ms, p99 ${paced.paced_p99_ms} ms`);
  const queued = await runQueuedBench();
  console.log(
    `queued: accepting a reading with 20,000 queued for a destination that is down costs ${queued.queued_intake_ratio}x the empty queue (${queued.queued_accept_ms} vs ${queued.empty_accept_ms} ms); newest 50 queued readings or messages listed in ${queued.queued_list_ms} ms`,
  );
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
      main_cpu_ms_per_reading: Number(run.mainCpuMs.toFixed(3)),
      process_cpu_ms_per_reading: Number(run.processCpuMs.toFixed(3)),
      astm_results_per_s: Math.round(astm.resultsPerSecond),
      paced_p50_ms: paced.paced_p50_ms,
      paced_p99_ms: paced.paced_p99_ms,
      queued_intake_ratio: queued.queued_intake_ratio,
      queued_list_ms: queued.queued_list_ms,
      history_lookup_ms: history.history_lookup_ms,
      history_list_ms: history.history_list_ms,
      event_loop_max_ms: history.event_loop_max_ms,
      outage_recovery_ms: outage.outage_recovery_ms,
      ready_ms: startup?.demo.ready_ms,
      idle_rss_mb: startup?.demo.idle_rss_mb,
      idle_rss_50_mb: startup?.fifty.idle_rss_mb,
    }),
  );
} catch (err) {
  if (!(err instanceof ClosedLoopOnly)) throw err;
} finally {
  await receiver.stop();
}
