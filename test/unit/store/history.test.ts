import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/model/logger.ts';
import { History } from '../../../src/store/history.ts';
import type { HistoryRecord } from '../../../src/store/types.ts';

function tempDir(): string {
  return join(mkdtempSync(join(tmpdir(), 'medgate-history-')), 'history');
}

function record(at: string, id = at): HistoryRecord {
  return {
    at,
    reading: {
      reading: { id, deviceId: 'scale-1', kind: 'scale', observedAt: at, receivedAt: at, observations: [], raw: '' },
      status: 'delivered',
      holdReasons: [],
      updatedAt: at,
    },
    messages: [],
  };
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const log: Logger & { warnings: string[] } = {
    warnings,
    error: () => undefined,
    info: () => undefined,
    debug: () => undefined,
    warn: (a: string | object, b?: string) => void warnings.push(typeof a === 'string' ? a : (b ?? '')),
    child: () => log,
  };
  return log;
}

const ids = (rs: HistoryRecord[]): string[] => rs.map((r) => r.reading.reading.id);

describe('History', () => {
  it('appends to one file per UTC day and reads newest first across days', async () => {
    const dir = tempDir();
    const h = new History(dir);
    await h.append([record('2025-01-01T10:00:00.000Z'), record('2025-01-01T23:59:59.000Z')]);
    await h.append([record('2025-01-02T00:00:00.000Z')]);
    await h.append([record('2025-01-03T08:00:00.000Z'), record('2025-01-03T09:00:00.000Z')]);
    expect(readdirSync(dir).sort()).toEqual(['2025-01-01.jsonl', '2025-01-02.jsonl', '2025-01-03.jsonl']);
    expect(readFileSync(join(dir, '2025-01-01.jsonl'), 'utf8').split('\n')).toHaveLength(3);

    expect(ids(await h.recent({ limit: 10 }))).toEqual([
      '2025-01-03T09:00:00.000Z',
      '2025-01-03T08:00:00.000Z',
      '2025-01-02T00:00:00.000Z',
      '2025-01-01T23:59:59.000Z',
      '2025-01-01T10:00:00.000Z',
    ]);
    expect(ids(await h.recent({ limit: 2 }))).toEqual(['2025-01-03T09:00:00.000Z', '2025-01-03T08:00:00.000Z']);
  });

  it('pages with `before` and filters', async () => {
    const h = new History(tempDir());
    await h.append(['01', '02', '03', '04'].map((d) => record(`2025-02-${d}T12:00:00.000Z`)));
    const page = await h.recent({ limit: 2, before: '2025-02-03T12:00:00.000Z' });
    expect(ids(page)).toEqual(['2025-02-02T12:00:00.000Z', '2025-02-01T12:00:00.000Z']);
    const odd = await h.recent({ limit: 10, filter: (r) => r.at.startsWith('2025-02-03') });
    expect(ids(odd)).toEqual(['2025-02-03T12:00:00.000Z']);
  });

  it('stops reading older days once the limit is reached', async () => {
    const dir = tempDir();
    const h = new History(dir);
    await h.append([record('2025-03-01T00:00:00.000Z'), record('2025-03-02T00:00:00.000Z')]);
    // An unreadable older file would throw if it were opened.
    mkdirSync(join(dir, '2025-02-28.jsonl'));
    expect(ids(await h.recent({ limit: 2 }))).toHaveLength(2);
    await expect(h.recent({ limit: 3 })).rejects.toThrow(/EISDIR/);
  });

  it('shares one write for concurrent appends and keeps all of them', async () => {
    const dir = tempDir();
    const h = new History(dir);
    await Promise.all(Array.from({ length: 200 }, (_, i) => h.append([record(`2025-04-01T00:00:${String(i % 60).padStart(2, '0')}.000Z`, `r${i}`)])));
    const lines = readFileSync(join(dir, '2025-04-01.jsonl'), 'utf8').trim().split('\n');
    expect(lines).toHaveLength(200);
    expect(new Set(lines.map((l) => (JSON.parse(l) as HistoryRecord).reading.reading.id)).size).toBe(200);
  });

  it('skips a torn last line with a warning, and a later append does not glue onto it', async () => {
    const dir = tempDir();
    const first = new History(dir);
    await first.append([record('2025-05-01T01:00:00.000Z', 'a')]);
    appendFileSync(join(dir, '2025-05-01.jsonl'), '{"at":"2025-05-01T02:00:00.000Z","rea');
    const log = recordingLogger();
    const h = new History(dir, { log });
    expect(ids(await h.recent({ limit: 10 }))).toEqual(['a']);
    expect(log.warnings.some((w) => /torn/.test(w))).toBe(true);
    await h.append([record('2025-05-01T03:00:00.000Z', 'b')]);
    expect(ids(await h.recent({ limit: 10 }))).toEqual(['b', 'a']);
  });

  it('returns nothing when there is no history yet', async () => {
    expect(await new History(tempDir()).recent({ limit: 5 })).toEqual([]);
  });

  it('prunes day files older than the retention', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    for (const day of ['2025-01-01', '2025-03-01', '2025-03-31', '2025-04-01', '2025-06-29']) writeFileSync(join(dir, `${day}.jsonl`), '');
    writeFileSync(join(dir, 'notes.txt'), 'not a day file');
    const h = new History(dir, { retentionDays: 90 });
    // 90 days before 2025-06-29 is 2025-03-31: that day and later stay.
    expect(await h.prune(new Date('2025-06-29T12:00:00.000Z'))).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(['2025-03-31.jsonl', '2025-04-01.jsonl', '2025-06-29.jsonl', 'notes.txt']);
    expect(existsSync(join(dir, '2025-01-01.jsonl'))).toBe(false);
    expect(await h.prune(new Date('2025-06-29T12:00:00.000Z'))).toBe(0);
  });
});
