// The durable duplicate memory on the storage engine: what it recalls, for how long, pruning in
// batches, and what a restart (the engine reopened on the same folder) keeps.

import { afterEach, describe, expect, it } from 'vitest';
import { openEngine, type StorageEngine } from '../../../src/store/engine.ts';
import { RecentStore, storedKey } from '../../../src/store/recent-store.ts';
import { tempDir } from '../../support/gateway-process.ts';

const HOUR = 3600_000;
const open: Array<{ store: RecentStore; engine: StorageEngine }> = [];

afterEach(async () => {
  for (const { store, engine } of open.splice(0)) {
    await store.close();
    await engine.close();
  }
});

function clock(iso: string): { now: () => Date; advance(ms: number): void } {
  let t = Date.parse(iso);
  return { now: () => new Date(t), advance: (ms) => void (t += ms) };
}

function start(dir: string, now: () => Date, opts: { windowHours?: number; pruneBatch?: number } = {}): { store: RecentStore; engine: StorageEngine } {
  const engine = openEngine(dir);
  const store = new RecentStore(engine, { now, pruneEveryMs: 0, ...opts });
  const handle = { store, engine };
  open.push(handle);
  return handle;
}

async function stop(handle: { store: RecentStore; engine: StorageEngine }): Promise<void> {
  open.splice(open.indexOf(handle), 1);
  await handle.store.close();
  await handle.engine.close();
}

describe('RecentStore', () => {
  it('recalls a remembered key per device, with when it was first stored and the reading it became', async () => {
    const c = clock('2026-03-01T10:00:00Z');
    const { store } = start(tempDir(), c.now);
    expect(store.recall('an-1', 'MSG1')).toBeUndefined();
    await store.remember('an-1', 'MSG1', 'R1');
    expect(store.recall('an-1', 'MSG1')).toEqual({ at: '2026-03-01T10:00:00.000Z', readingId: 'R1' });
    // Another device's key space is its own.
    expect(store.recall('an-2', 'MSG1')).toBeUndefined();
  });

  it('keeps the first copy when a key is remembered again', async () => {
    const c = clock('2026-03-01T10:00:00Z');
    const { store } = start(tempDir(), c.now);
    await store.remember('an-1', 'MSG1', 'R1');
    c.advance(60_000);
    await store.remember('an-1', 'MSG1', 'R2');
    expect(store.recall('an-1', 'MSG1')).toEqual({ at: '2026-03-01T10:00:00.000Z', readingId: 'R1' });
  });

  it('forgets a key once the window has passed, before and after pruning', async () => {
    const c = clock('2026-03-01T10:00:00Z');
    const { store } = start(tempDir(), c.now, { windowHours: 72 });
    await store.remember('an-1', 'MSG1', 'R1');
    c.advance(72 * HOUR - 1);
    expect(store.recall('an-1', 'MSG1')?.readingId).toBe('R1');
    expect(await store.prune()).toBe(0);
    c.advance(1);
    expect(store.recall('an-1', 'MSG1')).toBeUndefined();
    expect(await store.prune()).toBe(1);
    // Remembered again after it expired: a new first copy, which pruning of the old one left alone.
    await store.remember('an-1', 'MSG1', 'R9');
    expect(store.recall('an-1', 'MSG1')?.readingId).toBe('R9');
  });

  it('prunes only what is older than the window, in batches, and keeps the rest', async () => {
    const c = clock('2026-03-01T10:00:00Z');
    const { store } = start(tempDir(), c.now, { windowHours: 1, pruneBatch: 7 });
    for (let i = 0; i < 30; i++) await store.remember('scale', `old-${i}`, `R${i}`);
    c.advance(30 * 60_000);
    for (let i = 0; i < 5; i++) await store.remember('scale', `new-${i}`, `N${i}`);
    c.advance(30 * 60_000 + 1);
    expect(await store.prune()).toBe(30);
    expect(store.recall('scale', 'old-3')).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(store.recall('scale', `new-${i}`)?.readingId).toBe(`N${i}`);
    expect(await store.prune()).toBe(0);
  });

  it('an expired key remembered again is pruned by its new time, not its old one', async () => {
    const c = clock('2026-03-01T10:00:00Z');
    const { store } = start(tempDir(), c.now, { windowHours: 1 });
    await store.remember('an-1', 'K', 'R1');
    c.advance(HOUR + 1);
    await store.remember('an-1', 'K', 'R2');
    expect(await store.prune()).toBe(0);
    expect(store.recall('an-1', 'K')?.readingId).toBe('R2');
  });

  it('survives a restart: the engine reopened on the same folder recalls what was remembered', async () => {
    const dir = tempDir();
    const c = clock('2026-03-01T10:00:00Z');
    const first = start(dir, c.now);
    await first.store.remember('cart', 'doc-1', 'R1');
    await stop(first);
    c.advance(HOUR);
    const second = start(dir, c.now);
    expect(second.store.recall('cart', 'doc-1')).toEqual({ at: '2026-03-01T10:00:00.000Z', readingId: 'R1' });
    expect(second.store.recall('cart', 'doc-2')).toBeUndefined();
  });

  it('takes keys of any length and content', async () => {
    const c = clock('2026-03-01T10:00:00Z');
    const { store } = start(tempDir(), c.now);
    const long = 'x'.repeat(5000);
    const nul = 'a\u0000b';
    await store.remember('d', long, 'R1');
    await store.remember('d', nul, 'R2');
    expect(store.recall('d', long)?.readingId).toBe('R1');
    expect(store.recall('d', 'x'.repeat(4999))).toBeUndefined();
    expect(store.recall('d', nul)?.readingId).toBe('R2');
    expect(storedKey(long)).toMatch(/^sha256:/);
    expect(storedKey('MSG1')).toBe('MSG1');
  });
});
