// Recovery after an EHR outage: with the receiver down, 300 readings are accepted and queued (one
// serial scale on a pty pair, the gateway process with the destination's retry left at the product
// default); then the receiver starts on the destination's port. outage_recovery_ms: from the receiver
// accepting connections to the gateway taking the ACK of the last of the 300. It is at most the
// probe interval the outage had reached (capped by retry.maxMs) plus sending the queue.
// Run alone: node --import tsx -e "import('./bench/outage.ts').then((m) => m.runOutageBench()).then((r) => console.log(JSON.stringify(r)))"

import { freePort } from '../test/support/free-port.ts';
import { startReceiver, startRig, Timeline, type Receiver } from './delivery-rig.ts';

export interface OutageResult {
  outage_recovery_ms: number;
  /** How long the receiver was away, from the first reading queued to it listening. */
  outage_ms: number;
}

export interface OutageOptions {
  readings?: number;
  /** Keep the receiver away at least this long after the first reading (default: only while queueing). */
  downMs?: number;
}

export async function runOutageBench(opts: OutageOptions = {}): Promise<OutageResult> {
  const readings = opts.readings ?? 300;
  const port = await freePort();
  const rig = await startRig(port, ['scale'], 'product');
  let receiver: Receiver | undefined;
  try {
    const timeline = new Timeline();
    const scale = rig.devices[0]!;
    const start = Date.now();
    for (let i = 0; i < readings; i++) {
      timeline.sent(scale.id, Date.now());
      await scale.end.write(scale.line(i));
      // A little pacing: a scale's serial line, not a burst the pty would merge.
      if (i % 20 === 19) await new Promise((r) => setTimeout(r, 5));
    }
    // Queued: the destination's line, from the API (the log says nothing per reading until it is delivered).
    const start0 = Date.now();
    for (;;) {
      const res = await rig.gw.api<{ destinations: Array<{ id: string; worker: { queued: number } }> }>('GET', '/api/destinations');
      if ((res.body.destinations[0]?.worker.queued ?? 0) >= readings) break;
      if (Date.now() - start0 > 60_000) throw new Error(`bench stalled waiting for ${readings} readings queued`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const more = start + (opts.downMs ?? 0) - Date.now();
    if (more > 0) await new Promise((r) => setTimeout(r, more));
    timeline.scan(rig.gw.logs);
    if (timeline.delivered > 0) throw new Error('delivered while the receiver was down');
    receiver = await startReceiver(port);
    const back = receiver.listeningAt;
    await timeline.until(rig.gw, () => timeline.delivered >= readings, 120_000, `${readings} ACKs after the receiver came back`);
    return { outage_recovery_ms: timeline.lastDeliveredAt - back, outage_ms: back - start };
  } finally {
    await rig.stop();
    await receiver?.stop();
  }
}
