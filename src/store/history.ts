// A day-file journal: append-only JSONL, one file per UTC day, fsync'd, read newest first. The
// audit trail and the inbound journal are kept this way. The delivered history and the rejected
// inputs were too, before the storage engine (history-store.ts, rejects.ts): journal-import.ts
// reads the day files those versions left.

import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../model/logger.ts';
import type { HistoryRecord } from './types.ts';

export interface HistoryOptions {
  /** Days of history kept by prune(); default 90. */
  retentionDays?: number;
  log?: Logger;
}

/** What only a journal of one record type knows: how a line an older version wrote reads today. */
export interface JournalOptions<T> extends HistoryOptions {
  /** Applied to every record read, before filters see it (e.g. upgradeHistoryRecord for the delivered history). */
  upgrade?: (record: T) => T;
}

export interface RecentQuery<T extends Timed = HistoryRecord> {
  limit: number;
  /** Only records with `at` strictly before this ISO time (for paging: pass the last `at` seen). */
  before?: string;
  filter?: (r: T) => boolean;
}

export const DAY_FILE = /^(\d{4}-\d{2}-\d{2})\.jsonl$/;
const DAY_MS = 86_400_000;

/** The UTC day (YYYY-MM-DD) of an ISO time; an unparsable time files under today. */
export function utcDay(iso: string | Date): string {
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return (Number.isNaN(d.getTime()) ? new Date() : d).toISOString().slice(0, 10);
}

/** Parses one day's text, newest first; bad lines (a torn last line after a crash) are reported, not fatal. */
export function parseDay<T extends Timed = HistoryRecord>(text: string, onBadLine: (lineNo: number, torn: boolean) => void): T[] {
  const lines = text.split('\n');
  const out: T[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      onBadLine(i + 1, i === lines.length - 1);
    }
  }
  // Appends arrive roughly in time order; sort so paging by `before` is exact. Stable for ties.
  return out.reverse().sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}

/** Anything kept in a day-file journal: it files under the UTC day of `at`. */
export interface Timed {
  at: string;
}

interface Pending<T> {
  records: T[];
  waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
}

export class History<T extends Timed = HistoryRecord> {
  private readonly retentionDays: number;
  private readonly log: Logger;
  private readonly upgrade: ((record: T) => T) | undefined;
  private pending: Pending<T> | undefined;
  private inFlight = false;
  /** Day files checked this run (torn tail fixed, directory entry fsync'd). */
  private readonly ready = new Set<string>();
  private dirReady = false;

  constructor(
    readonly dir: string,
    opts: JournalOptions<T> = {},
  ) {
    this.retentionDays = opts.retentionDays ?? 90;
    this.log = opts.log ?? silentLogger;
    this.upgrade = opts.upgrade;
  }

  /** Appends and fsyncs. Concurrent appends share one write and one fsync per day file. */
  append(records: T[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      if (!this.pending) this.pending = { records: [], waiters: [] };
      this.pending.records.push(...records);
      this.pending.waiters.push({ resolve, reject });
      if (!this.inFlight) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.inFlight = true;
    while (this.pending) {
      const batch = this.pending;
      this.pending = undefined;
      try {
        await this.writeBatch(batch.records);
        for (const w of batch.waiters) w.resolve();
      } catch (err) {
        this.log.error({ err, dir: this.dir }, 'history append failed');
        for (const w of batch.waiters) w.reject(err);
      }
    }
    this.inFlight = false;
  }

  private async writeBatch(records: T[]): Promise<void> {
    if (!this.dirReady) {
      await mkdir(this.dir, { recursive: true });
      this.dirReady = true;
    }
    const byDay = new Map<string, string[]>();
    for (const r of records) {
      const day = utcDay(r.at);
      let lines = byDay.get(day);
      if (!lines) byDay.set(day, (lines = []));
      lines.push(JSON.stringify(r));
    }
    let created = false;
    for (const [day, lines] of byDay) {
      const file = join(this.dir, `${day}.jsonl`);
      let fh: FileHandle | undefined;
      try {
        fh = await open(file, 'a+');
        let prefix = '';
        if (!this.ready.has(file)) {
          const { size } = await fh.stat();
          if (size === 0) created = true;
          else {
            // A crash mid-append leaves a line without its newline; end it, or the next record
            // would be glued onto it and lost with it.
            const last = Buffer.alloc(1);
            await fh.read(last, 0, 1, size - 1);
            if (last[0] !== 0x0a) prefix = '\n';
          }
        }
        await fh.writeFile(`${prefix}${lines.join('\n')}\n`, 'utf8');
        await fh.sync();
      } finally {
        await fh?.close();
      }
      this.ready.add(file);
    }
    if (created) {
      const dh = await open(this.dir, 'r');
      try {
        await dh.sync();
      } finally {
        await dh.close();
      }
    }
  }

  /** Newest first, reading day files backwards and stopping once `limit` records are found. */
  async recent(query: RecentQuery<T>): Promise<T[]> {
    const out: T[] = [];
    if (query.limit <= 0) return out;
    const beforeDay = query.before ? utcDay(query.before) : undefined;
    for (const day of await this.days()) {
      if (beforeDay && day > beforeDay) continue;
      const file = join(this.dir, `${day}.jsonl`);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // pruned meanwhile
        throw err;
      }
      const records = parseDay<T>(text, (lineNo, torn) =>
        this.log.warn({ file, line: lineNo }, torn ? 'skipped a torn last line (interrupted append)' : 'skipped an unreadable line'),
      );
      for (const stored of records) {
        const r = this.upgrade ? this.upgrade(stored) : stored;
        if (query.before && !(r.at < query.before)) continue;
        if (query.filter && !query.filter(r)) continue;
        out.push(r);
        if (out.length >= query.limit) return out;
      }
    }
    return out;
  }

  /** Deletes day files older than retentionDays before `now`; returns how many. */
  async prune(now: Date = new Date()): Promise<number> {
    const cutoff = utcDay(new Date(now.getTime() - this.retentionDays * DAY_MS));
    let n = 0;
    for (const day of await this.days()) {
      if (day >= cutoff) continue;
      const file = join(this.dir, `${day}.jsonl`);
      await rm(file, { force: true });
      this.ready.delete(file);
      n++;
    }
    if (n > 0) this.log.info({ dir: this.dir, files: n, before: cutoff }, 'pruned delivered history');
    return n;
  }

  /** Day names of the files present, newest first. */
  private async days(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const days: string[] = [];
    for (const name of names) {
      const m = DAY_FILE.exec(name);
      if (m?.[1]) days.push(m[1]);
    }
    return days.sort().reverse();
  }
}
