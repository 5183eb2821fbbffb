// Start-up time and idle memory of the compiled gateway (bin/medgate.js with NODE_FLAGS, as `npm start` runs it), on
// the demo configuration (its simulators, built-in EHR, inbound feed and embedded broker, every port
// moved to a free one) and on the same with 50 configured devices.

import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { NODE_FLAGS } from '../src/node-flags.ts';
import { demoConfig } from '../test/support/demo-config.ts';
import { ROOT, tempDir } from '../test/support/gateway-process.ts';

const IDLE_AFTER_READY_MS = 10_000;

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
  return Math.round(kb / 1024);
}

/** Other processes the gateway started (there should be none): their memory counts too. */
function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export interface StartupFigures {
  ready_ms: number;
  idle_rss_mb: number;
  children: number;
}

async function startOnce(devices?: number): Promise<StartupFigures> {
  const dir = tempDir('medgate-bench-start-');
  const config = await demoConfig(dir, devices);
  const file = join(dir, 'medgate.json');
  writeFileSync(file, JSON.stringify(config));
  const url = `http://127.0.0.1:${config.web.port}/healthz`;
  const started = performance.now();
  const child = spawn(process.execPath, [...NODE_FLAGS, join(ROOT, 'bin', 'medgate.js'), 'start', '--config', file], {
    env: { ...process.env, MEDGATE_API_TOKEN: 'bench-token-0123456789abcdef-0123456789', MEDGATE_LOG_PRETTY: '0' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  try {
    let ready_ms: number | undefined;
    while (ready_ms === undefined) {
      if (child.exitCode !== null) throw new Error(`gateway exited (${child.exitCode}): ${stderr}`);
      if (performance.now() - started > 120_000) throw new Error(`gateway not ready in 120 s: ${stderr}`);
      const ok = await fetch(url).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) ready_ms = Math.round(performance.now() - started);
      else await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, IDLE_AFTER_READY_MS));
    const pid = child.pid!;
    const kids = childPids(pid);
    const idle_rss_mb = rssMb(pid) + kids.reduce((sum, k) => sum + rssMb(k), 0);
    return { ready_ms, idle_rss_mb, children: kids.length };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The median of three starts, each on a new data folder: one start is at the mercy of the machine. */
export async function measureStartup(devices?: number, runs = 3): Promise<StartupFigures> {
  const all: StartupFigures[] = [];
  for (let i = 0; i < runs; i++) all.push(await startOnce(devices));
  return {
    ready_ms: median(all.map((f) => f.ready_ms)),
    idle_rss_mb: median(all.map((f) => f.idle_rss_mb)),
    children: Math.max(...all.map((f) => f.children)),
  };
}
