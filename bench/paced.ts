// Latency at a steady clinic-like load: device lines at a paced 200 readings/s (two serial devices
// on pty pairs, 100/s each) for ~10 s, through the gateway process (durable storage on) to the
// bench MLLP receiver's ACK. paced_p50_ms / paced_p99_ms: from writing the device line to the
// gateway taking the EHR's ACK. The first second is a warm-up, sent but not counted.
// Run alone: node --import tsx -e "import('./bench/paced.ts').then((m) => m.runPacedBench()).then((r) => console.log(JSON.stringify(r)))"

import { percentile, startReceiver, startRig, Timeline } from './delivery-rig.ts';

export interface PacedResult {
  paced_p50_ms: number;
  paced_p99_ms: number;
  /** Readings counted (after the warm-up). */
  paced_readings: number;
}

export interface PacedOptions {
  perSecond?: number;
  seconds?: number;
  warmupSeconds?: number;
}

export async function runPacedBench(opts: PacedOptions = {}): Promise<PacedResult> {
  const perSecond = opts.perSecond ?? 200;
  const seconds = opts.seconds ?? 10;
  const warmup = opts.warmupSeconds ?? 1;
  const receiver = await startReceiver();
  try {
    const rig = await startRig(receiver.port, ['scale', 'oximeter'], { initialMs: 100, maxMs: 400 });
    try {
      const timeline = new Timeline();
      const total = Math.round(perSecond * (seconds + warmup));
      const counted = Math.round(perSecond * seconds);
      const interval = 1000 / perSecond;
      const start = Date.now() + 50;
      for (let i = 0; i < total; i++) {
        const due = start + i * interval;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const device = rig.devices[i % rig.devices.length]!;
        timeline.sent(device.id, Date.now(), i >= total - counted);
        await device.end.write(device.line(Math.floor(i / rig.devices.length)));
        if (i % 50 === 0) timeline.scan(rig.gw.logs);
      }
      await timeline.until(rig.gw, () => timeline.delivered >= total, 60_000, `${total} ACKs`);
      return { paced_p50_ms: percentile(timeline.latencies, 50), paced_p99_ms: percentile(timeline.latencies, 99), paced_readings: timeline.latencies.length };
    } finally {
      await rig.stop();
    }
  } finally {
    await receiver.stop();
  }
}
