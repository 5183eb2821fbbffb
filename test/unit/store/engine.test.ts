import { existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync, closeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../src/model/logger.ts';
import { CLEAN_SHUTDOWN, openEngine } from '../../../src/store/engine.ts';
import { metaPagesProblem } from '../../../src/store/engine-check.ts';

function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'medgate-engine-'));
}

function recordingLogger(): Logger & { errors: Array<Record<string, unknown>> } {
  const errors: Array<Record<string, unknown>> = [];
  const log: Logger & { errors: Array<Record<string, unknown>> } = {
    errors,
    error: (a: string | object, b?: string) => void errors.push(typeof a === 'string' ? { msg: a } : { ...a, msg: b }),
    warn: () => undefined,
    info: () => undefined,
    debug: () => undefined,
    child: () => log,
  };
  return log;
}

/** An environment with some records in two databases, closed cleanly. */
async function filledEnvironment(dataDir: string): Promise<void> {
  const engine = openEngine(dataDir);
  const a = engine.db<{ n: number; text: string }, string>('a');
  const b = engine.db<true, [string, number]>('b');
  for (let i = 0; i < 2000; i++) {
    void a.put(`k${i}`, { n: i, text: 'x'.repeat(200) });
    void b.put(['k', i], true);
  }
  await engine.flushed();
  await engine.close();
}

/** Random bytes over every page after the two meta pages: the meta pages still say LMDB. */
function scrambleDataPages(dataDir: string): void {
  const file = join(dataDir, 'db', 'data.mdb');
  const size = statSync(file).size;
  const fd = openSync(file, 'r+');
  try {
    const junk = Buffer.alloc(size - 8192);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) & 0xff;
    writeSync(fd, junk, 0, junk.length, 8192);
  } finally {
    closeSync(fd);
  }
}

describe('storage engine: damaged files', () => {
  it('moves a data file that is not LMDB aside and starts empty, instead of crashing', async () => {
    const dataDir = tempDataDir();
    mkdirSync(join(dataDir, 'db'));
    writeFileSync(join(dataDir, 'db', 'data.mdb'), 'garbage\n');
    const log = recordingLogger();
    const engine = openEngine(dataDir, { log, now: () => new Date('2025-01-01T10:00:00.000Z') });
    try {
      expect(engine.damaged).toEqual({
        movedTo: join(dataDir, 'db.damaged-2025-01-01T10-00-00-000Z'),
        reason: expect.stringMatching(/not an LMDB data file/),
        at: '2025-01-01T10:00:00.000Z',
      });
      expect(readFileSync(join(engine.damaged!.movedTo, 'data.mdb'), 'utf8')).toBe('garbage\n');
      expect(log.errors).toEqual([expect.objectContaining({ movedTo: engine.damaged!.movedTo, msg: expect.stringMatching(/moved aside/) })]);
      const db = engine.db<string, string>('t');
      await db.put('k', 'v');
      expect(db.get('k')).toBe('v');
    } finally {
      await engine.close();
    }
  });

  it('after an unclean shutdown, checks the environment in a child process and moves a damaged one aside', async () => {
    const dataDir = tempDataDir();
    await filledEnvironment(dataDir);
    rmSync(join(dataDir, 'db', CLEAN_SHUTDOWN)); // as after kill -9 or a power cut
    scrambleDataPages(dataDir);
    expect(metaPagesProblem(join(dataDir, 'db', 'data.mdb'))).toBeUndefined();
    const engine = openEngine(dataDir, { log: recordingLogger() });
    try {
      expect(engine.damaged?.reason).toMatch(/killed a test process|could not be read/);
      expect(readdirSync(engine.damaged!.movedTo)).toContain('data.mdb');
      expect(engine.db<unknown, string>('a').get('k1')).toBeUndefined();
    } finally {
      await engine.close();
    }
  });

  it('keeps a healthy environment after an unclean shutdown, and marks a clean one at close', async () => {
    const dataDir = tempDataDir();
    await filledEnvironment(dataDir);
    const marker = join(dataDir, 'db', CLEAN_SHUTDOWN);
    expect(existsSync(marker)).toBe(true);
    let engine = openEngine(dataDir);
    // Gone while open: a crash from now on leaves no marker.
    expect(existsSync(marker)).toBe(false);
    await engine.close();
    expect(existsSync(marker)).toBe(true);
    rmSync(marker); // as after kill -9: checked in a child process, found healthy, kept
    engine = openEngine(dataDir);
    try {
      expect(engine.damaged).toBeUndefined();
      expect(engine.db<{ n: number }, string>('a').get('k1999')).toMatchObject({ n: 1999 });
    } finally {
      await engine.close();
    }
    expect(existsSync(marker)).toBe(true);
  });
});
