// What the EHR gets when the disk misbehaves, with the real intake, store, worker and MLLP client
// and the EHR stand-in as its own process; faults injected in the state file under the store.
// - A reading goes out only once the write that stored it is on disk: held, it waits; failed (the
//   device is told "not stored" and sends it again), nothing of it ever reaches the EHR.
// - A full disk: nothing is acknowledged, the log says so once and once when it is over, and what is
//   accepted afterwards goes out, without a restart.

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MllpClient } from '../../../src/mllp/client.ts';
import type { DeviceReport } from '../../../src/model/driver.ts';
import type { DestinationSender, OutgoingMessage, SendOutcome } from '../../../src/destinations/adapter.ts';
import { ackOutcomes } from '../../../src/destinations/mllp/sender.ts';
import { DeliveryWorker } from '../../../src/outbox/delivery-worker.ts';
import { Intake } from '../../../src/pipeline/intake.ts';
import { History } from '../../../src/store/history.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import type { StoredReading } from '../../../src/store/types.ts';
import { startEhrStandin, type EhrStandin } from '../../support/ehr-standin-client.ts';
import { FaultyStateFile, recordingLogger, tempDir, until } from './helpers.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f().catch(() => undefined);
});

const ALICE = { mrn: 'MRN4711', family: 'Example', given: 'Alice' };

function weighing(kg: string): DeviceReport {
  return { subject: ALICE, measurements: [{ type: 'weight', value: Number(kg), unit: 'kg', valueText: kg }], raw: `ST,GS,+00${kg}kg` };
}

/** The real MLLP client, with the send of chosen control IDs held until the test lets it go. */
class GatedSender implements DestinationSender {
  readonly sent: string[] = [];
  private readonly gates = new Map<string, { open: Promise<void>; release: () => void }>();
  private readonly mllp: DestinationSender;
  constructor(client: MllpClient) {
    this.mllp = ackOutcomes(client);
  }
  holdNext(): () => void {
    let release!: () => void;
    const open = new Promise<void>((r) => (release = r));
    this.gates.set('next', { open, release });
    return release;
  }
  async send(message: OutgoingMessage): Promise<SendOutcome> {
    const gate = this.gates.get('next');
    if (gate) {
      this.gates.delete('next');
      await gate.open;
    }
    this.sent.push(message.controlId);
    return this.mllp.send(message);
  }
  close(): Promise<void> {
    return this.mllp.close();
  }
}

async function rig(): Promise<{
  ehr: EhrStandin;
  store: StateStore;
  file: FaultyStateFile;
  intake: Intake;
  worker: DeliveryWorker;
  sender: GatedSender;
  log: ReturnType<typeof recordingLogger>;
}> {
  const ehr = await startEhrStandin();
  cleanup.push(() => ehr.stop());
  const dir = tempDir();
  const path = join(dir, 'state.json');
  const file = await FaultyStateFile.open(path);
  const log = recordingLogger();
  const store = await StateStore.open(path, { adapter: file, log, retryMs: 20 });
  cleanup.push(() => store.close());
  const sender = new GatedSender(new MllpClient({ host: '127.0.0.1', port: ehr.port, ackTimeoutMs: 5000, connectTimeoutMs: 2000 }));
  const worker = new DeliveryWorker({ destinationId: 'ehr', sender, store, log, backoff: { initialMs: 20, maxMs: 100 } });
  cleanup.push(() => worker.stop());
  const intake = new Intake({
    store,
    history: new History(join(dir, 'history')),
    config: { gateway: { application: 'MEDGATE' }, destinations: [{ id: 'ehr', type: 'mllp', host: '127.0.0.1', port: ehr.port }] },
    log,
    onQueued: () => worker.kick(),
  });
  intake.setDevice({
    config: { id: 'scale-1', driver: 'ad-scale', transport: { type: 'serial', path: '/dev/null' } },
    policy: { mode: 'reported', verify: false },
    kind: 'scale',
  });
  worker.start();
  return { ehr, store, file, intake, worker, sender, log };
}

function controlIdOf(store: StateStore, readingId: string): string {
  const id = store.data.readings[readingId]?.messageIds?.[0];
  if (!id) throw new Error(`no message for ${readingId}`);
  return id;
}

/**
 * A is on its way (held in the sender), then B is accepted while its write is held at the disk, then
 * A's ACK comes back: the worker, free again, finds B at the head of the line in memory.
 */
async function bInMemoryOnly(r: Awaited<ReturnType<typeof rig>>): Promise<{ a: StoredReading; b: Promise<StoredReading>; bControlId: string }> {
  const releaseA = r.sender.holdNext();
  const a = await r.intake.accept('scale-1', weighing('60.01'));
  await until(() => r.worker.status.state === 'sending', 'A on its way');
  r.file.hold();
  const started = r.file.writeStarted();
  const b = r.intake.accept('scale-1', weighing('60.02'));
  b.catch(() => undefined);
  await started;
  const readingB = Object.values(r.store.data.readings).find((x) => x.reading.observations[0]?.value === 60.02);
  const bControlId = controlIdOf(r.store, readingB!.reading.id);
  releaseA();
  await r.ehr.waitFor(1);
  // The worker either waits for B's write (right) or sends B at once (the race).
  await until(() => r.worker.status.state === 'waiting' || r.sender.sent.includes(bControlId), 'the worker to look at B');
  return { a, b, bControlId };
}

describe('a reading is sent only once it is durable', () => {
  it('waits while the write that stores it is held, and sends it once that write is on disk', async () => {
    const r = await rig();
    const { a, b, bControlId } = await bInMemoryOnly(r);
    await new Promise((res) => setTimeout(res, 50));
    expect(r.sender.sent).toEqual([controlIdOf(r.store, a.reading.id)]);
    expect(r.worker.status.state).toBe('waiting');
    r.file.release();
    await b;
    const got = await r.ehr.waitFor(2);
    expect(got.map((m) => m.controlId)).toEqual([controlIdOf(r.store, a.reading.id), bControlId]);
  });

  it('never sends a reading whose write failed (the device was told it was not stored), and goes on with the next', async () => {
    const r = await rig();
    const { a, b, bControlId } = await bInMemoryOnly(r);
    const aControlId = controlIdOf(r.store, a.reading.id);
    r.file.failNext = 1;
    r.file.release();
    await expect(b).rejects.toThrow(/ENOSPC/);
    expect(Object.values(r.store.data.messages).some((m) => m.id === bControlId)).toBe(false);
    const c = await r.intake.accept('scale-1', weighing('60.03'));
    const cControlId = controlIdOf(r.store, c.reading.id);
    const got = await r.ehr.waitFor(2);
    // Whatever was sent after B reached the EHR after it: with C there, B can no longer come.
    expect(got.map((m) => m.controlId)).toEqual([aControlId, cControlId]);
    expect(r.sender.sent).toEqual([aControlId, cControlId]);
  });
});

describe('a full disk', () => {
  it('refuses to acknowledge, logs once, recovers by itself, and what is accepted afterwards goes out', async () => {
    const r = await rig();
    const a = await r.intake.accept('scale-1', weighing('61.01'));
    await r.ehr.waitFor(1);
    await until(() => r.worker.status.state === 'idle', 'idle after A');

    r.file.failAll = true;
    for (const kg of ['61.02', '61.03', '61.04']) await expect(r.intake.accept('scale-1', weighing(kg))).rejects.toThrow(/ENOSPC/);
    // The store keeps trying on its own meanwhile.
    const failedSoFar = r.file.writes;
    await until(() => r.file.writes >= failedSoFar + 3, 'retries while the disk is full');
    expect(r.store.writesFailing).toBe(true);

    r.file.failAll = false;
    await until(() => !r.store.writesFailing, 'writes work again (no restart)');
    const e = await r.intake.accept('scale-1', weighing('61.05'));
    const got = await r.ehr.waitFor(2);
    expect(got.map((m) => m.controlId)).toEqual([controlIdOf(r.store, a.reading.id), controlIdOf(r.store, e.reading.id)]);
    expect(Object.values(r.store.data.readings).map((x) => x.reading.observations[0]?.value)).toEqual([61.01, 61.05]);

    // One line when writing starts failing, one when it works again; no stack traces.
    const loud = r.log.above('warn');
    expect(loud.map((l) => [l.level, l.msg])).toEqual([
      ['error', expect.stringMatching(/^writes are failing/)],
      ['warn', 'writes work again'],
    ]);
    expect(loud[0]?.fields).toMatchObject({ err: 'ENOSPC: no space left on device, write' });
    // The failure as one line of text at every level, never the Error itself (whose stack says nothing here).
    expect(r.log.lines.filter((l) => 'err' in l.fields).every((l) => typeof l.fields.err === 'string')).toBe(true);
  });
});
