// The state document as a snapshot plus a journal of changes: a write costs (and needs room for)
// what changed; a crash at any point reads back what was acknowledged; a torn or damaged journal
// never stops the start; a state.json written by the previous version opens as it is.

import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { enqueue } from '../../../src/outbox/outbox.ts';
import { StateFile } from '../../../src/store/state-journal.ts';
import { StateStore } from '../../../src/store/state-store.ts';
import { emptyState, type StateDoc } from '../../../src/store/types.ts';
import { addReading, FaultyStateFile, recordingLogger, stateOnDisk } from '../outbox/helpers.ts';

const open: Array<StateStore> = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => undefined);
});

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'medgate-journal-')), 'state.json');
}

async function openStore(file: string, opts: Parameters<typeof StateStore.open>[1] = {}): Promise<StateStore> {
  const s = await StateStore.open(file, opts);
  open.push(s);
  return s;
}

const size = (f: string): number => (existsSync(f) ? statSync(f).size : 0);

/** What a kill -9 leaves: the files as they are now (the page cache survives a killed process). */
function crashCopy(file: string): string {
  const copy = tempFile();
  copyFileSync(file, copy);
  if (existsSync(`${file}.journal`)) copyFileSync(`${file}.journal`, `${copy}.journal`);
  return copy;
}

const binding = (mrn: string) => ({ patient: { mrn }, createdAt: '2025-01-14T09:30:00.000Z' });

describe('state journal', () => {
  it('writes what changed, not the document: one binding costs the same with 3,000 readings queued', async () => {
    const file = tempFile();
    const s = await openStore(file);
    await s.update((doc) => {
      for (let i = 0; i < 3000; i++) addReading(doc, `r${i}`, ['ehr']);
    });
    await s.close();
    const big = await openStore(file);
    const snapshotBytes = size(file);
    expect(snapshotBytes).toBeGreaterThan(1_000_000);
    const before = size(`${file}.journal`);
    await big.update((doc) => void (doc.bindings['scale-1'] = binding('MRN1')));
    const oneBinding = size(`${file}.journal`) - before;
    expect(oneBinding).toBeLessThan(300);
    expect(size(file)).toBe(snapshotBytes); // the snapshot is not rewritten
    // Marking one message of the 3,000: that message only.
    const b2 = size(`${file}.journal`);
    await big.update((doc) => void (doc.messages['r1500-ehr']!.attempts = 3));
    expect(size(`${file}.journal`) - b2).toBeLessThan(1000);
    expect(stateOnDisk(file).messages['r1500-ehr']?.attempts).toBe(3);
  });

  it('reads back every acknowledged change after a crash, deletions included', async () => {
    const file = tempFile();
    const s = await openStore(file);
    await s.update((doc) => {
      addReading(doc, 'r1', ['ehr']);
      addReading(doc, 'r2', ['ehr']);
      doc.bindings.d1 = binding('MRN1');
    });
    await s.update((doc) => {
      delete doc.messages['r1-ehr'];
      delete doc.readings.r1;
      doc.messages['r2-ehr']!.state = 'retry_wait';
      doc.bindings = { d2: binding('MRN2') }; // a collection replaced whole
    });
    const again = await openStore(crashCopy(file));
    expect(Object.keys(again.data.readings)).toEqual(['r2']);
    expect(Object.keys(again.data.messages)).toEqual(['r2-ehr']);
    expect(again.data.messages['r2-ehr']?.state).toBe('retry_wait');
    expect(Object.keys(again.data.bindings)).toEqual(['d2']);
    expect(again.data.seq).toBe(s.data.seq);
  });

  it('skips and counts a last line cut short, and goes on appending after the last good one', async () => {
    const file = tempFile();
    const s = await openStore(file);
    await s.update((doc) => void (doc.bindings.a = binding('A')));
    await s.update((doc) => void (doc.bindings.b = binding('B')));
    const copy = crashCopy(file);
    const good = size(`${copy}.journal`);
    appendFileSync(`${copy}.journal`, '1a2b3c4d {"g":99,"root":{"seq":0},"ops":[["bindings","c",{"pat');
    const log = recordingLogger();
    const again = await openStore(copy, { log });
    expect(Object.keys(again.data.bindings).sort()).toEqual(['a', 'b']);
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([expect.stringMatching(/cut short/)]);
    expect(size(`${copy}.journal`)).toBe(good);
    await again.update((doc) => void (doc.bindings.d = binding('D')));
    expect(Object.keys((await openStore(crashCopy(copy))).data.bindings).sort()).toEqual(['a', 'b', 'd']);
  });

  it('starts on a damaged journal: keeps what comes before the damage, moves the rest aside, says so loudly', async () => {
    const file = tempFile();
    const s = await openStore(file);
    for (const k of ['a', 'b', 'c', 'd']) await s.update((doc) => void (doc.bindings[k] = binding(k)));
    const copy = crashCopy(file);
    const lines = readFileSync(`${copy}.journal`, 'utf8').split('\n');
    expect(lines).toHaveLength(5); // four lines and the empty rest
    lines[1] = lines[1]!.replace('"b"', '"x"'); // its checksum no longer matches
    writeFileSync(`${copy}.journal`, lines.join('\n'));
    const log = recordingLogger();
    const again = await openStore(copy, { log });
    expect(Object.keys(again.data.bindings)).toEqual(['a']);
    const errors = log.lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]?.fields).toMatchObject({ linesLost: 2 });
    const aside = String(errors[0]?.fields.movedTo);
    expect(readFileSync(aside, 'utf8').split('\n').filter(Boolean)).toHaveLength(3);
    // Writing goes on from the last good line.
    await again.update((doc) => void (doc.bindings.e = binding('E')));
    expect(Object.keys((await openStore(crashCopy(copy))).data.bindings).sort()).toEqual(['a', 'e']);
  });

  it('starts on a damaged snapshot: moves it aside, keeps what the journal holds, says so loudly', async () => {
    const file = tempFile();
    const s = await openStore(file);
    for (const k of ['a', 'b']) await s.update((doc) => void (doc.bindings[k] = binding(k)));
    const copy = tempFile();
    copyFileSync(`${file}.journal`, `${copy}.journal`);
    writeFileSync(copy, '{"version": 2, "readings": {'); // a disk that lied about the snapshot
    const log = recordingLogger();
    const again = await openStore(copy, { log });
    expect(Object.keys(again.data.bindings).sort()).toEqual(['a', 'b']);
    const errors = log.lines.filter((l) => l.level === 'error');
    expect(errors.map((e) => e.msg)).toContain('the state snapshot is damaged: moved aside; starting from its journal (restore it from a backup)');
    const aside = String(errors.find((e) => e.fields.movedTo)?.fields.movedTo);
    expect(readFileSync(aside, 'utf8')).toBe('{"version": 2, "readings": {');
    // Writing goes on, and the next start reads it back.
    await again.update((doc) => void (doc.bindings.c = binding('c')));
    const next = tempFile();
    copyFileSync(`${copy}.journal`, `${next}.journal`);
    if (existsSync(copy)) copyFileSync(copy, next);
    expect(Object.keys((await openStore(next)).data.bindings).sort()).toEqual(['a', 'b', 'c']);
  });

  it('compacts into a new snapshot; lines the snapshot already holds are skipped if emptying the journal never happened', async () => {
    const file = tempFile();
    const adapter = await StateFile.open(file, { minCompactLength: 1 << 20 });
    const s = await openStore(file, { adapter });
    const journalBefore: Buffer[] = [];
    // Over 1 MiB of journal with a small snapshot: compaction.
    for (let i = 0; adapter.compactions < 2; i++) {
      if (existsSync(`${file}.journal`)) journalBefore[0] = readFileSync(`${file}.journal`);
      await s.update((doc) => void (doc.bindings[`d${i % 50}`] = { patient: { mrn: `M${i}`, family: 'x'.repeat(2000) }, createdAt: '' }));
    }
    expect(size(`${file}.journal`)).toBe(0);
    expect(stateOnDisk(file)).toEqual(JSON.parse(JSON.stringify(s.data)));
    // The journal as it was just before the compaction, back in place (a crash before it was emptied).
    const copy = crashCopy(file);
    writeFileSync(`${copy}.journal`, journalBefore[0]!);
    expect((await openStore(copy)).data).toEqual(s.data);
  });

  it('goes on appending when compacting fails for want of room for a second copy', async () => {
    const file = tempFile();
    const log = recordingLogger();
    const adapter = await StateFile.open(file, { log, minCompactLength: 1 << 20 });
    const s = await openStore(file, { adapter, log });
    const compactions = adapter.compactions; // the first snapshot, at open
    mkdirSync(`${file}.tmp`); // the snapshot's temp file cannot be written
    for (let i = 0; size(`${file}.journal`) < 1.2 * 2 ** 20; i++) {
      await s.update((doc) => void (doc.bindings[`d${i % 50}`] = { patient: { mrn: `M${i}`, family: 'x'.repeat(2000) }, createdAt: '' }));
    }
    expect(adapter.compactions).toBe(compactions);
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([expect.stringMatching(/^compacting the state journal failed/)]);
    expect(stateOnDisk(file)).toEqual(JSON.parse(JSON.stringify(s.data)));
    rmdirSync(`${file}.tmp`);
    await s.close(); // compacts
    expect(size(`${file}.journal`)).toBe(0);
    expect((await openStore(file)).data.bindings.d1).toBeDefined();
  });

  it("leaves a message's body out of the lines after the one that wrote it; replay puts it back", async () => {
    const file = tempFile();
    const s = await openStore(file);
    await s.update((doc) => {
      addReading(doc, 'r1', ['ehr']);
      doc.messages['r1-ehr']!.body += `OBX|2|ST|x||${'y'.repeat(6000)}\r`;
    });
    const body = s.data.messages['r1-ehr']!.body;
    const before = size(`${file}.journal`);
    await s.update((doc) => void (doc.messages['r1-ehr']!.state = 'sending'));
    await s.update((doc) => void (doc.messages['r1-ehr']!.state = 'delivered'));
    expect(size(`${file}.journal`) - before).toBeLessThan(1500); // two marks, not two copies of 6 kB
    const again = await openStore(crashCopy(file));
    expect(again.data.messages['r1-ehr']).toEqual(s.data.messages['r1-ehr']);
    expect(again.data.messages['r1-ehr']?.body).toBe(body);
    expect(again.data.readings.r1).toEqual(s.data.readings.r1);
  });

  it('drops a record whose left-out field no earlier line holds, keeps the rest, and says so loudly', async () => {
    const file = tempFile();
    const s = await openStore(file);
    await s.update((doc) => {
      addReading(doc, 'r1', ['ehr']);
      addReading(doc, 'r2', ['ehr']);
    });
    await s.update((doc) => void (doc.messages['r1-ehr']!.state = 'sending'));
    const copy = crashCopy(file);
    // The line that wrote r1's body lost (a journal restored without it): only the mark is left.
    const lines = readFileSync(`${copy}.journal`, 'utf8').split('\n').filter(Boolean);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('["body"]');
    const first = JSON.parse(lines[0]!.slice(9)) as { ops: Array<[string, string, Record<string, unknown> | null]> };
    for (const op of first.ops) if (op[1] === 'r1-ehr') op[2] = null;
    const json = JSON.stringify(first);
    const { crc32 } = await import('node:zlib');
    writeFileSync(`${copy}.journal`, `${crc32(json).toString(16).padStart(8, '0')} ${json}\n${lines[1]}\n`);
    const log = recordingLogger();
    const again = await openStore(copy, { log });
    expect(again.data.messages['r1-ehr']).toBeUndefined(); // never without its bytes
    expect(again.data.messages['r2-ehr']?.body).toBe(s.data.messages['r2-ehr']?.body);
    const errors = log.lines.filter((l) => l.level === 'error');
    expect(errors[0]?.msg).toMatch(/left out a field that no earlier line holds/);
    expect(errors[0]?.fields).toMatchObject({ records: 1, first: 'messages r1-ehr' });
    // Its reading does not wait forever for a message that is gone: a person can release it.
    expect(again.data.readings.r1).toMatchObject({
      status: 'held',
      messageIds: [],
      holdReasons: [expect.objectContaining({ kind: 'delivery', code: 'message-lost' })],
    });
    expect(again.data.readings.r2?.status).toBe(s.data.readings.r2?.status);
    expect(errors[1]?.msg).toMatch(/held for review/);
    // Said once: the next start does not drop (and report) them again.
    await again.update((doc) => void (doc.bindings.d = binding('D')));
    const next = crashCopy(copy);
    const log2 = recordingLogger();
    const third = await openStore(next, { log: log2 });
    expect(log2.lines.filter((l) => l.level === 'error')).toEqual([]);
    expect(third.data.readings.r1?.status).toBe('held');
  });

  it('writes the whole record again after a line that failed, so no line points at one that is not there', async () => {
    const file = tempFile();
    const adapter = await StateFile.open(file);
    const s = await openStore(file, { adapter });
    await s.update((doc) => void addReading(doc, 'r1', ['ehr']));
    // The next append fails once, as a full disk would, after the line was encoded.
    const handle = (adapter as unknown as { journal: { write: (...args: unknown[]) => Promise<unknown> } }).journal;
    const write = handle.write.bind(handle);
    let fail = true;
    handle.write = (...args: unknown[]) => {
      if (!fail) return write(...args);
      fail = false;
      return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
    };
    await expect(s.update((doc) => void (doc.messages['r1-ehr']!.body = 'MSH|changed\r'))).rejects.toThrow(/ENOSPC/);
    await s.update((doc) => void (doc.messages['r1-ehr']!.state = 'delivered'));
    const lines = readFileSync(`${file}.journal`, 'utf8').split('\n').filter(Boolean);
    expect(lines.at(-1)).toContain('MSH|changed');
    const again = await openStore(crashCopy(file));
    expect(again.data.messages['r1-ehr']).toMatchObject({ body: 'MSH|changed\r', state: 'delivered' });
  });

  it('writes the whole record again after a line that never reached the disk because the journal could not be opened', async () => {
    const file = tempFile();
    const s = await openStore(file);
    mkdirSync(`${file}.journal`); // the journal cannot be opened (EISDIR), as with no file handles left
    await expect(s.update((doc) => void addReading(doc, 'r1', ['ehr']))).rejects.toThrow();
    rmdirSync(`${file}.journal`);
    await s.update((doc) => void (doc.messages['r1-ehr']!.state = 'delivered'));
    const again = await openStore(crashCopy(file), { log: recordingLogger() });
    expect(again.data.messages['r1-ehr']).toEqual(s.data.messages['r1-ehr']);
    expect(again.data.messages['r1-ehr']?.body).toMatch(/^MSH/);
  });

  it('keeps a line that leaves fields out unreadable to a version that would take the record without them', async () => {
    const file = tempFile();
    const s = await openStore(file);
    await s.update((doc) => void addReading(doc, 'r1', ['ehr']));
    await s.update((doc) => void (doc.messages['r1-ehr']!.state = 'delivered'));
    const lines = readFileSync(`${file}.journal`, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l.slice(9)) as Record<string, unknown>);
    // The first line holds everything: any version reads it. The mark leaves the body out: the
    // version before this one required `ops`, so it reads the line as damage, not as a message without bytes.
    expect(Object.keys(lines[0]!)).toEqual(['g', 'root', 'ops']);
    expect(Object.keys(lines[1]!)).toEqual(['g', 'root', 'changes']);
  });

  it('after a compaction its lines stand alone: a damaged snapshot still leaves whole records in the journal', async () => {
    const file = tempFile();
    const adapter = await StateFile.open(file, { minCompactLength: 1 << 20 });
    const s = await openStore(file, { adapter });
    await s.update((doc) => void addReading(doc, 'r1', ['ehr']));
    for (let i = 0; adapter.compactions < 2; i++) {
      await s.update((doc) => void (doc.bindings[`d${i % 50}`] = { patient: { mrn: `M${i}`, family: 'x'.repeat(2000) }, createdAt: '' }));
    }
    await s.update((doc) => void (doc.messages['r1-ehr']!.state = 'delivered'));
    const copy = tempFile();
    copyFileSync(`${file}.journal`, `${copy}.journal`);
    writeFileSync(copy, '{"version": 2, "readings": {'); // the snapshot lost
    const again = await openStore(copy, { log: recordingLogger() });
    expect(again.data.messages['r1-ehr']).toEqual(s.data.messages['r1-ehr']);
  });

  it('opens a state.json written by the previous version as it is, and journals from there', async () => {
    const file = tempFile();
    // The previous version wrote the whole document, compact, with no generation and no journal.
    const old: StateDoc = emptyState();
    old.readings.r1 = {
      reading: { id: 'r1', deviceId: 'scale-1', kind: 'scale', observedAt: 'x', receivedAt: 'x', observations: [], raw: '' },
      status: 'queued',
      holdReasons: [],
      updatedAt: 'x',
    };
    enqueue(old, { destinationId: 'ehr', readingId: 'r1', controlId: 'MG1', body: 'MSH|1', now: new Date('2025-01-14T09:30:00Z') });
    old.bindings['scale-1'] = binding('MRN1');
    writeFileSync(file, JSON.stringify(old));
    const s = await openStore(file);
    expect(s.data).toEqual(old);
    await s.update((doc) => void (doc.messages.MG1!.attempts = 1));
    const again = await openStore(crashCopy(file));
    expect(again.data.messages.MG1).toMatchObject({ body: 'MSH|1', state: 'queued', attempts: 1 });
    expect(again.data.bindings['scale-1']).toEqual(old.bindings['scale-1']);
    expect(readdirSync(join(file, '..')).sort()).toEqual(['state.json', 'state.json.journal', 'state.json.lock']);
  });
});

describe('durableSeq and whenDurable', () => {
  it('names the seq the disk has caught up with: a held write holds it back, a failed one rejects who waited', async () => {
    const file = tempFile();
    const adapter = await FaultyStateFile.open(file);
    const s = await openStore(file, { adapter, retryMs: 60_000 });
    await s.update((doc) => void addReading(doc, 'r1', ['ehr']));
    expect(s.durableSeq).toBe(1);
    adapter.hold();
    const w2 = s.update((doc) => void addReading(doc, 'r2', ['ehr']));
    expect(s.data.messages['r2-ehr']?.seq).toBe(2);
    let stored = false;
    const durable2 = s.whenDurable(2).then(() => (stored = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stored).toBe(false);
    expect(s.durableSeq).toBe(1);
    adapter.release();
    await w2;
    await durable2;
    expect(s.durableSeq).toBe(2);

    adapter.failNext = 1;
    const w3 = s.update((doc) => void addReading(doc, 'r3', ['ehr']));
    const durable3 = s.whenDurable(3);
    await expect(w3).rejects.toThrow(/ENOSPC/);
    await expect(durable3).rejects.toThrow(/ENOSPC/);
    expect(s.durableSeq).toBe(2);
    await s.flush();
    expect(s.durableSeq).toBe(3);
  });
});
