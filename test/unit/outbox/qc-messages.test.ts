// QC messages in the outbox: in their destination's line like any message (order, retries, dead
// letters, resend), but with no reading: delivered, they leave the state document and nothing goes
// to the patient history. A folder written before QC messages existed (no `kind`) works as before.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DestinationConfig } from '../../../src/config/schema.ts';
import { DeliveryWorker } from '../../../src/outbox/delivery-worker.ts';
import { enqueueQc, markDelivered, markSending, Outbox } from '../../../src/outbox/outbox.ts';
import { forwardQc } from '../../../src/qc/qc-forward.ts';
import { History } from '../../../src/store/history.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import type { OutboxMessage, StateDoc } from '../../../src/store/types.ts';
import { liveMessageView } from '../../../src/web/reading-views.ts';
import { qcEntry } from '../../support/qc-entry.ts';
import { ack, addReading, FakeSender, hl7For, openTempStore, recordingLogger, sendError, stateOnDisk, tempDir, until } from './helpers.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

const NOW = new Date('2026-12-06T08:15:00.000Z');
const SUBJECT = { entries: ['QCE1', 'QCE2'], device: 'chem-1', tests: ['GLU', 'K'], lots: ['4711'] };

async function setup(file?: string, destination?: Pick<DestinationConfig, 'receives'>) {
  const opened = file ? { store: await StateStore.open(file), dir: join(file, '..'), file } : await openTempStore();
  const { store, dir } = opened;
  cleanup.push(() => store.close());
  const history = new History(join(dir, 'history'));
  const sender = new FakeSender();
  const events: Array<{ type: string; message: OutboxMessage }> = [];
  const worker = new DeliveryWorker({
    destinationId: 'lis',
    store,
    history,
    sender,
    destination,
    backoff: { initialMs: 5, maxMs: 20 },
    onChange: (e) => events.push(e),
  });
  cleanup.unshift(() => worker.stop());
  return { store, history, sender, worker, events, disk: (): StateDoc => stateOnDisk(opened.file) };
}

describe('QC messages in the outbox', () => {
  it('go out in line order with patient messages; delivered, they leave the state file and never reach the history', async () => {
    const { store, history, sender, worker, events, disk } = await setup();
    await store.update((doc) => {
      addReading(doc, 'r1', ['lis']);
      enqueueQc(doc, { destinationId: 'lis', controlId: 'QC1', body: hl7For('QC1'), qc: SUBJECT, now: NOW });
      addReading(doc, 'r2', ['lis']);
    });
    expect(store.data.messages.QC1).toMatchObject({ kind: 'qc', qc: SUBJECT, readingId: 'QCE1', state: 'queued' });
    worker.start();
    await until(() => Object.keys(store.data.messages).length === 0, 'everything delivered and gone');
    expect(sender.sent.map((s) => s.controlId)).toEqual(['r1-lis', 'QC1', 'r2-lis']);
    await store.flush();
    expect(disk().messages).toEqual({});
    expect(disk().readings).toEqual({});
    const h = await history.recent({ limit: 10 });
    expect(h.map((r) => r.reading.reading.id).sort()).toEqual(['r1', 'r2']);
    expect(h.flatMap((r) => r.messages.map((m) => m.id))).not.toContain('QC1');
    expect(events.find((e) => e.type === 'delivered' && e.message.id === 'QC1')?.message.kind).toBe('qc');
  });

  it('a refused QC message is a dead letter that a person can resend; its view names the device, never a patient', async () => {
    const { store, sender, worker } = await setup();
    sender.reply = (id, attempt) => ack(attempt === 1 ? 'AR' : 'AA', id, { text: 'unknown control lot' });
    await store.update((doc) => enqueueQc(doc, { destinationId: 'lis', controlId: 'QC1', body: hl7For('QC1'), qc: SUBJECT, now: NOW }));
    worker.start();
    await until(() => store.data.messages.QC1?.state === 'dead', 'dead letter');
    const view = liveMessageView(store.data, store.data.messages.QC1!);
    expect(view).toMatchObject({ kind: 'qc', deviceId: 'chem-1', qc: SUBJECT });
    expect(view).not.toHaveProperty('patient');
    await new Outbox(store, { onQueued: () => worker.kick() }).resend('QC1');
    await until(() => store.data.messages.QC1 === undefined, 'delivered on the resend and gone');
    expect(sender.sent.map((s) => s.controlId)).toEqual(['QC1', 'QC1']);
  });

  it('a QC message the receiver answers AE is a dead letter at once: the patient results behind it are delivered', async () => {
    const { store, sender, worker, disk } = await setup(undefined, { receives: ['patient', 'qc'] });
    // An engine that validates ORU^R01 against a profile requiring PID refuses every QC message.
    sender.reply = (id) => ack(id.startsWith('QC') ? 'AE' : 'AA', id, { text: 'PID required' });
    await store.update((doc) => {
      enqueueQc(doc, { destinationId: 'lis', controlId: 'QC1', body: hl7For('QC1'), qc: SUBJECT, now: NOW });
      addReading(doc, 'r1', ['lis']);
      addReading(doc, 'r2', ['lis']);
    });
    worker.start();
    await until(() => store.data.readings.r1 === undefined && store.data.readings.r2 === undefined, 'patient results delivered and archived');
    expect(sender.sent.map((s) => s.controlId)).toEqual(['QC1', 'r1-lis', 'r2-lis']);
    expect(store.data.messages.QC1).toMatchObject({ state: 'dead', attempts: 1, ack: { code: 'AE' } });
    await store.flush();
    expect(disk().messages.QC1?.state).toBe('dead');
  });

  it('a QC message whose connection fails is retried as any message', async () => {
    const { store, sender, worker } = await setup(undefined, { receives: ['qc'] });
    sender.reply = (id, attempt) => (attempt === 1 ? sendError('connect') : ack('AA', id));
    await store.update((doc) => enqueueQc(doc, { destinationId: 'lis', controlId: 'QC1', body: hl7For('QC1'), qc: SUBJECT, now: NOW }));
    worker.start();
    await until(() => store.data.messages.QC1 === undefined, 'delivered on the second try and gone');
    expect(sender.sent.map((s) => s.controlId)).toEqual(['QC1', 'QC1']);
  });

  it.each([
    { receives: ['patient'] as const, unsent: 'QC1', kind: 'QC' },
    { receives: ['qc'] as const, unsent: 'r1-lis', kind: 'patient' },
  ])('a message queued before the destination stopped receiving its kind ($kind) is a dead letter, never sent', async ({ receives, unsent, kind }) => {
    const { store, sender, worker, events } = await setup(undefined, { receives: [...receives] });
    await store.update((doc) => {
      enqueueQc(doc, { destinationId: 'lis', controlId: 'QC1', body: hl7For('QC1'), qc: SUBJECT, now: NOW });
      addReading(doc, 'r1', ['lis']);
    });
    worker.start();
    await until(() => events.some((e) => e.type === 'dead'), 'refused');
    await until(() => sender.sent.length === 1, 'the other one sent');
    expect(sender.sent.map((s) => s.controlId)).not.toContain(unsent);
    expect(store.data.messages[unsent]).toMatchObject({ attempts: 0, lastError: `not sent: the destination no longer receives ${kind} results` });
    expect(events.filter((e) => e.type === 'dead').map((e) => e.message.id)).toEqual([unsent]);
    if (kind === 'patient') expect(store.data.readings.r1?.status).toBe('dead');
  });

  it('one delivered before a crash but not yet removed leaves at the next start', async () => {
    const dir = tempDir();
    const file = join(dir, 'state.json');
    const first = await StateStore.open(file);
    await first.update((doc) => {
      enqueueQc(doc, { destinationId: 'lis', controlId: 'QC1', body: hl7For('QC1'), qc: SUBJECT, now: NOW });
      markSending(doc, 'QC1', NOW);
      markDelivered(doc, 'QC1', ack('AA', 'QC1'), NOW);
    });
    await first.close();
    const { store, sender, worker, disk } = await setup(file);
    worker.start();
    await until(() => Object.keys(store.data.messages).length === 0, 'removed');
    await store.flush();
    expect(disk().messages).toEqual({});
    expect(sender.sent).toEqual([]);
  });

  it('starts on a state file of the previous version (messages without kind): patient messages go out and are archived as before', async () => {
    const dir = tempDir();
    const file = join(dir, 'state.json');
    const at = '2026-12-01T10:00:00.000Z';
    // As the previous version wrote it: no `kind`, no `qc` on messages.
    const old = {
      version: 2,
      seq: 1,
      bindings: {},
      readings: {
        r1: {
          reading: { id: 'r1', deviceId: 'scale-1', kind: 'scale', observedAt: at, receivedAt: at, observations: [], raw: 'ST,GS,+0070.50kg' },
          status: 'queued',
          holdReasons: [],
          patient: { mrn: 'MRN4711' },
          messageIds: ['r1-lis'],
          updatedAt: at,
        },
      },
      messages: {
        'r1-lis': {
          id: 'r1-lis',
          destinationId: 'lis',
          readingId: 'r1',
          seq: 1,
          controlId: 'r1-lis',
          body: hl7For('r1-lis'),
          state: 'queued',
          attempts: 0,
          createdAt: at,
        },
      },
    };
    writeFileSync(file, JSON.stringify(old));
    const { store, history, sender, worker } = await setup(file);
    expect(liveMessageView(store.data, store.data.messages['r1-lis']!)).toMatchObject({ deviceId: 'scale-1', patient: { mrn: 'MRN4711' } });
    worker.start();
    await until(() => Object.keys(store.data.readings).length === 0, 'archived');
    expect(sender.sent.map((s) => s.controlId)).toEqual(['r1-lis']);
    const [rec] = await history.recent({ limit: 5 });
    expect(rec?.messages.map((m) => [m.id, m.state, m.kind])).toEqual([['r1-lis', 'delivered', undefined]]);
  });
});

describe('forwardQc', () => {
  const ehr: DestinationConfig = { id: 'ehr', type: 'mllp', host: '127.0.0.1', port: 1 };
  const lis: DestinationConfig = { id: 'lis', type: 'mllp', host: '127.0.0.1', port: 2, receives: ['qc'] };
  const fhir: DestinationConfig = { id: 'cloud', type: 'mqtt', url: 'mqtt://127.0.0.1:1', topic: 'c/{kind}', format: 'fhir', receives: ['patient', 'qc'] };
  const json: DestinationConfig = { id: 'feed', type: 'mqtt', url: 'mqtt://127.0.0.1:1', topic: 'c/{kind}/{deviceId}', receives: ['qc'] };

  it('queues one message per destination that receives QC, durably, and none to the others', async () => {
    const { store, disk } = await setup();
    const log = recordingLogger();
    const kicked: string[] = [];
    const entries = [qcEntry(), qcEntry({ id: 'QCE0000000000002', test: 'K', testName: 'Potassium', loinc: '2823-3', value: 4.1 })];
    const to = await forwardQc(entries, {
      store,
      config: { gateway: { application: 'MEDGATE' }, destinations: [ehr, lis, fhir, json] },
      onQueued: (id) => kicked.push(id),
      log,
      now: NOW,
    });
    expect(to).toEqual(['lis', 'feed']);
    expect(kicked).toEqual(['lis', 'feed']);
    const onDisk = Object.values(disk().messages);
    expect(onDisk.map((m) => [m.destinationId, m.kind, m.qc])).toEqual([
      ['lis', 'qc', { entries: ['QCE0000000000001', 'QCE0000000000002'], device: 'chem-1', tests: ['GLU', 'K'], lots: ['4711'] }],
      ['feed', 'qc', { entries: ['QCE0000000000001', 'QCE0000000000002'], device: 'chem-1', tests: ['GLU', 'K'], lots: ['4711'] }],
    ]);
    const hl7 = onDisk[0]!.body;
    expect(hl7.split('\r').map((s) => s.slice(0, 3))).toEqual(['MSH', 'OBR', 'NTE', 'OBX', 'NTE', 'SPM', 'OBR', 'NTE', 'OBX', 'NTE', 'SPM', '']);
    expect(hl7.split('\r')[0]?.split('|')[9]).toBe(onDisk[0]!.controlId);
    expect(JSON.parse(onDisk[1]!.body)).toMatchObject({ schema: 'medgate.qc/1', kind: 'qc', messageId: onDisk[1]!.controlId });
    // The FHIR uplink is told about once, by codes: never a value.
    const warned = log.above('warn');
    expect(warned.map((l) => [l.msg, l.fields.destination])).toEqual([['QC results not sent to this destination', 'cloud']]);
    expect(JSON.stringify(warned)).not.toContain('5.62');

    // The next control runs: the same destination is not warned about again; after an edit of it, once more.
    const again = (destinations: DestinationConfig[]) =>
      forwardQc([qcEntry({ id: 'QCE0000000000003' })], { store, config: { destinations }, onQueued: () => undefined, log, now: NOW });
    await again([fhir]);
    await again([fhir]);
    expect(log.above('warn')).toHaveLength(1);
    await again([{ ...fhir }]);
    expect(log.above('warn').map((l) => l.fields.destination)).toEqual(['cloud', 'cloud']);
  });

  it('queues nothing when no destination receives QC', async () => {
    const { store } = await setup();
    const to = await forwardQc([qcEntry()], { store, config: { destinations: [ehr] }, onQueued: () => undefined, log: recordingLogger(), now: NOW });
    expect(to).toEqual([]);
    expect(store.data.messages).toEqual({});
  });
});
