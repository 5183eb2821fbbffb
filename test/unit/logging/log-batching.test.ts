// Standard output's lines go out in batches (a write to a pipe wakes its reader, which costs more
// than making the line): a line still reaches the reader on its own, soon, while the process runs;
// and however the process ends short of a kill, no line that was logged is lost.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const LOGGING = fileURLToPath(new URL('../../../src/logging.ts', import.meta.url));

/** Runs `body` in a fresh node process with `log` a machine (JSON) logger on stdout; resolves with its stdout lines and exit code. */
function run(body: string, onLine?: (line: string, child: ReturnType<typeof spawn>) => void): Promise<{ lines: string[]; code: number | null }> {
  const script = `import { createLogger } from ${JSON.stringify(LOGGING)}; const log = createLogger({ pretty: false }); ${body}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let rest = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    rest += chunk;
    for (let nl = rest.indexOf('\n'); nl >= 0; nl = rest.indexOf('\n')) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      lines.push(line);
      onLine?.(line, child);
    }
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ lines, code })));
}

const msgs = (lines: string[]) => lines.map((l) => (JSON.parse(l) as { msg: string }).msg);

describe('log batching', () => {
  it('delivers a lone line while the process keeps running', async () => {
    // The process only exits once the reader has seen the line: a line held until exit would hang here.
    const { lines, code } = await run(`log.info('alone'); setInterval(() => {}, 1000);`, (_line, child) => child.kill('SIGTERM'));
    expect(msgs(lines)).toEqual(['alone']);
    expect(code).toBe(null);
  }, 30_000);

  it('delivers a burst of lines while the process keeps running, not only at exit', async () => {
    let seen = 0;
    const { lines } = await run(`for (let i = 0; i < 3000; i++) log.info({ i }, 'burst'); setInterval(() => {}, 1000);`, (_line, child) => {
      if (++seen === 3000) child.kill('SIGTERM');
    });
    expect(lines).toHaveLength(3000);
  }, 30_000);

  it('writes a warning at once, with what waited before it: an abort right after loses neither', async () => {
    const { lines, code } = await run(`log.info('before'); log.warn('about to fail'); process.abort();`);
    expect(code).toBe(null); // killed by SIGABRT: no exit hook ran
    expect(msgs(lines)).toEqual(['before', 'about to fail']);
  }, 30_000);

  it('loses no line when the process exits at once, by process.exit or by an uncaught exception', async () => {
    const exit = await run(`for (let i = 0; i < 500; i++) log.info({ i }, 'line'); process.exit(3);`);
    expect(exit.code).toBe(3);
    expect(exit.lines).toHaveLength(500);
    const thrown = await run(`log.info('before'); log.warn('last words'); setImmediate(() => { throw new Error('boom'); });`);
    expect(thrown.code).toBe(1);
    expect(msgs(thrown.lines)).toEqual(['before', 'last words']);
  }, 30_000);

  it('writes many lines in few writes', async () => {
    // 2,000 lines logged within one turn: far fewer chunks reach the reader than lines.
    let chunks = 0;
    const script = `for (let i = 0; i < 2000; i++) log.info({ i }, 'line');`;
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        `import { createLogger } from ${JSON.stringify(LOGGING)}; const log = createLogger({ pretty: false }); ${script}`,
      ],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      chunks++;
      text += c;
    });
    await new Promise((r) => child.once('close', r));
    expect(text.trim().split('\n')).toHaveLength(2000);
    expect(chunks).toBeLessThan(200);
  }, 30_000);
});
