// A real mosquitto broker for tests: its own config on a free port, persistence in a temp folder (so
// a restart keeps sessions and queued messages), no limit on queued messages (mosquitto otherwise
// drops QoS 1 messages for a subscriber that falls behind: docs/dependencies.md#mqtt).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';

export const MOSQUITTO = '/usr/sbin/mosquitto';

export interface Mosquitto {
  port: number;
  url: string;
  /** Stops mosquitto cleanly (it saves its persistence file) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** What mosquitto logged, for a failing test's message. */
  output(): string;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startMosquitto(): Promise<Mosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'medgate-mosquitto-'));
  const port = await freePort();
  const config = join(dir, 'mosquitto.conf');
  writeFileSync(
    config,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'max_queued_messages 0',
      'persistence true',
      `persistence_location ${dir}/`,
      // When run as root mosquitto would switch to user "mosquitto", who cannot write our temp folder.
      `user ${userInfo().username}`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      '',
    ].join('\n'),
  );
  let log = '';
  let proc: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const p = spawn(MOSQUITTO, ['-c', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc = p;
    p.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    p.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    let failed: Error | undefined;
    p.on('error', (err) => (failed = err));
    for (let i = 0; i < 250; i++) {
      if (failed) throw new Error(`mosquitto could not start: ${failed.message}`);
      if (p.exitCode !== null) throw new Error(`mosquitto exited (${p.exitCode}): ${log}`);
      if (await accepts(port)) return;
      await sleep(20);
    }
    throw new Error(`mosquitto did not accept connections on ${port} within 5 s: ${log}`);
  };

  const halt = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGTERM');
    const killer = setTimeout(() => p.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(killer);
  };

  await launch();
  return {
    port,
    url: `mqtt://127.0.0.1:${port}`,
    restart: async () => {
      await halt();
      await launch();
    },
    stop: async () => {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
    output: () => log,
  };
}
