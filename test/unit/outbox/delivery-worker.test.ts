import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Ack } from '../../../src/hl7/ack-types.ts';
import { DeliveryWorker, type DeliveryWorkerOptions } from '../../../src/outbox/delivery-worker.ts';
import { Outbox } from '../../../src/outbox/outbox.ts';
import { History } from '../../../src/store/history.ts';
import { StateFile } from '../../../src/store/state-journal.ts';
import { StateStore, type StoreAdapter } from '../../../src/store/state-store.ts';
import type { HistoryRecord, OutboxMessage, StateDoc } from '../../../src/store/types.ts';
import { ack, addReading, FakeSender, FaultyStateFile, openTempStore, recordingLogger, sendError, stateOnDisk, tempDir, until } from './helpers.ts';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function setup(opts: Partial<DeliveryWorkerOptions> & { destinationId?: string } = {}) {
  const { store, dir, file } = await openTempStore();
  cleanup.push(() => store.close());
  const history = new History(join(dir, 'history'));
  const sender = (opts.sender as FakeSender | undefined) ?? new FakeSender();
  const events: Array<{ type: string; message: OutboxMessage }> = [];
  const worker = new DeliveryWorker({
    destinationId: 'ehr',
    store,
    history,
    backoff: { initialMs: 5, maxMs: 20 },
    onChange: (e) => events.push(e),
    ...opts,
    sender,
  });
  cleanup.unshift(() => worker.stop());
  const disk = (): StateDoc => stateOnDisk(file);
  return { store, history, sender, worker, events, disk, file, dir };
}

describe('DeliveryWorker', () => {
  it('delivers a destination in order, durably, and moves delivered readings to the history', async () => {
    const { store, history, sender, worker, events, disk } = await setup();
    await store.update((doc) => {
      for (let i = 1; i <= 5; i++) addReading(doc, `r${i}`, ['ehr']);
    });
    worker.start();
    await until(() => Object.keys(store.data.readings).length === 0, 'all archived');
    expect(sender.sent.map((s) => s.controlId)).toEqual(['r1-ehr', 'r2-ehr', 'r3-ehr', 'r4-ehr', 'r5-ehr']);
    await store.flush();
    expect(disk().messages).toEqual({});
    expect(disk().readings).toEqual({});
    const h = await history.recent({ limit: 10 });
    expect(h.map((r) => r.reading.reading.id).sort()).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(h[0]?.reading.status).toBe('delivered');
    expect(h[0]?.messages[0]?.ack?.code).toBe('AA');
    expect(events.filter((e) => e.type === 'delivered')).toHaveLength(5);
    await until(() => worker.status.state === 'idle', 'idle');
    expect(worker.status).toMatchObject({ state: 'idle', queued: 0, delivered: 5, dead: 0 });
  });

  it('wakes up for new work on kick()', async () => {
    const { store, sender, worker } = await setup();
    worker.start();
    await until(() => worker.status.state === 'idle', 'idle');
    const outbox = new Outbox(store, { onQueued: () => worker.kick() });
    await outbox.enqueue({ destinationId: 'ehr', readingId: 'r1', controlId: 'MG1', body: 'MSH|1' });
    await until(() => sender.sent.length === 1, 'sent');
    expect(sender.sent[0]).toEqual({ body: 'MSH|1', controlId: 'MG1' });
  });

  const outcomes: Array<[string, (id: string) => Ack | Error, OutboxMessage['state'], RegExp]> = [
    ['AA', (id) => ack('AA', id), 'delivered', /^$/],
    ['CA', (id) => ack('CA', id), 'delivered', /^$/],
    ['AE', (id) => ack('AE', id, { text: 'OBX-5 bad' }), 'retry_wait', /^AE OBX-5 bad$/],
    ['CE', (id) => ack('CE', id), 'retry_wait', /^CE/],
    ['AR', (id) => ack('AR', id, { text: 'Unknown patient', errorCode: '204' }), 'dead', /^AR Unknown patient \(error 204\)$/],
    ['CR', (id) => ack('CR', id, { text: 'unsupported version' }), 'dead', /^CR unsupported version$/],
    ['connect rejection', () => sendError('connect', 'ECONNREFUSED 127.0.0.1:2575'), 'retry_wait', /^connect: ECONNREFUSED/],
    ['closed rejection', () => sendError('closed'), 'retry_wait', /^closed: /],
    ['timeout rejection', () => sendError('timeout'), 'retry_wait', /^timeout: /],
    ['protocol rejection', () => sendError('protocol'), 'retry_wait', /^protocol: /],
  ];
  for (const [name, reply, state, error] of outcomes) {
    it(`records ${name} as ${state}, durably`, async () => {
      const sender = new FakeSender(reply);
      // A long backoff so a retry does not happen during the test; no history so the message stays visible.
      const { store, worker, disk } = await setup({ sender, backoff: { initialMs: 60_000, maxMs: 60_000 }, history: undefined });
      await store.update((doc) => void addReading(doc, 'r1', ['ehr']));
      worker.start();
      await until(() => store.data.messages['r1-ehr']?.state === state, state);
      await until(() => worker.status.state !== 'sending', 'transition recorded');
      // A delivered mark reaches the disk with the next write rather than before the next send.
      await until(() => disk().messages['r1-ehr']?.state === state, `${state} on disk`);
      const m = disk().messages['r1-ehr'];
      expect(m?.state).toBe(state);
      expect(m?.lastError ?? '').toMatch(error);
      expect(worker.status.lastError ?? '').toMatch(error);
      expect(m?.attempts).toBe(1);
      if (state === 'dead') {
        expect(m?.ack?.text).toBeTruthy();
        expect(disk().readings.r1?.status).toBe('dead');
        expect(worker.status.dead).toBe(1);
      }
      if (state === 'retry_wait') {
        expect(worker.status.state).toBe('waiting');
        expect(worker.status.nextAttemptAt).toBe(m?.nextAttemptAt);
      }
      if (state === 'delivered') expect(disk().readings.r1?.status).toBe('delivered');
    });
  }

  it('retries the head with the same bytes and control ID, holding the line behind it, with capped backoff', async () => {
    const sender = new FakeSender((id, attempt) => (id === 'r1-ehr' && attempt <= 4 ? sendError('timeout') : ack('AA', id)));
    // The time the worker decided each retry: the last now() before the retry event.
    let decidedAt = new Date();
    const delays: number[] = [];
    const { store, worker } = await setup({
      sender,
      backoff: { initialMs: 2, maxMs: 8 },
      now: () => (decidedAt = new Date()),
      onChange: (e) => {
        if (e.type === 'retry') delays.push(Date.parse(e.message.nextAttemptAt!) - decidedAt.getTime());
        if (e.type === 'retry') attempts.push(e.message.attempts);
      },
    });
    const attempts: number[] = [];
    let hl7 = '';
    await store.update((doc) => {
      addReading(doc, 'r1', ['ehr']);
      addReading(doc, 'r2', ['ehr']);
      hl7 = doc.messages['r1-ehr']!.body;
    });
    worker.start();
    await until(() => sender.sent.length === 6, 'six sends');
    expect(sender.sent.map((s) => s.controlId)).toEqual(['r1-ehr', 'r1-ehr', 'r1-ehr', 'r1-ehr', 'r1-ehr', 'r2-ehr']);
    expect(sender.sent.slice(0, 5).every((s) => s.body === hl7)).toBe(true);
    expect(attempts).toEqual([1, 2, 3, 4]);
    expect(delays).toHaveLength(4);
    for (const d of delays) {
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThanOrEqual(8);
    }
    // 2, 4, 8, 8 minus at most 10% jitter: the cap is reached and holds.
    expect(delays[2]).toBeGreaterThanOrEqual(7);
    expect(delays[3]).toBeGreaterThanOrEqual(7);
  });

  it('never lets kick() skip the backoff of the head', async () => {
    const sender = new FakeSender((id) => (id === 'r1-ehr' ? sendError('connect') : ack('AA', id)));
    const { store, worker } = await setup({ sender, backoff: { initialMs: 60_000, maxMs: 60_000 } });
    await store.update((doc) => void addReading(doc, 'r1', ['ehr']));
    worker.start();
    await until(() => worker.status.state === 'waiting', 'waiting');
    const waitUntil = worker.status.nextAttemptAt;
    await store.update((doc) => void addReading(doc, 'r2', ['ehr']));
    for (let i = 0; i < 5; i++) {
      worker.kick();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(sender.sent.map((s) => s.controlId)).toEqual(['r1-ehr']);
    expect(worker.status).toMatchObject({ state: 'waiting', nextAttemptAt: waitUntil, queued: 2 });
  });

  it('does not let a stuck destination hold up another', async () => {
    const { store, dir } = await openTempStore();
    cleanup.push(() => store.close());
    const history = new History(join(dir, 'history'));
    const down = new FakeSender(() => sendError('connect'));
    const up = new FakeSender();
    const a = new DeliveryWorker({ destinationId: 'a', sender: down, store, history, backoff: { initialMs: 1, maxMs: 3 } });
    const b = new DeliveryWorker({ destinationId: 'b', sender: up, store, history });
    cleanup.unshift(
      () => a.stop(),
      () => b.stop(),
    );
    await store.update((doc) => {
      for (let i = 1; i <= 5; i++) addReading(doc, `r${i}`, ['a', 'b']);
    });
    a.start();
    b.start();
    await until(() => b.status.delivered === 5 && down.sent.length >= 3, 'b delivered while a keeps failing');
    expect(new Set(down.sent.map((s) => s.controlId))).toEqual(new Set(['r1-a']));
    expect(b.status).toMatchObject({ queued: 0, delivered: 5 });
    expect(a.status.queued).toBe(5);
    // Readings wait in the state document until every destination has them.
    expect(Object.values(store.data.readings).map((r) => r.status)).toEqual(Array(5).fill('queued'));
  });

  it('resends a dead message after a fix: same bytes and control ID, then archives the reading', async () => {
    let fixed = false;
    const sender = new FakeSender((id) => (fixed ? ack('AA', id) : ack('AR', id, { text: 'Unknown patient' })));
    const { store, history, worker } = await setup({ sender });
    await store.update((doc) => void addReading(doc, 'r1', ['ehr']));
    worker.start();
    await until(() => store.data.messages['r1-ehr']?.state === 'dead', 'dead');
    fixed = true;
    await new Outbox(store, { onQueued: () => worker.kick() }).resend('r1-ehr');
    await until(() => store.data.readings.r1 === undefined, 'archived');
    expect(sender.sent).toHaveLength(2);
    expect(sender.sent[1]).toEqual(sender.sent[0]);
    const [rec] = await history.recent({ limit: 1 });
    expect(rec?.messages[0]).toMatchObject({ controlId: 'r1-ehr', state: 'delivered', attempts: 1 });
  });

  it('archives a reading when its last destination delivers it, with all its messages', async () => {
    const { store, dir } = await openTempStore();
    cleanup.push(() => store.close());
    const history = new History(join(dir, 'history'));
    let releaseB!: () => void;
    const gateB = new Promise<void>((r) => (releaseB = r));
    const a = new DeliveryWorker({ destinationId: 'a', sender: new FakeSender(), store, history });
    const b = new DeliveryWorker({ destinationId: 'b', sender: new FakeSender((id) => gateB.then(() => ack('CA', id))), store, history });
    cleanup.unshift(
      () => a.stop(),
      () => b.stop(),
    );
    await store.update((doc) => void addReading(doc, 'r1', ['a', 'b']));
    a.start();
    b.start();
    await until(() => store.data.messages['r1-a']?.state === 'delivered', 'a delivered');
    await until(() => a.status.state === 'idle', 'a idle');
    expect(store.data.readings.r1?.status).toBe('queued');
    expect(await history.recent({ limit: 5 })).toEqual([]);
    releaseB();
    await until(() => store.data.readings.r1 === undefined, 'archived');
    const recs = await history.recent({ limit: 5 });
    expect(recs).toHaveLength(1);
    expect(recs[0]?.messages.map((m) => [m.destinationId, m.ack?.code])).toEqual([
      ['a', 'AA'],
      ['b', 'CA'],
    ]);
    expect(store.data.messages).toEqual({});
  });

  it('archives on start what was delivered before a crash but never reached the history', async () => {
    const { store, history, worker } = await setup();
    await store.update((doc) => {
      const [id] = addReading(doc, 'r1', ['ehr']);
      const m = doc.messages[id!]!;
      Object.assign(m, { state: 'delivered', attempts: 1, deliveredAt: new Date().toISOString() });
      doc.readings.r1!.status = 'delivered';
    });
    worker.start();
    await until(() => store.data.readings.r1 === undefined, 'archived');
    expect(await history.recent({ limit: 5 })).toHaveLength(1);
  });

  it('keeps delivering when the history cannot be written; delivered readings wait in the state file', async () => {
    const { store, dir } = await openTempStore();
    cleanup.push(() => store.close());
    writeFileSync(join(dir, 'blocker'), '');
    const history = new History(join(dir, 'blocker', 'history'));
    const sender = new FakeSender();
    const worker = new DeliveryWorker({ destinationId: 'ehr', sender, store, history, backoff: { initialMs: 5, maxMs: 5 } });
    cleanup.unshift(() => worker.stop());
    await store.update((doc) => {
      for (let i = 1; i <= 3; i++) addReading(doc, `r${i}`, ['ehr']);
    });
    worker.start();
    await until(() => worker.status.delivered === 3, 'delivered');
    expect(Object.values(store.data.readings).map((r) => r.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('stop() waits for the send in flight, records its result and closes the sender', async () => {
    let answer!: (a: Ack) => void;
    const sender = new FakeSender(() => new Promise<Ack>((r) => (answer = r)));
    const { store, worker, disk } = await setup({ sender, history: undefined });
    await store.update((doc) => void addReading(doc, 'r1', ['ehr']));
    worker.start();
    await sender.sends(1);
    expect(store.data.messages['r1-ehr']?.state).toBe('sending');
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    expect(sender.closed).toBe(false);
    answer(ack('AA', 'r1-ehr'));
    await stopping;
    expect(disk().messages['r1-ehr']?.state).toBe('delivered');
    expect(sender.closed).toBe(true);
    expect(worker.status.state).toBe('stopped');
    expect(sender.sent).toHaveLength(1);
  });

  it('survives state write failures: says so once and once when they work again, and still delivers every message once durable', async () => {
    const dir = tempDir();
    const file = join(dir, 'state.json');
    const inner = await StateFile.open(file);
    let failures = 0;
    const adapter: StoreAdapter = {
      read: () => inner.read(),
      write: async (data) => {
        if (failures > 0) {
          failures--;
          throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
        }
        return inner.write(data);
      },
      close: () => inner.close(),
    };
    const log = recordingLogger();
    const store = await StateStore.open(file, { adapter, log, retryMs: 5 });
    cleanup.push(() => store.close());
    const sender = new FakeSender();
    const worker = new DeliveryWorker({ destinationId: 'ehr', sender, store, log, backoff: { initialMs: 2, maxMs: 5 } });
    cleanup.unshift(() => worker.stop());
    await store.update((doc) => {
      addReading(doc, 'r1', ['ehr']);
      addReading(doc, 'r2', ['ehr']);
    });
    failures = 3; // the mark-sending write, the flush retry, and one more
    worker.start();
    await until(() => Object.values(store.data.messages).every((m) => m.state === 'delivered'), 'delivered');
    // The worker itself gets the failed writes onto the disk; nobody else flushes for it.
    const onDisk = () => stateOnDisk(file);
    await until(() => Object.values(onDisk().messages).every((m) => m.state === 'delivered'), 'delivered on disk');
    expect(Object.values(onDisk().messages).map((m) => m.state)).toEqual(['delivered', 'delivered']);
    expect(sender.sent.map((s) => s.controlId)).toEqual(['r1-ehr', 'r2-ehr']);
    // Three failed writes: one line when they start failing, one when they work again; no stacks.
    // (The file may show the write a moment before the store hears it completed and says so.)
    await until(() => log.above('warn').length >= 2, 'the recovery logged');
    expect(log.above('warn').map((l) => [l.level, l.msg])).toEqual([
      ['error', expect.stringMatching(/^writes are failing/)],
      ['warn', 'writes work again'],
    ]);
    expect(log.above('warn')[0]?.fields).toMatchObject({ err: 'EIO: i/o error' });
    expect(log.above('warn')[1]?.fields).toMatchObject({ failedWrites: 3 });
  });
});

describe('DeliveryWorker and the delivered mark', () => {
  it('moves a delivered reading to the history only once its delivered mark is on disk', async () => {
    const file = join(tempDir(), 'state.json');
    const adapter = await FaultyStateFile.open(file);
    const store = await StateStore.open(file, { adapter, retryMs: 10 });
    cleanup.push(() => store.close());
    const archived: HistoryRecord[] = [];
    const history = { append: async (records: HistoryRecord[]) => void archived.push(...records) };
    let answer!: (a: Ack) => void;
    const sender = new FakeSender(() => new Promise<Ack>((r) => (answer = r)));
    const worker = new DeliveryWorker({ destinationId: 'ehr', sender, store, history, backoff: { initialMs: 5, maxMs: 5 } });
    cleanup.unshift(() => worker.stop());
    await store.update((doc) => void addReading(doc, 'r1', ['ehr']));
    worker.start();
    await sender.sends(1);
    await store.flush(); // the sending mark
    // The EHR says AA while the disk holds (and then refuses) the write carrying the delivered mark.
    adapter.hold();
    adapter.failNext = 1;
    answer(ack('AA', 'r1-ehr'));
    await until(() => store.data.messages['r1-ehr']?.state === 'delivered', 'delivered in memory');
    await until(() => worker.status.state === 'idle', 'the line empty');
    await new Promise((r) => setTimeout(r, 30));
    expect(archived).toEqual([]);
    expect(stateOnDisk(file).messages['r1-ehr']?.state).toBe('sending');
    adapter.release();
    await until(() => store.data.readings.r1 === undefined, 'archived once the mark is on disk');
    expect(archived.map((r) => r.messages[0]?.state)).toEqual(['delivered']);
    // The removal is in memory at once and on disk once its write completes.
    await until(() => Object.keys(stateOnDisk(file).readings).length === 0, 'the removal on disk');
  });
});

describe('DeliveryWorker with a store that refuses writes', () => {
  it('backs off instead of spinning when the store is closed under it', async () => {
    const { store, worker, sender } = await setup({ backoff: { initialMs: 50, maxMs: 50 } });
    await store.update((doc) => void addReading(doc, 'r1', ['ehr']));
    await store.close(); // every update is refused from now on
    worker.start();
    // Timers must still fire (no microtask spin), and nothing may be sent without its mark.
    await new Promise((r) => setTimeout(r, 300));
    expect(sender.sent).toHaveLength(0);
    expect(worker.status.state).toBe('waiting');
    await worker.stop();
  });
});
