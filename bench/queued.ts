// What a queue costs the intake: accepting one reading (normalize, build the HL7, store it durably,
// tell the destination's worker) with 20,000 readings queued for a destination that is down, divided
// by the same with an empty queue. In process, on the real Intake, StateStore (fsync on) and
// DeliveryWorker with its MLLP client probing a port where nothing listens, in a temporary folder.
// The queued store is reopened after filling, as after a restart: its journal starts empty, so a
// compaction (which rewrites the snapshot once the journal outgrows it, i.e. every ~40,000
// readings at this size) does not fall inside the few hundred timed accepts.
// Run alone: node --import tsx -e "import('./bench/queued.ts').then((m) => m.runQueuedBench()).then((r) => console.log(JSON.stringify(r)))"

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ackOutcomes } from '../src/destinations/mllp/sender.ts';
import { MllpClient } from '../src/mllp/client.ts';
import type { DeviceReport } from '../src/model/driver.ts';
import { silentLogger } from '../src/model/logger.ts';
import { DeliveryWorker } from '../src/outbox/delivery-worker.ts';
import { liveMessages, liveReadings } from '../src/outbox/live-lists.ts';
import { Intake } from '../src/pipeline/intake.ts';
import { StateStore } from '../src/store/state-store.ts';
import { freePort } from '../test/support/free-port.ts';

export interface QueuedResult {
  queued_intake_ratio: number;
  /** Mean wall time of one accept, empty queue and 20,000 queued. */
  empty_accept_ms: number;
  queued_accept_ms: number;
  /** The page's newest 50 queued readings and newest 50 messages, with 20,000 queued: the slower of the two. */
  queued_list_ms: number;
}

const PATIENT = { mrn: 'MRN4711', family: 'Example', given: 'Alice' };

function weighing(i: number): DeviceReport {
  const kg = (50 + (i % 5000) / 100).toFixed(2);
  return { subject: PATIENT, measurements: [{ type: 'weight', value: Number(kg), unit: 'kg', valueText: kg }], raw: `ST,GS,+00${kg}kg` };
}

interface Side {
  intake: Intake;
  store: StateStore;
  close(): Promise<void>;
}

/** A store in `dir` with an intake and the worker of a destination that is down. */
async function openSide(dir: string, downPort: number): Promise<Side> {
  mkdirSync(dir, { recursive: true });
  const store = await StateStore.open(join(dir, 'state.json'));
  const worker = new DeliveryWorker({
    destinationId: 'ehr',
    sender: ackOutcomes(new MllpClient({ host: '127.0.0.1', port: downPort, connectTimeoutMs: 1000 })),
    store,
  });
  const intake = new Intake({
    store,
    history: { append: async () => undefined }, // nothing is delivered, so nothing is archived
    config: { gateway: { application: 'MEDGATE' }, destinations: [{ id: 'ehr', type: 'mllp', host: '127.0.0.1', port: downPort }] },
    log: silentLogger,
    onQueued: () => worker.kick(),
  });
  intake.setDevice({
    config: { id: 'scale-1', driver: 'ad-scale', transport: { type: 'serial', path: '/dev/null' } },
    policy: { mode: 'reported', verify: false },
    kind: 'scale',
  });
  worker.start();
  return {
    intake,
    store,
    close: async () => {
      await worker.stop();
      await store.close();
    },
  };
}

let n = 0;

/** Mean ms per accept, one at a time (each awaited, as a device waits for its acknowledgement). */
async function timeAccepts(side: Side, count: number): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await side.intake.accept('scale-1', weighing(n++));
  return (performance.now() - start) / count;
}

export async function runQueuedBench(opts: { queued?: number; rounds?: number; perRound?: number } = {}): Promise<QueuedResult> {
  const queued = opts.queued ?? 20_000;
  const rounds = opts.rounds ?? 5;
  const perRound = opts.perRound ?? 200;
  const root = mkdtempSync(join(tmpdir(), 'medgate-bench-queued-'));
  const downPort = await freePort();
  const sides: Side[] = [];
  try {
    // Warm-up (JIT), thrown away.
    const scratch = await openSide(join(root, 'scratch'), downPort);
    sides.push(scratch);
    await timeAccepts(scratch, 500);

    const full = await openSide(join(root, 'queued'), downPort);
    for (let done = 0; done < queued; done += 500) {
      await Promise.all(Array.from({ length: Math.min(500, queued - done) }, () => full.intake.accept('scale-1', weighing(n++))));
    }
    await full.close();
    const queuedSide = await openSide(join(root, 'queued'), downPort);
    sides.push(queuedSide);
    const inLine = Object.values(queuedSide.store.data.messages).filter((m) => m.state !== 'delivered').length;
    if (inLine < queued) throw new Error(`only ${inLine} messages queued`);
    const emptySide = await openSide(join(root, 'empty'), downPort);
    sides.push(emptySide);

    const lists = (): number => {
      let worst = 0;
      for (const list of [
        () => liveReadings(queuedSide.store.data, { status: 'queued', limit: 50 }),
        () => liveMessages(queuedSide.store.data, { limit: 50 }),
      ]) {
        const t0 = performance.now();
        if (list().length !== 50) throw new Error('the queued list is short');
        worst = Math.max(worst, performance.now() - t0);
      }
      return worst;
    };
    lists(); // warm-up
    const queuedList = lists();

    // Alternating rounds, so drift in the machine's load falls on both alike.
    let empty = 0;
    let full20k = 0;
    for (let r = 0; r < rounds; r++) {
      empty += await timeAccepts(emptySide, perRound);
      full20k += await timeAccepts(queuedSide, perRound);
    }
    empty /= rounds;
    full20k /= rounds;
    return {
      queued_intake_ratio: Number((full20k / empty).toFixed(3)),
      empty_accept_ms: Number(empty.toFixed(3)),
      queued_accept_ms: Number(full20k.toFixed(3)),
      queued_list_ms: Number(queuedList.toFixed(2)),
    };
  } finally {
    for (const s of sides) await s.close().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}
