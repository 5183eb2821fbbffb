import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore, type StoreAdapter } from '../../../src/store/state-store.ts';
import { emptyState, type OutboxMessage, type StateDoc } from '../../../src/store/types.ts';
import { FaultyStateFile as TestAdapter, stateOnDisk } from '../outbox/helpers.ts';

const stores: StateStore[] = [];

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'medgate-state-')), 'state.json');
}

function onDisk(file: string): StateDoc {
  return stateOnDisk(file);
}

async function openStore(file: string, adapter?: StoreAdapter): Promise<StateStore> {
  const s = await StateStore.open(file, adapter ? { adapter } : {});
  stores.push(s);
  return s;
}

function message(id: string, state: OutboxMessage['state'], seq: number): OutboxMessage {
  return { id, destinationId: 'ehr', readingId: 'r1', seq, controlId: id, body: 'MSH|...', state, attempts: 1, createdAt: '2025-01-01T00:00:00.000Z' };
}

afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
});

describe('StateStore', () => {
  it('creates the file with an empty state when missing', async () => {
    const file = tempFile();
    const s = await openStore(file);
    expect(s.data).toEqual(emptyState());
    expect(onDisk(file)).toEqual(emptyState());
  });

  it('resolves an update only once its change is on disk, and round-trips through close/open', async () => {
    const file = tempFile();
    const s = await openStore(file);
    const result = await s.update((doc) => {
      doc.seq = 7;
      return 'done';
    });
    expect(result).toBe('done');
    expect(onDisk(file).seq).toBe(7);
    await s.close();
    const again = await openStore(file);
    expect(again.data.seq).toBe(7);
  });

  it('applies a change in memory at once', async () => {
    const s = await openStore(tempFile());
    const p = s.update((doc) => void (doc.seq = 3));
    expect(s.data.seq).toBe(3);
    await p;
  });

  it('coalesces 100 updates made in one tick into one write', async () => {
    const file = tempFile();
    const adapter = await TestAdapter.open(file);
    const s = await openStore(file, adapter);
    const before = adapter.writes;
    const all = Array.from({ length: 100 }, (_, i) =>
      s.update((doc) => {
        doc.bindings[`d${i}`] = { patient: { mrn: String(i) }, createdAt: 'x' };
        return i;
      }),
    );
    expect(await Promise.all(all)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(adapter.writes - before).toBe(1);
    expect(Object.keys(onDisk(file).bindings)).toHaveLength(100);
  });

  it('batches everything that arrives during a write into exactly one following write, and resolves each after its own write', async () => {
    const file = tempFile();
    const adapter = await TestAdapter.open(file);
    const s = await openStore(file, adapter);
    const before = adapter.writes;
    adapter.hold();
    const started = adapter.writeStarted();
    const first = s.update((doc) => void (doc.seq = 1));
    await started;
    let laterResolved = 0;
    const later = Array.from({ length: 50 }, (_, i) =>
      s.update((doc) => void (doc.bindings[`d${i}`] = { patient: { mrn: 'm' }, createdAt: 'x' })).then(() => laterResolved++),
    );
    const secondStarted = adapter.writeStarted();
    adapter.release();
    await first;
    expect(onDisk(file).seq).toBe(1);
    // The first write did not contain the later changes, so their promises are still pending.
    expect(laterResolved).toBe(0);
    await secondStarted;
    await Promise.all(later);
    expect(adapter.writes - before).toBe(2);
    expect(Object.keys(onDisk(file).bindings)).toHaveLength(50);
  });

  it('rejects every promise of a failed write, stays usable, and the next update writes all changes', async () => {
    const file = tempFile();
    const adapter = await TestAdapter.open(file);
    const s = await openStore(file, adapter);
    adapter.failNext = 1;
    const a = s.update((doc) => void (doc.bindings.a = { patient: { mrn: '1' }, createdAt: 'x' }));
    const b = s.update((doc) => void (doc.bindings.b = { patient: { mrn: '2' }, createdAt: 'x' }));
    await expect(a).rejects.toThrow(/ENOSPC/);
    await expect(b).rejects.toThrow(/ENOSPC/);
    expect(onDisk(file).bindings).toEqual({});
    await s.update((doc) => void (doc.seq = 5));
    const disk = onDisk(file);
    expect(Object.keys(disk.bindings).sort()).toEqual(['a', 'b']);
    expect(disk.seq).toBe(5);
  });

  it('flush() retries a failed write and rejects while the disk still fails', async () => {
    const file = tempFile();
    const adapter = await TestAdapter.open(file);
    const s = await openStore(file, adapter);
    adapter.failNext = 2;
    await expect(s.update((doc) => void (doc.seq = 9))).rejects.toThrow(/ENOSPC/);
    await expect(s.flush()).rejects.toThrow(/ENOSPC/);
    await s.flush();
    expect(onDisk(file).seq).toBe(9);
  });

  it('rejects when the mutation throws, and keeps working', async () => {
    const s = await openStore(tempFile());
    await expect(
      s.update(() => {
        throw new Error('bad input');
      }),
    ).rejects.toThrow('bad input');
    await s.update((doc) => void (doc.seq = 1));
  });

  it('puts messages that were being sent back in the line on open, durably', async () => {
    const file = tempFile();
    const doc = emptyState();
    doc.seq = 2;
    doc.messages.m1 = message('m1', 'sending', 1);
    doc.messages.m2 = { ...message('m2', 'retry_wait', 2), nextAttemptAt: '2025-01-01T00:00:10.000Z' };
    writeFileSync(file, JSON.stringify(doc));
    const s = await openStore(file);
    expect(s.data.messages.m1?.state).toBe('queued');
    expect(s.data.messages.m2?.state).toBe('retry_wait');
    expect(onDisk(file).messages.m1?.state).toBe('queued');
    expect(onDisk(file).messages.m1?.body).toBe('MSH|...');
  });

  it('refuses a second store on the same file', async () => {
    const file = tempFile();
    await openStore(file);
    await expect(StateStore.open(file)).rejects.toThrow(/in use by another medgate process/);
  });

  it('starts on a corrupt file, keeping it aside; refuses a newer version; releases the lock either way', async () => {
    const file = tempFile();
    writeFileSync(file, '{"version":1,"seq":0,"bindings":{},"readings":{},"messages":{');
    const started = await StateStore.open(file);
    expect(started.data.readings).toEqual({});
    await started.close();
    expect(readdirSync(dirname(file)).some((f) => f.startsWith('state.json.damaged-'))).toBe(true);
    writeFileSync(file, JSON.stringify({ version: 3 }));
    await expect(StateStore.open(file)).rejects.toThrow(/unsupported state version 3/);
    writeFileSync(file, JSON.stringify(emptyState()));
    await openStore(file);
  });

  it('rejects updates after close', async () => {
    const s = await StateStore.open(tempFile());
    await s.close();
    await expect(s.update((doc) => void (doc.seq = 1))).rejects.toThrow(/closed/);
  });
});

describe('StateStore.update contract', () => {
  it('refuses an async mutation: what it changes after an await would be neither journaled nor awaited', async () => {
    const s = await StateStore.open(join(mkdtempSync(join(tmpdir(), 'medgate-state-')), 'state.json'));
    try {
      await expect(s.update(async (doc) => void (doc.seq = 5))).rejects.toThrow(/must be synchronous/);
    } finally {
      await s.close();
    }
  });
});
