// The closed loop: two serial devices (pty pairs) send as fast as the gateway takes them, each
// with at most WINDOW readings on their way (sent, not yet ACKed by the EHR), through the gateway
// process (durable storage on) to the bench MLLP receiver. readings_per_s is counted after a
// warm-up that is sent the same way but not counted: a gateway runs for months, so what matters is
// its rate once the JIT has compiled the hot path, not during its first second.

import { readFileSync } from 'node:fs';
import { percentile, startRig, Timeline } from './delivery-rig.ts';

const WINDOW = 32;

export interface ClosedResult {
  perSecond: number;
  p50: number;
  p99: number;
  rssMb: number;
  /** CPU time of the gateway's main thread per counted reading: the steadier figure on a shared machine. */
  mainCpuMs: number;
  /** CPU time of the whole gateway process (every thread) per counted reading. */
  processCpuMs: number;
  /** Readings counted (after the warm-up). */
  readings: number;
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m?.[1] ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** CPU time (user + system) so far, in ms, of a process's main thread, or with `whole` of all its threads. */
function cpuMs(pid: number, whole = false): number {
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const stat = readFileSync(whole ? `/proc/${pid}/stat` : `/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
}

export async function runClosedLoop(ehrPort: number, perDevice: number, warmupPerDevice: number): Promise<ClosedResult> {
  const rig = await startRig(ehrPort, ['scale', 'oximeter'], 'product');
  try {
    const timeline = new Timeline();
    const n = rig.devices.length;
    let sentTotal = 0;
    // One phase: every device sends `count` lines, never more than WINDOW ahead of the ACKs.
    const phase = async (count: number, measured: boolean): Promise<void> => {
      const base = sentTotal / n;
      await Promise.all(
        rig.devices.map(async (d) => {
          for (let i = 0; i < count; i++) {
            while (base + i - timeline.delivered / n >= WINDOW) {
              await new Promise((r) => setTimeout(r, 1));
              timeline.scan(rig.gw.logs);
            }
            timeline.sent(d.id, Date.now(), measured);
            await d.end.write(d.line(base + i));
          }
        }),
      );
      sentTotal += count * n;
      await timeline.until(rig.gw, () => timeline.delivered >= sentTotal, 300_000, `${sentTotal} ACKs`);
    };
    await phase(warmupPerDevice, false);
    const pid = rig.gw.process.pid!;
    const cpu0 = cpuMs(pid);
    const all0 = cpuMs(pid, true);
    const start = Date.now();
    await phase(perDevice, true);
    const seconds = (Date.now() - start) / 1000;
    const mainCpuMs = (cpuMs(pid) - cpu0) / (perDevice * n);
    const processCpuMs = (cpuMs(pid, true) - all0) / (perDevice * n);
    const latencies = timeline.latencies;
    return {
      perSecond: (perDevice * n) / seconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      rssMb: peakRssMb(pid),
      mainCpuMs,
      processCpuMs,
      readings: perDevice * n,
    };
  } finally {
    await rig.stop();
  }
}
