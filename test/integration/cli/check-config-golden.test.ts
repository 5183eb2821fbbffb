// Golden tests: `medgate check-config` on each bad file in test/fixtures/config-errors/, compared
// exactly with NAME.expected.txt: what it prints on stdout, then stderr, then `[exit N]`. Every case
// runs the command's own `run` in this process with the console captured (a tsx process per case
// took a minute); two cases also run through the real CLI entry (src/cli.ts with tsx) and must print
// the same. The file is named relative to the repository, so the output holds no temporary path.
//
// To add a case: write NAME.json there (one mistake a technician makes, in an otherwise good file),
// then regenerate and read the new NAME.expected.txt before committing it:
//
//   UPDATE_GOLDEN=1 npx vitest run test/integration/cli/check-config-golden.test.ts
//
// unknown-driver.expected.txt lists every driver (alphabetically): adding a driver changes it.

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../../src/commands/check-config.ts';
import { CLI, ROOT } from '../../support/gateway-process.ts';

const FOLDER = 'test/fixtures/config-errors';
const UPDATE = process.env.UPDATE_GOLDEN === '1';

/**
 * Only our words: Node's own warnings ("(node:123) ExperimentalWarning ...") are not the command's,
 * and a regular expression's fault is in V8's words, which change with the Node version.
 */
function ours(output: string): string {
  return output
    .split('\n')
    .filter((line) => !/^\(node:\d+\) |^\(Use `node --trace-/.test(line))
    .map((line) => line.replace(/(not a valid regular expression): .*/, "$1: (the regular expression engine's reason)"))
    .join('\n');
}

const transcript = (stdout: string, stderr: string, code: number | null) => ours(`${stdout}${stderr}[exit ${code}]\n`);

/** The command run here, its console captured; the path as given on a command line in the repository. */
async function checkConfigHere(file: string): Promise<string> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const line =
    (to: string[]) =>
    (...args: unknown[]) =>
      void to.push(`${args.map(String).join(' ').replaceAll(`${ROOT}/`, '')}\n`);
  vi.spyOn(console, 'log').mockImplementation(line(stdout));
  vi.spyOn(console, 'warn').mockImplementation(line(stderr));
  vi.spyOn(console, 'error').mockImplementation(line(stderr));
  const code = await run([join(ROOT, file)]);
  vi.restoreAllMocks();
  return transcript(stdout.join(''), stderr.join(''), code);
}

/** The command through the real entry, as a technician runs it. */
function checkConfigCli(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'check-config', file], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('exit', (code) => resolve(transcript(stdout, stderr, code)));
  });
}

const cases = readdirSync(join(ROOT, FOLDER))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

const golden = (name: string) => join(ROOT, FOLDER, `${name}.expected.txt`);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('check-config on bad files (golden output)', () => {
  it('has a corpus of at least twelve bad files, each with its expected output', () => {
    expect(cases.length).toBeGreaterThanOrEqual(12);
    if (!UPDATE) for (const name of cases) expect(existsSync(golden(name)), name).toBe(true);
  });

  describe.each(cases)('%s', (name) => {
    it('prints what the golden file says and exits 1', async () => {
      const output = await checkConfigHere(`${FOLDER}/${name}.json`);
      if (UPDATE) writeFileSync(golden(name), output);
      expect(output).toBe(readFileSync(golden(name), 'utf8'));
      expect(output.endsWith('[exit 1]\n')).toBe(true);
    });
  });

  // The issue's case, and a file that is not JSON: through src/cli.ts as a technician runs it.
  it.each(['short-broker-password', 'malformed-json'])('%s: the real CLI prints the same', { timeout: 60_000 }, async (name) => {
    expect(await checkConfigCli(`${FOLDER}/${name}.json`)).toBe(readFileSync(golden(name), 'utf8'));
  });

  it('compares only its own lines: a Node warning and V8 words for a regular expression are left out', () => {
    const raw = '(node:4242) ExperimentalWarning: something\n(Use `node --trace-warnings ...` to show where the warning was created)\n';
    expect(transcript('', `${raw}  a: not a valid regular expression: Invalid regular expression: /(/: Unterminated group\n`, 1)).toBe(
      "  a: not a valid regular expression: (the regular expression engine's reason)\n[exit 1]\n",
    );
  });
});
