import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { archiveAllComplete, archiveIfComplete } from '../../../src/outbox/archive.ts';
import { markDelivered, markSending } from '../../../src/outbox/outbox.ts';
import { History } from '../../../src/store/history.ts';
import type { StateStore } from '../../../src/store/state-store.ts';
import type { StateDoc } from '../../../src/store/types.ts';
import { ack, addReading, openTempStore, stateOnDisk } from './helpers.ts';

const NOW = new Date('2025-01-14T09:31:00.000Z');
const stores: StateStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

function deliverAll(doc: StateDoc, ids: string[]): void {
  for (const id of ids) {
    markSending(doc, id, NOW);
    markDelivered(doc, id, ack('AA', id), NOW);
  }
}

async function setup() {
  const t = await openTempStore();
  stores.push(t.store);
  return { ...t, history: new History(join(t.dir, 'history')), disk: (): StateDoc => stateOnDisk(t.file) };
}

describe('archive', () => {
  it('moves a fully delivered reading and its messages to the history, then out of the state file', async () => {
    const { store, history, disk } = await setup();
    await store.update((doc) => {
      deliverAll(doc, addReading(doc, 'r1', ['a', 'b']));
      addReading(doc, 'r2', ['a']);
    });
    expect(await archiveIfComplete(store, history, 'r2', NOW)).toBe(false);
    expect(await archiveIfComplete(store, history, 'r1', NOW)).toBe(true);
    expect(Object.keys(disk().readings)).toEqual(['r2']);
    expect(Object.keys(disk().messages)).toEqual(['r2-a']);
    const [rec] = await history.recent({ limit: 5 });
    expect(rec).toMatchObject({ at: NOW.toISOString(), reading: { status: 'delivered' } });
    expect(rec?.messages.map((m) => m.id)).toEqual(['r1-a', 'r1-b']);
  });

  it('keeps the reading in the state when the history cannot be written (no loss)', async () => {
    const { store, dir, disk } = await setup();
    writeFileSync(join(dir, 'not-a-dir'), '');
    const broken = new History(join(dir, 'not-a-dir', 'history'));
    await store.update((doc) => deliverAll(doc, addReading(doc, 'r1', ['a'])));
    await expect(archiveIfComplete(store, broken, 'r1', NOW)).rejects.toThrow();
    expect(disk().readings.r1?.status).toBe('delivered');
    expect(disk().messages['r1-a']?.state).toBe('delivered');
  });

  it('archives one reading once even when two callers race for it', async () => {
    const { store, history } = await setup();
    await store.update((doc) => deliverAll(doc, addReading(doc, 'r1', ['a', 'b'])));
    const results = await Promise.all([archiveIfComplete(store, history, 'r1', NOW), archiveIfComplete(store, history, 'r1', NOW)]);
    expect(results.sort()).toEqual([false, true]);
    expect(await history.recent({ limit: 5 })).toHaveLength(1);
  });

  it('sweeps every complete reading in one go', async () => {
    const { store, history, disk } = await setup();
    await store.update((doc) => {
      for (const r of ['r1', 'r2', 'r3']) deliverAll(doc, addReading(doc, r, ['a']));
      addReading(doc, 'r4', ['a']);
    });
    expect(await archiveAllComplete(store, history, NOW)).toBe(3);
    expect(Object.keys(disk().readings)).toEqual(['r4']);
    expect((await history.recent({ limit: 10 })).map((r) => r.reading.reading.id).sort()).toEqual(['r1', 'r2', 'r3']);
  });
});
