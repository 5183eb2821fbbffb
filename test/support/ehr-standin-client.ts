// Test-side handle on the EHR stand-in process (test/support/ehr-standin.ts).

import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export type StandinMode = 'AA' | 'AE' | 'AR' | 'CA' | 'silent' | 'close';

export interface ReceivedMessage {
  controlId: string;
  type: string;
  text: string;
  fields: Record<string, string>;
  ack: StandinMode;
  duplicate: boolean;
}

export interface EhrStandin {
  port: number;
  process: ChildProcess;
  /** Every message the stand-in received, in order. */
  messages: ReceivedMessage[];
  /** Resolves with the messages once at least n have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  /** Default answer from now on; resolves once the stand-in has taken it. */
  setMode(mode: StandinMode): Promise<void>;
  /** Answers for the next messages, then the default again; resolves once taken. */
  script(modes: StandinMode[]): Promise<void>;
  /** Graceful stop (SIGTERM); resolves when the process has exited and the port is free. */
  stop(): Promise<void>;
  kill(signal?: NodeJS.Signals): void;
}

const STANDIN = fileURLToPath(new URL('./ehr-standin.ts', import.meta.url));

interface Event {
  event: string;
  [key: string]: unknown;
}

export async function startEhrStandin(opts: { port?: number; host?: string } = {}): Promise<EhrStandin> {
  const proc = spawn(process.execPath, ['--import', 'tsx', STANDIN, '--port', String(opts.port ?? 0), '--host', opts.host ?? '127.0.0.1'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  const messages: ReceivedMessage[] = [];
  const listeners = new Set<(e: Event) => void>();
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
    for (const l of listeners) l({ event: 'exit' });
  });

  createInterface({ input: proc.stdout! }).on('line', (line) => {
    let e: Event;
    try {
      e = JSON.parse(line) as Event;
    } catch {
      return;
    }
    if (e.event === 'message') messages.push(e as unknown as ReceivedMessage);
    for (const l of listeners) l(e);
  });

  function until<T>(test: (e: Event) => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        listeners.delete(listener);
      };
      const listener = (e: Event): void => {
        if (e.event === 'exit') {
          done();
          reject(new Error(`EHR stand-in exited while waiting for ${what}; stderr: ${stderr.slice(-2000)}`));
          return;
        }
        const result = test(e);
        if (result !== undefined) {
          done();
          resolve(result);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`EHR stand-in: no ${what} within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
      }, timeoutMs);
      listeners.add(listener);
      if (hasExited) listener({ event: 'exit' });
    });
  }

  const port = await until((e) => (e.event === 'listening' && typeof e.port === 'number' ? e.port : undefined), 15_000, 'listening line');

  const command = async (cmd: Record<string, unknown>): Promise<void> => {
    const answered = until((e) => (e.event === 'mode' ? true : e.event === 'commandError' ? new Error(String(e.error)) : undefined), 5_000, 'command echo');
    proc.stdin!.write(JSON.stringify(cmd) + '\n');
    const result = await answered;
    if (result instanceof Error) throw result;
  };

  return {
    port,
    process: proc,
    messages,
    waitFor: async (n, timeoutMs = 10_000) => {
      if (messages.length >= n) return [...messages];
      await until((e) => (e.event === 'message' && messages.length >= n ? true : undefined), timeoutMs, `${n} messages (have ${messages.length})`);
      return [...messages];
    },
    setMode: (mode) => command({ mode }),
    script: (modes) => command({ next: modes }),
    stop: async () => {
      if (!hasExited) {
        proc.kill('SIGTERM');
        await exited;
      }
    },
    kill: (signal = 'SIGKILL') => {
      proc.kill(signal);
    },
  };
}
