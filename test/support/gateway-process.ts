// Runs the gateway as its own process (`medgate start --config FILE`), as a clinic would, and
// collects its JSON log lines so tests can wait for what it says.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../src/config/schema.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'src/cli.ts');

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface GatewayProcess {
  url: string;
  token: string;
  configFile: string;
  logs: LogLine[];
  /** Each log line as written (JSON.parse would hide a key written twice). */
  rawLogs: string[];
  process: ChildProcess;
  waitForLog(pred: (l: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  kill(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

export function tempDir(prefix = 'medgate-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writeConfig(dir: string, config: Config): string {
  const file = join(dir, 'medgate.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

export async function startGatewayProcess(
  config: Config,
  opts: {
    dir?: string;
    token?: string;
    nodeArgs?: string[] /** Start from the file a previous run left (and edited). */;
    keepConfigFile?: boolean /** Added to the process's environment. */;
    env?: NodeJS.ProcessEnv /** An installed `medgate` executable to run instead of the sources. */;
    bin?: string;
  } = {},
): Promise<GatewayProcess> {
  const dir = opts.dir ?? tempDir();
  const configFile = opts.keepConfigFile ? join(dir, 'medgate.json') : writeConfig(dir, config);
  const token = opts.token ?? 'test-token-0123456789abcdef-0123456789';
  const [command, args] = opts.bin ? [opts.bin, []] : [process.execPath, [...(opts.nodeArgs ?? []), '--import', 'tsx', CLI]];
  const child = spawn(command, [...args, 'start', '--config', configFile], {
    cwd: ROOT,
    // An installed executable finds node through its #! line: this node first on PATH.
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, MEDGATE_API_TOKEN: token, MEDGATE_LOG_PRETTY: '0', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  const rawLogs: string[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  let buffer = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      rawLogs.push(line);
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: line, level: 0 });
      }
    }
    for (const w of waiters) w();
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const waitForLog = (pred: (l: LogLine) => boolean, timeoutMs = 15_000, what = 'log line') =>
    new Promise<LogLine>((resolve, reject) => {
      const check = () => {
        const hit = logs.find(pred);
        if (hit) {
          cleanup();
          resolve(hit);
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup();
          reject(
            new Error(
              `gateway exited (${child.exitCode ?? child.signalCode}) before ${what}\nstderr: ${stderr}\nlogs: ${logs.map((l) => JSON.stringify(l)).join('\n')}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}\nstderr: ${stderr}\nlast logs: ${logs
              .slice(-20)
              .map((l) => JSON.stringify(l))
              .join('\n')}`,
          ),
        );
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
        child.off('exit', check);
      };
      waiters.add(check);
      child.on('exit', check);
      check();
    });

  // A gateway that does not start in time is ended here: the caller never gets a handle to stop it.
  const listening = await waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('medgate listening'), 20_000, 'the gateway to listen').catch(
    async (err: unknown) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      throw err;
    },
  );
  const url = String(listening.url);
  return {
    url,
    token,
    configFile,
    logs,
    rawLogs,
    process: child,
    waitForLog,
    api: async <T>(method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
    kill: async (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
