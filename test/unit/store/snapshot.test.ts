// The shallow snapshots of stored records (src/store/snapshot.ts) stay true only while every change
// to a stored reading or outbox message replaces a field, pushes to `holdReasons` or `messageIds`,
// and never edits a nested value (the reading, an ACK) in place. Each test takes a snapshot and a
// structuredClone at one moment, runs a real change path, and checks that the change reached the
// live record and not the snapshot: an operation that edits in place fails here.

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeviceConfigT, DestinationConfig } from '../../../src/config/schema.ts';
import type { DeviceReport } from '../../../src/model/driver.ts';
import { silentLogger } from '../../../src/model/logger.ts';
import type { PatientRef } from '../../../src/model/reading.ts';
import { archiveComplete } from '../../../src/outbox/archive.ts';
import { DeliveryWorker } from '../../../src/outbox/delivery-worker.ts';
import { enqueue, markDead, markDelivered, markRetry, markSending, resend, syncReadingStatus } from '../../../src/outbox/outbox.ts';
import { Intake, type IntakeDevice } from '../../../src/pipeline/intake.ts';
import { snapshotMessage, snapshotReading } from '../../../src/store/snapshot.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import { emptyState, type HistoryRecord, type HistorySink, type OutboxMessage, type StateDoc, type StoredReading } from '../../../src/store/types.ts';
import { ack, addReading, FakeSender, hl7For, openTempStore, until } from '../outbox/helpers.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const T = (s: number): Date => new Date(Date.UTC(2025, 0, 14, 9, 30, s));

interface Taken<T> {
  snap: T;
  clone: T;
}

/** A snapshot and a deep clone of the same record, at the same moment. */
function take<T>(snapshot: (record: T) => T, live: T | undefined): Taken<T> {
  if (live === undefined) throw new Error('no stored record to take');
  return { snap: snapshot(live), clone: structuredClone(live) };
}

/** A snapshot the code under test returned, with a deep clone of it taken at once. */
function keep<T>(returned: T): Taken<T> {
  return { snap: returned, clone: structuredClone(returned) };
}

function expectUnchanged<T>(taken: Taken<T>, liveNow: T | undefined): void {
  // Not vacuous: the change did reach the stored record.
  expect(liveNow).not.toStrictEqual(taken.clone);
  expect(taken.snap).toStrictEqual(taken.clone);
}

describe('outbox operations leave earlier snapshots as they were', () => {
  const ID = 'r1-ehr';
  const sendAndFail = (doc: StateDoc): void => {
    markSending(doc, ID, T(1));
    markRetry(doc, ID, 'AE: EHR busy', T(3), ack('AE', ID, { text: 'EHR busy' }), T(2));
    markSending(doc, ID, T(4));
  };
  const cases: Array<{ name: string; prepare?: (doc: StateDoc) => void; change: (doc: StateDoc) => void; changes: Array<'reading' | 'message'> }> = [
    {
      name: 'enqueue onto a reading that already has messageIds',
      change: (doc) => void enqueue(doc, { destinationId: 'uplink', readingId: 'r1', controlId: 'r1-uplink', body: hl7For('r1-uplink'), now: T(5) }),
      changes: ['reading'],
    },
    { name: 'markSending', change: (doc) => void markSending(doc, ID, T(5)), changes: ['message'] },
    {
      name: 'markRetry with an AE',
      prepare: (doc) => void markSending(doc, ID, T(1)),
      change: (doc) => void markRetry(doc, ID, 'AE: EHR busy', T(9), ack('AE', ID, { text: 'EHR busy' }), T(5)),
      changes: ['message'],
    },
    {
      name: 'markDelivered with an AA after an AE',
      prepare: sendAndFail,
      change: (doc) => void markDelivered(doc, ID, ack('AA', ID), T(5)),
      changes: ['message', 'reading'],
    },
    {
      name: 'markDelivered without an ACK after an AE',
      prepare: sendAndFail,
      change: (doc) => void markDelivered(doc, ID, undefined, T(5)),
      changes: ['message', 'reading'],
    },
    {
      name: 'markDead with an AR',
      prepare: (doc) => void markSending(doc, ID, T(1)),
      change: (doc) => void markDead(doc, ID, 'AR: unknown patient', ack('AR', ID, { text: 'unknown patient' }), T(5)),
      changes: ['message', 'reading'],
    },
    {
      name: 'resend of a dead message',
      prepare: (doc) => {
        markSending(doc, ID, T(1));
        markDead(doc, ID, 'AR: unknown patient', ack('AR', ID), T(2));
      },
      change: (doc) => void resend(doc, ID, T(5)),
      changes: ['message', 'reading'],
    },
    {
      name: 'syncReadingStatus',
      // The message record replaced whole, as the rule allows; the reading's status then follows it.
      prepare: (doc) => void (doc.messages[ID] = { ...doc.messages[ID]!, state: 'delivered' }),
      change: (doc) => syncReadingStatus(doc, 'r1', T(5)),
      changes: ['reading'],
    },
  ];

  it.each(cases)('$name', ({ prepare, change, changes }) => {
    const doc = emptyState();
    addReading(doc, 'r1', ['ehr'], T(0));
    prepare?.(doc);
    const reading = changes.includes('reading') ? take(snapshotReading, doc.readings.r1) : undefined;
    const message = changes.includes('message') ? take(snapshotMessage, doc.messages[ID]) : undefined;
    change(doc);
    if (reading) expectUnchanged(reading, doc.readings.r1);
    if (message) expectUnchanged(message, doc.messages[ID]);
  });
});

const ALICE: PatientRef = { mrn: 'MRN4711', family: 'Example', given: 'Alice' };
const EHR: DestinationConfig = { id: 'ehr', type: 'mllp', host: '127.0.0.1', port: 1 };
const TCP = { type: 'tcp', mode: 'listen', port: 1 } as const;

function device(config: Omit<DeviceConfigT, 'transport'>, kind: IntakeDevice['kind'], policy: IntakeDevice['policy']): IntakeDevice {
  return { config: { ...config, transport: TCP }, kind, policy };
}

const SCALE = device({ id: 'scale-1', driver: 'ad-scale' }, 'scale', { mode: 'hold', verify: false });
const MONITOR = device({ id: 'vitals-1', driver: 'mqtt-json' }, 'vitals', { mode: 'reported', verify: false });
// LOINC 1742-6, ALT [Enzymatic activity/volume] in Serum or Plasma: quantitative, and not in the
// gateway's own LOINC table, so only a scale stated in the code map lets the code check judge it.
const analyzer = (scale?: 'Qn'): IntakeDevice =>
  device({ id: 'astm-1', driver: 'astm-lis2', codeMap: { ALT: scale ? { loinc: '1742-6', scale } : { loinc: '1742-6' } } }, 'lab', {
    mode: 'reported',
    verify: false,
  });

const weighing = (kg: number, subject?: PatientRef): DeviceReport => ({
  measurements: [{ type: 'weight', value: kg, unit: 'kg' }],
  raw: `ST,GS,+${kg.toFixed(2).padStart(7, '0')}kg`,
  ...(subject ? { subject } : {}),
});
const ALT_TEXT: DeviceReport = { measurements: [{ code: { local: { system: 'L', code: 'ALT' } }, value: 'hemolyzed' }], raw: 'R|1|^^^ALT|hemolyzed|||||F' };

/** Records what append() received and a deep clone of it at hand-over; hold() keeps the append pending. */
class RecordingHistory implements HistorySink {
  readonly handed: Array<{ records: HistoryRecord[]; atHandOver: HistoryRecord[] }> = [];
  onAppend: (records: HistoryRecord[]) => void = () => undefined;
  private gate: Promise<void> | undefined;
  private open: (() => void) | undefined;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
  }

  async append(records: HistoryRecord[]): Promise<void> {
    this.handed.push({ records, atHandOver: structuredClone(records) });
    this.onAppend(records);
    await this.gate;
  }
}

async function openIntake(destinations: DestinationConfig[] = [EHR]) {
  const store = await StateStore.open(join(mkdtempSync(join(tmpdir(), 'medgate-snapshot-')), 'state.json'));
  cleanup.push(() => store.close());
  const history = new RecordingHistory();
  const config = { gateway: { application: 'MEDGATE' }, destinations };
  const intake = new Intake({ store, history, config, log: silentLogger, onQueued: () => undefined });
  for (const d of [SCALE, MONITOR, analyzer()]) intake.setDevice(d);
  const live = (id: string): StoredReading | undefined => store.data.readings[id];
  return { store, history, intake, config, live };
}

describe('intake: a snapshot it returned is not changed by what follows', () => {
  it('accept of a reading held for its patient, then assign; then delivery of what assign returned', async () => {
    const { store, intake, live } = await openIntake();
    const accepted = await intake.accept('scale-1', weighing(70.5));
    const id = accepted.reading.id;
    expect(accepted).toMatchObject({ status: 'held', holdReasons: [{ kind: 'patient', code: 'no-patient' }] });
    const fromAccept = keep(accepted);

    const assigned = await intake.assign(id, ALICE);
    expect(live(id)).toMatchObject({ status: 'queued', patient: ALICE, patientSource: 'assigned', holdReasons: [] });
    expect(live(id)?.messageIds).toHaveLength(1);
    expectUnchanged(fromAccept, live(id));

    const fromAssign = keep(assigned.stored);
    const messageId = live(id)!.messageIds![0]!;
    await store.update((doc) => {
      markSending(doc, messageId, T(10));
      markDelivered(doc, messageId, ack('AA', messageId), T(11));
    });
    expect(live(id)?.status).toBe('delivered');
    expectUnchanged(fromAssign, live(id));
    expectUnchanged(fromAccept, live(id));
  });

  it('release of a value hold with its patient', async () => {
    const { intake, live } = await openIntake();
    const accepted = await intake.accept('vitals-1', weighing(900, ALICE));
    const id = accepted.reading.id;
    expect(accepted).toMatchObject({ status: 'held', patient: ALICE, holdReasons: [{ kind: 'value', code: 'implausible' }] });
    const fromAccept = keep(accepted);

    await intake.release(id, { acceptImplausible: true });
    expect(live(id)).toMatchObject({ status: 'queued', holdReasons: [] });
    expectUnchanged(fromAccept, live(id));
  });

  it('release of a delivery hold once a destination exists', async () => {
    const { intake, config, live } = await openIntake([]);
    const accepted = await intake.accept('vitals-1', weighing(70.5, ALICE));
    const id = accepted.reading.id;
    expect(accepted).toMatchObject({ status: 'held', holdReasons: [{ kind: 'delivery', code: 'no-destination' }] });
    const fromAccept = keep(accepted);

    config.destinations.push(EHR);
    await intake.release(id);
    expect(live(id)).toMatchObject({ status: 'queued', holdReasons: [] });
    expectUnchanged(fromAccept, live(id));
  });

  it('the code re-check pushes a code hold; assign under the local code only replaces the reading', async () => {
    const { intake, live } = await openIntake();
    const accepted = await intake.accept('astm-1', ALT_TEXT);
    const id = accepted.reading.id;
    expect(accepted.holdReasons.map((r) => `${r.kind}/${r.code}`)).toEqual(['patient/no-patient']);
    expect(accepted.reading.observations[0]?.code.loinc).toBe('1742-6');
    const fromAccept = keep(accepted);

    // The code map now states the scale: the re-check before release finds the text result under a quantitative code.
    intake.setDevice(analyzer('Qn'));
    await expect(intake.assign(id, ALICE)).rejects.toMatchObject({ status: 409, message: expect.stringMatching(/acceptLocalCode/) });
    expect(live(id)?.holdReasons.map((r) => `${r.kind}/${r.code}`)).toEqual(['patient/no-patient', 'code/code-mismatch']);
    expectUnchanged(fromAccept, live(id));

    const beforeLocal = take(snapshotReading, live(id));
    await intake.assign(id, ALICE, { acceptLocalCode: true });
    expect(live(id)?.status).toBe('queued');
    expect(live(id)?.reading.observations[0]?.code).toEqual({ local: { system: 'L', code: 'ALT' } });
    expectUnchanged(beforeLocal, live(id));
    expectUnchanged(fromAccept, live(id));
  });

  it('discard: the accepted snapshot stays held; the history gets a copy, not the stored record', async () => {
    const { intake, history, live } = await openIntake();
    const accepted = await intake.accept('scale-1', weighing(70.5));
    const id = accepted.reading.id;
    const fromAccept = keep(accepted);
    let atHandOver: StoredReading | undefined;
    history.onAppend = () => (atHandOver = live(id));

    const discarded = await intake.discard(id, 'patient leaned on the scale', 'nurse.kim');
    expect(atHandOver).toMatchObject({ status: 'discarded', discard: { reason: 'patient leaned on the scale', by: 'nurse.kim' } });
    expectUnchanged(fromAccept, atHandOver);
    const [handed] = history.handed;
    expect(handed?.records[0]?.reading).not.toBe(atHandOver);
    expect(handed?.records).toStrictEqual(handed?.atHandOver);
    expect(discarded).toStrictEqual(handed?.atHandOver[0]?.reading);
  });
});

describe('archive: what the history writes later is what was handed over', () => {
  it('a change to the reading during the append does not reach the records handed to it', async () => {
    const { store } = await openTempStore();
    cleanup.push(() => store.close());
    await store.update((doc) => {
      addReading(doc, 'r1', ['ehr', 'uplink'], T(0));
      markSending(doc, 'r1-ehr', T(1));
      markDelivered(doc, 'r1-ehr', ack('AA', 'r1-ehr'), T(2));
      // An uplink's PUBACK is recorded without an ACK.
      markSending(doc, 'r1-uplink', T(1));
      markDelivered(doc, 'r1-uplink', undefined, T(3));
    });
    expect(store.data.readings.r1?.status).toBe('delivered');
    const history = new RecordingHistory();
    history.hold();

    const archiving = archiveComplete(store, history, ['r1'], T(4));
    expect(history.handed).toHaveLength(1);
    const { records, atHandOver } = history.handed[0]!;
    const liveReading = store.data.readings.r1;
    expect(records[0]?.reading).not.toBe(liveReading);
    expect(records[0]?.messages.map((m) => m.id)).toEqual(['r1-ehr', 'r1-uplink']);
    records[0]?.messages.forEach((m) => expect(m).not.toBe(store.data.messages[m.id]));

    // While the history commits: a new message for the reading, refused at once.
    await store.update((doc) => {
      enqueue(doc, { destinationId: 'ehr', readingId: 'r1', controlId: 'r1-late', body: hl7For('r1-late'), now: T(5) });
      markDead(doc, 'r1-late', 'AR: duplicate', ack('AR', 'r1-late'), T(6));
    });
    expect(store.data.readings.r1).toMatchObject({ status: 'dead', messageIds: ['r1-ehr', 'r1-uplink', 'r1-late'] });
    expect(records).toStrictEqual(atHandOver);

    history.release();
    // No longer complete: it stays in the state document.
    expect(await archiving).toEqual([]);
    expect(records).toStrictEqual(atHandOver);
  });
});

describe('delivery worker: onChange events keep the moment they describe', () => {
  it('sending, retry, sending, delivered: each event message as it was when emitted', async () => {
    const { store } = await openTempStore();
    cleanup.push(() => store.close());
    const sender = new FakeSender((id, attempt) => (attempt === 1 ? ack('AE', id, { text: 'EHR busy' }) : ack('AA', id)));
    const seen: Array<{ type: string; taken: Taken<OutboxMessage> }> = [];
    const worker = new DeliveryWorker({
      destinationId: 'ehr',
      sender,
      store,
      backoff: { initialMs: 5, maxMs: 20 },
      onChange: (e) => seen.push({ type: e.type, taken: keep(e.message) }),
    });
    cleanup.push(() => worker.stop());
    await store.update((doc) => void addReading(doc, 'r1', ['ehr'], T(0)));
    worker.start();
    await until(() => seen.some((e) => e.type === 'delivered'), 'delivered');

    expect(seen.map((e) => e.type)).toEqual(['sending', 'retry', 'sending', 'delivered']);
    const live = store.data.messages['r1-ehr'];
    expect(live?.state).toBe('delivered');
    for (const { taken } of seen) expect(taken.snap).not.toBe(live);
    for (const { taken } of seen.slice(0, -1)) expectUnchanged(taken, live);
    expect(seen.at(-1)?.taken.snap).toStrictEqual(seen.at(-1)?.taken.clone);
  });
});
