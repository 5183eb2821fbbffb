// A linked pty pair made by socat: behaves like a null-modem cable between two paths.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface PtyPair {
  /** The end the gateway (or driver under test) opens. */
  a: string;
  /** The end the simulator opens. */
  b: string;
  process: ChildProcess;
  close(): Promise<void>;
  /**
   * The cable pulled: socat dies at once and both paths go, as a USB adapter's device node does. A
   * path left pointing at the dead /dev/pts/N would open whichever process gets that pty next.
   */
  unplug(): Promise<void>;
}

export async function openPtyPair(dir = mkdtempSync(join(tmpdir(), 'medgate-pty-'))): Promise<PtyPair> {
  const a = join(dir, 'gateway');
  const b = join(dir, 'device');
  const proc = spawn('socat', [`pty,raw,echo=0,link=${a}`, `pty,raw,echo=0,link=${b}`], { stdio: 'ignore' });
  let failed: Error | undefined;
  proc.on('error', (err) => {
    failed = err;
  });
  for (let i = 0; i < 200 && !(existsSync(a) && existsSync(b)); i++) {
    if (failed) throw new Error(`socat could not start (is Debian's socat installed?): ${failed.message}`);
    await sleep(10);
  }
  if (!(existsSync(a) && existsSync(b))) throw new Error('socat did not create the pty pair within 2 s');
  return {
    a,
    b,
    process: proc,
    close: async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await exited;
    },
    unplug: async () => {
      // The paths first: from the moment the pty is free again nothing may lead to it.
      rmSync(a, { force: true });
      rmSync(b, { force: true });
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    },
  };
}
