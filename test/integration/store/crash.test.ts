// SIGKILL a process that is writing the state store: everything it was told is durable must be there.
// (A SIGKILL keeps the page cache, so this proves the ordering of "resolve after write", the atomic
// rename and the lock takeover; the fsyncs that survive a power cut cannot be tested without one.)

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateStore } from '../../../src/store/state-store.ts';

const child = resolve(import.meta.dirname, '../../support/store-crash-child.ts');

async function runAndKill(file: string, prefix: string, killAfter: number): Promise<number[]> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, file, prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((res) => proc.on('exit', (_code, signal) => res(signal)));
  await new Promise<void>((res, rej) => {
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const count = out.split('\n').length;
      if (count > killAfter && !proc.killed) {
        proc.kill('SIGKILL');
        res();
      }
    });
    proc.on('exit', () => rej(new Error(`child exited before it was killed: ${err}`)));
  });
  expect(await exited).toBe('SIGKILL');
  // Everything the child wrote before it died is in the pipe; 'exit' may come before the last 'data'.
  await new Promise<void>((res) => (proc.stdout.readableEnded ? res() : proc.stdout.on('end', () => res())));
  return out
    .split('\n')
    .filter((l) => /^\d+$/.test(l))
    .map(Number);
}

describe('state store under SIGKILL', () => {
  it('keeps every update the killed process reported durable, across two crashes', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'medgate-crash-')), 'state.json');
    for (const [prefix, killAfter] of [
      ['a', 300],
      ['b', 150],
    ] as const) {
      const durable = await runAndKill(file, prefix, killAfter);
      expect(durable.length).toBeGreaterThanOrEqual(killAfter - 1);
      expect(existsSync(`${file}.lock`)).toBe(true); // left behind by the killed process
      // Reopening takes over the stale lock.
      const store = await StateStore.open(file);
      try {
        const missing = durable.filter((n) => !store.data.bindings[`${prefix}${n}`]);
        expect(missing).toEqual([]);
      } finally {
        await store.close();
      }
    }
  });
});
