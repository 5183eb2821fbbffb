import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../../src/inbound/events.ts';
import { parseInbound } from '../../../src/inbound/parse.ts';
import { directoryFile, PatientDirectoryStore, type DirectoryDoc } from '../../../src/patients/directory.ts';
import type { DocumentAdapter } from '../../../src/store/durable-document.ts';
import { DurableFileAdapter } from '../../../src/store/durable-file-adapter.ts';
import { a01, a03, a04, a40, ormNew } from '../inbound/fixtures.ts';

function ev(text: string): InboundEvent {
  const r = parseInbound(text);
  if (!r.ok) throw new Error(`fixture rejected: ${r.reason}`);
  return r.event;
}

const dirs: string[] = [];
const stores: PatientDirectoryStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close().catch(() => undefined);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'medgate-dir-'));
  dirs.push(dir);
  return directoryFile(dir);
}

async function open(file: string, opts: Parameters<typeof PatientDirectoryStore.open>[1] = {}): Promise<PatientDirectoryStore> {
  const s = await PatientDirectoryStore.open(file, { pruneIntervalMs: 0, ...opts });
  stores.push(s);
  return s;
}

function onDisk(file: string): DirectoryDoc {
  return JSON.parse(readFileSync(file, 'utf8')) as DirectoryDoc;
}

/** The real adapter, counting writes and failing the ones it is told to. */
async function countingAdapter(file: string, failNext = 0): Promise<DocumentAdapter<DirectoryDoc> & { writes: number; fail: number }> {
  const real = await DurableFileAdapter.open<DirectoryDoc>(file);
  const a = {
    writes: 0,
    fail: failNext,
    read: () => real.read(),
    write: async (data: DirectoryDoc) => {
      if (a.fail > 0) {
        a.fail--;
        throw new Error('disk full (injected)');
      }
      await real.write(data);
      a.writes++;
    },
    close: () => real.close(),
  };
  return a;
}

describe('PatientDirectoryStore', () => {
  it('has the change on disk when applyDurably resolves, and again after a reopen', async () => {
    const file = tempFile();
    const store = await open(file);
    await store.applyDurably(ev(a01()));
    // Read behind the store's back, before any close or flush: the change is already in the file.
    expect(onDisk(file).entries.map((e) => e.patient.mrn)).toEqual(['MRN1001']);
    await store.applyDurably(ev(ormNew()));
    await store.close();
    stores.length = 0;

    const again = await open(file);
    expect(again.byMrn('MRN1001')?.visit.visitNumber).toBe('V5001');
    expect(again.orderBySpecimen('SP7001')?.placer).toBe('PL7001');
    expect(again.summary()).toEqual({ active: 1, discharged: 0, merged: 0, openOrders: 1, cancelledOrders: 0 });
  });

  it('serves lookups at once, including merged MRNs', async () => {
    const store = await open(tempFile());
    await Promise.all([store.applyDurably(ev(a01('A1', 'MRN3003', 'V9'))), store.applyDurably(ev(a40()))]);
    expect(store.byMrn('MRN3003')?.patient.mrn).toBe('MRN1001');
    expect(store.byVisit('V9')?.patient.mrn).toBe('MRN1001');
    expect(store.byNameAndBirthDate('smith doe', 'jane', '1980-01-02')).toHaveLength(1);
  });

  it('coalesces changes made in the same turn into few writes, each resolved only once durable', async () => {
    const file = tempFile();
    const adapter = await countingAdapter(file);
    const store = await open(file, { adapter });
    const admits = Array.from({ length: 20 }, (_, i) => store.applyDurably({ kind: 'admit', trigger: 'A04', patient: { mrn: `M${i}` }, visit: {} }));
    await Promise.all(admits);
    expect(onDisk(file).entries).toHaveLength(20);
    expect(adapter.writes).toBeLessThanOrEqual(2);
  });

  it('rejects applyDurably when the write fails, and writes the change with the next one', async () => {
    const file = tempFile();
    const adapter = await countingAdapter(file, 1);
    const store = await open(file, { adapter });
    await expect(store.applyDurably(ev(a01()))).rejects.toThrow(/disk full/);
    expect(store.byMrn('MRN1001')).toBeDefined(); // kept in memory; the EHR's resend changes nothing more
    await store.applyDurably(ev(a04()));
    expect(
      onDisk(file)
        .entries.map((e) => e.patient.mrn)
        .sort(),
    ).toEqual(['MRN1001', 'MRN2002']);
  });

  it('prunes on open what aged out while it was closed, and on every change', async () => {
    const file = tempFile();
    let now = new Date('2025-01-15T17:00:00Z');
    const store = await open(file, { now: () => now });
    await store.applyDurably(ev(a01()));
    await store.applyDurably(ev(a04()));
    await store.applyDurably(ev(a03()));
    await store.close();
    stores.length = 0;

    now = new Date('2025-01-17T18:00:00Z'); // 49 h later
    const reopened = await open(file, { now: () => now });
    expect(reopened.byMrn('MRN1001')).toBeUndefined();
    expect(reopened.byMrn('MRN2002')).toBeDefined();
    expect(onDisk(file).entries.map((e) => e.patient.mrn)).toEqual(['MRN2002']);

    now = new Date('2025-01-17T19:00:00Z');
    const short = await open(tempFile(), { now: () => now, retentionHours: 1 });
    await short.applyDurably(ev(a01()));
    await short.applyDurably(ev(a03()));
    now = new Date('2025-01-17T20:30:00Z');
    await short.applyDurably(ev(a04()));
    expect(short.byMrn('MRN1001')).toBeUndefined();
  });

  it('opens a directory.json of an earlier version (orders without specimen type or priority) and keeps them once sent', async () => {
    const file = tempFile();
    const updatedAt = new Date().toISOString();
    const old = {
      version: 1,
      entries: [],
      orders: [{ key: 'P|PL1', placer: 'PL1', specimenId: 'SP1', mrn: 'MRN1', tests: [{ system: 'LN', code: '2345-7' }], status: 'open', updatedAt }],
    };
    writeFileSync(file, JSON.stringify(old));
    const s = await open(file);
    expect(s.orderBySpecimen('SP1')).toMatchObject({ placer: 'PL1', mrn: 'MRN1' });
    expect(s.orderBySpecimen('SP1')).not.toHaveProperty('specimenType');
    const withType = ev(
      'MSH|^~\\&|EPIC|C|MEDGATE|C|20261206||OML^O21|X1|P|2.5.1\rPID|1||MRN1^^^C^MR\rORC|XO|PL1\rTQ1|1||||||||S\rOBR|1|PL1||2345-7^^LN\rSPM|1|SP1||SER\r',
    );
    await s.applyDurably(withType);
    expect(s.orderBySpecimen('SP1')).toMatchObject({ specimenType: 'SER', priority: 'stat' });
    expect(onDisk(file).orders[0]).toMatchObject({ key: 'P|PL1', specimenType: 'SER', priority: 'stat' });
  });

  it('refuses a second store on the same file, and a file that is not a directory document', async () => {
    const file = tempFile();
    await open(file);
    await expect(PatientDirectoryStore.open(file)).rejects.toThrow(/in use/);
    const other = tempFile();
    writeFileSync(other, JSON.stringify({ version: 9 }));
    await expect(PatientDirectoryStore.open(other)).rejects.toThrow(/unsupported directory version 9/);
  });
});
