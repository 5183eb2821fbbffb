// The state document read from outside while a real StateStore writes it: a compaction between the
// snapshot read and the journal read is noticed and the pair read again, a torn last line is left
// out as the gateway's reader leaves it out, damage further in is kept to what precedes it and said.

import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyState } from '../../../src/backup/state-copy.ts';
import { StateFile } from '../../../src/store/state-journal.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import { tempDir } from '../../support/gateway-process.ts';

const open: StateStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

async function storeWith(file: string, minCompactLength: number): Promise<{ store: StateStore; adapter: StateFile }> {
  const adapter = await StateFile.open(file, { minCompactLength });
  const store = await StateStore.open(file, { adapter });
  open.push(store);
  return { store, adapter };
}

function bind(store: StateStore, i: number): Promise<void> {
  return store.update((doc) => {
    doc.bindings[`b${i}`] = { patient: { mrn: `MRN${i}` }, createdAt: new Date(0).toISOString() };
  });
}

/** The bindings' numbers, which must be 0..n-1 with none missing: the copy is a state the store was in. */
function numbersOf(doc: Record<string, unknown> | null): number[] {
  const bindings = (doc?.bindings ?? {}) as Record<string, unknown>;
  return Object.keys(bindings)
    .map((k) => Number(k.slice(1)))
    .sort((a, b) => a - b);
}

const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe('copyState', () => {
  it('reads snapshot and journal again when a compaction came between them', async () => {
    const file = join(tempDir(), 'state.json');
    // Compacted whenever the journal outgrows twice the snapshot.
    const { store, adapter } = await storeWith(file, 0);
    let n = 0;
    for (; n < 20; n++) await bind(store, n);
    let compacted = false;
    const copy = await copyState(file, {
      afterSnapshot: async () => {
        if (compacted) return;
        compacted = true;
        // A compaction now, with more lines after it: the journal read next belongs to a newer snapshot.
        const before = adapter.compactions;
        while (adapter.compactions === before) await bind(store, n++);
        for (let i = 0; i < 3; i++) await bind(store, n++);
      },
    });
    expect(copy.retries).toBe(1);
    expect(numbersOf(copy.doc)).toEqual(upTo(n));
    expect(copy.notes).toEqual([]);
  });

  it('while a store writes and compacts without pause, every copy holds everything stored before it began, with no gap', async () => {
    const file = join(tempDir(), 'state.json');
    const { store, adapter } = await storeWith(file, 0);
    let durable = 0;
    let stop = false;
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        await bind(store, i);
        durable = i + 1;
      }
    })();
    const until = Date.now() + 1500;
    let copies = 0;
    let retried = 0;
    while (Date.now() < until) {
      const atStart = durable;
      // A pause between the two reads, for the writer to compact in (it does, some of the time).
      const copy = await copyState(file, { afterSnapshot: () => new Promise((r) => setTimeout(r, 2)) });
      retried += copy.retries;
      const got = numbersOf(copy.doc);
      expect(got).toEqual(upTo(got.length));
      expect(got.length).toBeGreaterThanOrEqual(atStart);
      copies++;
    }
    stop = true;
    await writer;
    expect(adapter.compactions).toBeGreaterThan(3);
    expect(copies).toBeGreaterThan(10);
    expect(retried).toBeGreaterThan(0);
  });

  it('leaves out a line cut short at the end, as the gateway does at start', async () => {
    const file = join(tempDir(), 'state.json');
    const { store } = await storeWith(file, 1 << 30);
    for (let i = 0; i < 5; i++) await bind(store, i);
    appendFileSync(`${file}.journal`, '0badc0de {"g":99,"root":{},"ops":[["bindings","b5"');
    const copy = await copyState(file);
    expect(numbersOf(copy.doc)).toEqual(upTo(5));
    expect(copy.notes).toEqual([]);
    expect(typeof copy.doc?.generation).toBe('number');
  });

  it('keeps what precedes damage inside the journal and says what is missing', async () => {
    const file = join(tempDir(), 'state.json');
    const { store } = await storeWith(file, 1 << 30);
    for (let i = 0; i < 6; i++) await bind(store, i);
    const journal = readFileSync(`${file}.journal`);
    const lines = journal.toString('latin1').split('\n');
    // The fourth line's checksum no longer matches: lines 4-6 (b3..b5) are after the damage.
    const at = lines.slice(0, 3).join('\n').length + 1 + 20;
    journal[at] = journal[at] === 0x41 ? 0x42 : 0x41;
    writeFileSync(`${file}.journal`, journal);
    const copy = await copyState(file);
    expect(numbersOf(copy.doc)).toEqual(upTo(3));
    expect(copy.notes).toEqual([expect.stringMatching(/journal is damaged at offset \d+: 2 later change\(s\) are not in the backup/)]);
  });

  it('gives null for a folder with no state yet, and refuses a snapshot that is not JSON', async () => {
    const dir = tempDir();
    expect((await copyState(join(dir, 'state.json'))).doc).toBeNull();
    writeFileSync(join(dir, 'state.json'), '{"version":2,"seq');
    await expect(copyState(join(dir, 'state.json'))).rejects.toThrow(/state\.json is damaged/);
  });
});
