// Errors are logged under one key, `error`, as one string: the message, and at debug the stack.
// The gateway's own code never logs under `err` (a journal search for `error` must find them all).

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type LogLevel } from '../../../src/logging.ts';
import { PACKAGE_ROOT } from '../../../src/package-root.ts';

function logger(level: LogLevel) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { log: createLogger({ level, pretty: false, destination }), lines };
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'page' ? [] : sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('the error key', () => {
  const boom = () => new Error('EHR connection refused', { cause: new Error('ECONNREFUSED 127.0.0.1:2575') });

  it('holds the message above debug, with its cause', () => {
    const { log, lines } = logger('info');
    log.error({ error: boom(), destination: 'ehr' }, 'delivery failed');
    log.warn({ error: 'already a string' }, 'said');
    expect(lines.map((l) => l.error)).toEqual(['EHR connection refused (cause: ECONNREFUSED 127.0.0.1:2575)', 'already a string']);
  });

  it('holds every error of an AggregateError (a connect to a name with two addresses) and a chain of causes', () => {
    const { log, lines } = logger('info');
    const refused = (address: string) => Object.assign(new Error(`connect ECONNREFUSED ${address}:2575`), { code: 'ECONNREFUSED' });
    const both = Object.assign(new AggregateError([refused('127.0.0.1'), refused('::1')], ''), { code: 'ECONNREFUSED' });
    log.error({ error: both }, 'connect failed');
    log.error({ error: new Error('a', { cause: new Error('b', { cause: new Error('c') }) }) }, 'chained');
    expect(lines.map((l) => l.error)).toEqual(['ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:2575; connect ECONNREFUSED ::1:2575)', 'a (cause: b (cause: c))']);
  });

  it('holds the stack at debug', () => {
    const { log, lines } = logger('debug');
    log.error({ error: boom() }, 'delivery failed');
    const text = String(lines[0]!.error);
    expect(text.startsWith('Error: EHR connection refused\n    at ')).toBe(true);
    expect(text).toContain('error-key.test.ts');
  });

  it('is the only key the code logs errors under', () => {
    const offenders: string[] = [];
    for (const root of ['src', 'drivers', 'simulators']) {
      for (const file of sources(join(PACKAGE_ROOT, root))) {
        readFileSync(file, 'utf8')
          .split('\n')
          .forEach((line, i) => {
            if (/\.(?:fatal|error|warn|info|debug|trace)\(\s*\{(?:[^}]*,)?\s*err\s*[:,}]/.test(line))
              offenders.push(`${relative(PACKAGE_ROOT, file)}:${i + 1}`);
          });
      }
    }
    expect(offenders).toEqual([]);
  });
});
