import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DurableFileAdapter } from '../../../src/store/durable-file-adapter.ts';

const open: Array<DurableFileAdapter<unknown>> = [];

async function openAdapter<T>(file: string): Promise<DurableFileAdapter<T>> {
  const a = await DurableFileAdapter.open<T>(file);
  open.push(a as DurableFileAdapter<unknown>);
  return a;
}

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'medgate-adapter-')), 'state.json');
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  if (typeof r.pid !== 'number') throw new Error('could not spawn');
  return r.pid;
}

afterEach(async () => {
  for (const a of open.splice(0)) await a.close();
});

describe('DurableFileAdapter', () => {
  it('reads null when the file is missing, and round-trips compact JSON', async () => {
    const file = tempFile();
    const a = await openAdapter<{ n: number; s: string }>(file);
    expect(await a.read()).toBeNull();
    await a.write({ n: 1, s: 'é\n' });
    expect(readFileSync(file, 'utf8')).toBe('{"n":1,"s":"é\\n"}');
    expect(await a.read()).toEqual({ n: 1, s: 'é\n' });
    expect(existsSync(`${file}.tmp`)).toBe(false);
    expect(a.writeCount).toBe(1);
  });

  it('serializes concurrent writes: the last one wins and none fails', async () => {
    const file = tempFile();
    const a = await openAdapter<{ n: number }>(file);
    await Promise.all(Array.from({ length: 20 }, (_, n) => a.write({ n })));
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ n: 19 });
    expect(a.writeCount).toBe(20);
  });

  it('snapshots the data when write() is called, not when the disk gets to it', async () => {
    const file = tempFile();
    const a = await openAdapter<{ n: number }>(file);
    const data = { n: 1 };
    const p = a.write(data);
    data.n = 2;
    await p;
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ n: 1 });
  });

  it('names the file and the position of a JSON error', async () => {
    const file = tempFile();
    writeFileSync(file, '{"version":1,\n "seq": }');
    const a = await openAdapter(file);
    const err: unknown = await a.read().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/not valid JSON/);
    expect((err as Error).message).toMatch(/line 2, column 9/);
    expect((err as Error).message).not.toContain(`"seq"`); // never echoes the content (patient data)
  });

  it('removes the temp file of an interrupted write and keeps the last complete file', async () => {
    const file = tempFile();
    writeFileSync(file, '{"n":1}');
    writeFileSync(`${file}.tmp`, '{"n":2, "torn');
    const a = await openAdapter<{ n: number }>(file);
    expect(existsSync(`${file}.tmp`)).toBe(false);
    expect(await a.read()).toEqual({ n: 1 });
  });

  it('refuses a second instance on the same file with a clear message, until the first closes', async () => {
    const file = tempFile();
    const a = await openAdapter(file);
    await expect(DurableFileAdapter.open(file)).rejects.toThrow(/in use by another medgate process \(pid \d+/);
    await expect(DurableFileAdapter.open(file)).rejects.toThrow(`${file}.lock`);
    await a.close();
    expect(existsSync(`${file}.lock`)).toBe(false);
    await openAdapter(file);
  });

  it('takes over a lock whose process is gone', async () => {
    const file = tempFile();
    const pid = deadPid();
    writeFileSync(`${file}.lock`, JSON.stringify({ pid, host: hostname(), at: '2025-01-01T00:00:00Z' }));
    await openAdapter(file);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(process.pid);
  });

  it('takes over a lock from before a reboot even if its pid is alive now', async () => {
    const file = tempFile();
    // pid 1 is always alive; the boot id says it is another boot's pid 1.
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: 1, host: hostname(), bootId: 'another-boot', at: 'x' }));
    await openAdapter(file);
    expect(JSON.parse(readFileSync(`${file}.lock`, 'utf8')).pid).toBe(process.pid);
  });

  it('takes over an unreadable lock and a lock with our own pid that we do not hold (container restart)', async () => {
    const f1 = tempFile();
    writeFileSync(`${f1}.lock`, '');
    await openAdapter(f1);
    const f2 = tempFile();
    writeFileSync(`${f2}.lock`, JSON.stringify({ pid: process.pid, host: hostname(), at: 'x' }));
    await openAdapter(f2);
    expect(JSON.parse(readFileSync(`${f2}.lock`, 'utf8')).pid).toBe(process.pid);
  });

  it('does not take over a lock held by a live process', async () => {
    const file = tempFile();
    writeFileSync(`${file}.lock`, JSON.stringify({ pid: process.ppid, host: hostname(), at: 'x' }));
    await expect(DurableFileAdapter.open(file)).rejects.toThrow(`pid ${process.ppid}`);
  });

  it('rejects writes after close', async () => {
    const a = await DurableFileAdapter.open<{ n: number }>(tempFile());
    await a.close();
    await expect(a.write({ n: 1 })).rejects.toThrow(/closed/);
  });
});
