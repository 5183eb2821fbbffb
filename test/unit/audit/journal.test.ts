import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AuditJournal, MIN_RETENTION_DAYS, type AuditEntry, type AuditRecord } from '../../../src/audit/journal.ts';

function tempDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'medgate-audit-')), 'audit');
}

function linesOf(dir: string, day: string): AuditEntry[] {
  return readFileSync(join(dir, `${day}.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as AuditEntry);
}

/** A clock that reads `start` and moves only when told. */
function clock(start: string): { now: () => Date; set(iso: string): void } {
  let t = new Date(start);
  return { now: () => new Date(t), set: (iso) => (t = new Date(iso)) };
}

describe('AuditJournal.record', () => {
  it('is on disk, as one JSON line per entry, when it resolves', async () => {
    const dir = tempDir();
    const c = clock('2026-11-27T10:00:00.000Z');
    const audit = new AuditJournal(dir, { now: c.now });
    await audit.record({
      who: 'mary',
      action: 'bind',
      device: 'scale-1',
      patient: { mrn: 'A1', assigningAuthority: 'HOSP' },
      reason: 'room 3, morning clinic',
    });
    expect(linesOf(dir, '2026-11-27')).toEqual([
      {
        at: '2026-11-27T10:00:00.000Z',
        who: 'mary',
        action: 'bind',
        device: 'scale-1',
        patient: { mrn: 'A1', assigningAuthority: 'HOSP' },
        reason: 'room 3, morning clinic',
      },
    ]);
    // A new instance (a restart) reads what the first one wrote.
    expect(await new AuditJournal(dir).recent({ limit: 10 })).toHaveLength(1);
  });

  it('keeps every entry when many are recorded at once', async () => {
    const dir = tempDir();
    const audit = new AuditJournal(dir, { now: clock('2026-11-27T10:00:00.000Z').now });
    await Promise.all(Array.from({ length: 50 }, (_, i) => audit.record({ who: 'mary', action: 'assign', reading: `R${i}`, patient: { mrn: 'A1' } })));
    const lines = linesOf(dir, '2026-11-27');
    expect(lines).toHaveLength(50);
    expect(new Set(lines.map((l) => l.reading)).size).toBe(50);
    // Same millisecond on the clock, yet distinct times: paging by `before` can skip none.
    expect(new Set(lines.map((l) => l.at)).size).toBe(50);
  });

  it('files an entry under the UTC day of its time, normalized to UTC', async () => {
    const dir = tempDir();
    const audit = new AuditJournal(dir);
    await audit.record({ at: '2026-11-28T00:30:00+01:00', who: 'sam', action: 'unbind', device: 'bp-2' });
    expect(readdirSync(dir)).toEqual(['2026-11-27.jsonl']);
    expect(linesOf(dir, '2026-11-27')[0]?.at).toBe('2026-11-27T23:30:00.000Z');
  });

  it('writes only the known fields, and only the patient identifier', async () => {
    const dir = tempDir();
    const audit = new AuditJournal(dir, { now: clock('2026-11-27T10:00:00.000Z').now });
    const sneaky = {
      who: 'mary',
      action: 'assign',
      reading: 'R1',
      patient: { mrn: 'A1', family: 'Müller', dob: '1980-02-14' },
      password: 'hunter2',
    } as unknown as AuditRecord;
    await audit.record(sneaky);
    const text = readFileSync(join(dir, '2026-11-27.jsonl'), 'utf8');
    expect(JSON.parse(text)).toEqual({ at: '2026-11-27T10:00:00.000Z', who: 'mary', action: 'assign', reading: 'R1', patient: { mrn: 'A1' } });
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('Müller');
  });

  it('writes what was recorded, even if the caller changes its object before the write', async () => {
    const dir = tempDir();
    const audit = new AuditJournal(dir, { now: clock('2026-11-27T10:00:00.000Z').now });
    const entry: AuditRecord = { who: 'mary', action: 'override', reading: 'R1', patient: { mrn: 'A1' }, reason: 'confirmed by phone' };
    const done = audit.record(entry);
    entry.reason = 'changed';
    if (entry.patient) entry.patient.mrn = 'B2';
    await done;
    expect(linesOf(dir, '2026-11-27')[0]).toMatchObject({ reason: 'confirmed by phone', patient: { mrn: 'A1' } });
  });

  it.each<[string, Record<string, unknown>]>([
    ['no who', { action: 'bind' }],
    ['a blank who', { who: '  ', action: 'bind' }],
    ['an unknown action', { who: 'mary', action: 'edit' }],
    ['a blank device', { who: 'mary', action: 'bind', device: '' }],
    ['a patient without an MRN', { who: 'mary', action: 'assign', patient: {} }],
    ['a time that is not a date', { who: 'mary', action: 'bind', at: 'yesterday' }],
    ['a reason that is not text', { who: 'mary', action: 'discard', reason: 42 }],
    ['an overlong reason', { who: 'mary', action: 'discard', reason: 'x'.repeat(2001) }],
  ])('rejects an entry with %s and writes nothing', async (_label, bad) => {
    const dir = tempDir();
    const audit = new AuditJournal(dir);
    await expect(audit.record(bad as unknown as AuditRecord)).rejects.toThrow(/audit entry/);
    expect(existsSync(dir)).toBe(false);
  });

  it("keeps a QC review (the lab lead's corrective action) and finds it by its action", async () => {
    const dir = tempDir();
    const audit = new AuditJournal(dir, { now: clock('2026-12-06T09:00:00.000Z').now });
    await audit.record({ who: 'ada', action: 'bind', device: 'chem' });
    await audit.record({ who: 'ada', action: 'qc-review', device: 'chem', reason: 'GLU lot QC-LOT-4711 1-3s: new reagent cartridge' });
    expect(await audit.recent({ limit: 10, action: 'qc-review' })).toEqual([
      { at: '2026-12-06T09:00:00.001Z', who: 'ada', action: 'qc-review', device: 'chem', reason: 'GLU lot QC-LOT-4711 1-3s: new reagent cartridge' },
    ]);
  });

  it('rejects when the disk write fails', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'medgate-audit-'));
    const blocker = join(parent, 'audit');
    writeFileSync(blocker, 'a file where the folder should be');
    await expect(new AuditJournal(blocker).record({ who: 'mary', action: 'bind', device: 'd' })).rejects.toThrow();
  });
});

describe('AuditJournal.recent', () => {
  async function filled(): Promise<{ audit: AuditJournal; dir: string }> {
    const dir = tempDir();
    const c = clock('2026-11-25T09:00:00.000Z');
    const audit = new AuditJournal(dir, { now: c.now });
    const steps: Array<[string, AuditRecord]> = [
      ['2026-11-25T09:00:00.000Z', { who: 'mary', action: 'bind', device: 'scale-1', patient: { mrn: 'A1' } }],
      ['2026-11-25T09:05:00.000Z', { who: 'mary', action: 'unbind', device: 'scale-1' }],
      ['2026-11-26T14:00:00.000Z', { who: 'sam', action: 'assign', device: 'bp-2', reading: 'R7', patient: { mrn: 'B2' } }],
      [
        '2026-11-26T14:01:00.000Z',
        { who: 'sam', action: 'override', device: 'bp-2', reading: 'R8', patient: { mrn: 'B2' }, reason: 'cuff re-seated, value confirmed' },
      ],
      ['2026-11-27T08:00:00.000Z', { who: 'lee', action: 'discard', device: 'scale-1', reading: 'R9', reason: 'test weighing' }],
      ['2026-11-27T08:30:00.000Z', { who: 'lee', action: 'resend', reading: 'R7' }],
    ];
    for (const [at, e] of steps) {
      c.set(at);
      await audit.record(e);
    }
    return { audit, dir };
  }

  it('returns entries newest first, across day files', async () => {
    const { audit, dir } = await filled();
    expect(readdirSync(dir).sort()).toEqual(['2026-11-25.jsonl', '2026-11-26.jsonl', '2026-11-27.jsonl']);
    const all = await audit.recent({ limit: 100 });
    expect(all.map((e) => e.action)).toEqual(['resend', 'discard', 'override', 'assign', 'unbind', 'bind']);
    expect(all[2]).toEqual({
      at: '2026-11-26T14:01:00.000Z',
      who: 'sam',
      action: 'override',
      device: 'bp-2',
      reading: 'R8',
      patient: { mrn: 'B2' },
      reason: 'cuff re-seated, value confirmed',
    });
  });

  it('honours the limit and pages with before', async () => {
    const { audit } = await filled();
    const first = await audit.recent({ limit: 2 });
    expect(first.map((e) => e.action)).toEqual(['resend', 'discard']);
    const next = await audit.recent({ limit: 3, before: first[1]?.at });
    expect(next.map((e) => e.action)).toEqual(['override', 'assign', 'unbind']);
    expect(await audit.recent({ limit: 0 })).toEqual([]);
  });

  it('filters by device, reading, patient and action', async () => {
    const { audit } = await filled();
    expect((await audit.recent({ limit: 10, device: 'scale-1' })).map((e) => e.action)).toEqual(['discard', 'unbind', 'bind']);
    expect((await audit.recent({ limit: 10, reading: 'R7' })).map((e) => e.action)).toEqual(['resend', 'assign']);
    expect((await audit.recent({ limit: 10, patient: 'B2' })).map((e) => e.reading)).toEqual(['R8', 'R7']);
    expect((await audit.recent({ limit: 10, action: 'bind' })).map((e) => e.device)).toEqual(['scale-1']);
    expect(await audit.recent({ limit: 10, device: 'scale-1', reading: 'R7' })).toEqual([]);
    expect(await audit.recent({ limit: 10, device: 'nope' })).toEqual([]);
  });

  it('is empty before anything was recorded', async () => {
    expect(await new AuditJournal(tempDir()).recent({ limit: 10 })).toEqual([]);
  });
});

describe('entries cannot be changed through the class', () => {
  it('offers no way to edit or delete: only record, recent and prune', () => {
    expect(Object.getOwnPropertyNames(AuditJournal.prototype).sort()).toEqual(['constructor', 'prune', 'recent', 'record']);
  });

  it('hands out copies: changing what recent() returned changes nothing on record', async () => {
    const dir = tempDir();
    const audit = new AuditJournal(dir, { now: clock('2026-11-27T10:00:00.000Z').now });
    await audit.record({ who: 'mary', action: 'assign', reading: 'R1', patient: { mrn: 'A1' } });
    const before = readFileSync(join(dir, '2026-11-27.jsonl'), 'utf8');
    const [entry] = await audit.recent({ limit: 1 });
    if (!entry?.patient) throw new Error('expected the entry');
    entry.who = 'mallory';
    entry.patient.mrn = 'B2';
    expect(await audit.recent({ limit: 1 })).toEqual([
      { at: '2026-11-27T10:00:00.000Z', who: 'mary', action: 'assign', reading: 'R1', patient: { mrn: 'A1' } },
    ]);
    expect(readFileSync(join(dir, '2026-11-27.jsonl'), 'utf8')).toBe(before);
  });

  it('only ever appends: earlier lines stay byte for byte', async () => {
    const dir = tempDir();
    const c = clock('2026-11-27T10:00:00.000Z');
    const audit = new AuditJournal(dir, { now: c.now });
    await audit.record({ who: 'mary', action: 'bind', device: 'd1', patient: { mrn: 'A1' } });
    const first = readFileSync(join(dir, '2026-11-27.jsonl'), 'utf8');
    c.set('2026-11-27T10:01:00.000Z');
    await audit.record({ who: 'mary', action: 'unbind', device: 'd1' });
    const second = readFileSync(join(dir, '2026-11-27.jsonl'), 'utf8');
    expect(second.startsWith(first)).toBe(true);
    expect(second.length).toBeGreaterThan(first.length);
  });
});

describe('retention', () => {
  it('prunes nothing unless a retention is configured', async () => {
    const dir = tempDir();
    const audit = new AuditJournal(dir);
    await audit.record({ at: '2010-01-01T00:00:00Z', who: 'mary', action: 'bind', device: 'd1' });
    expect(await audit.prune(new Date('2026-11-27T00:00:00Z'))).toBe(0);
    expect(readdirSync(dir)).toEqual(['2010-01-01.jsonl']);
  });

  it('prunes day files past a configured retention, and keeps the rest', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const audit = new AuditJournal(dir, { retentionDays: 400 });
    await audit.record({ at: '2025-01-01T00:00:00Z', who: 'mary', action: 'bind', device: 'd1' });
    await audit.record({ at: '2026-11-01T00:00:00Z', who: 'mary', action: 'unbind', device: 'd1' });
    expect(await audit.prune(new Date('2026-11-27T00:00:00Z'))).toBe(1);
    expect(readdirSync(dir)).toEqual(['2026-11-01.jsonl']);
  });

  it(`refuses a retention shorter than ${MIN_RETENTION_DAYS} days or not a whole number`, () => {
    expect(() => new AuditJournal(tempDir(), { retentionDays: 90 })).toThrow(RangeError);
    expect(() => new AuditJournal(tempDir(), { retentionDays: 400.5 })).toThrow(RangeError);
    expect(() => new AuditJournal(tempDir(), { retentionDays: MIN_RETENTION_DAYS })).not.toThrow();
  });
});
