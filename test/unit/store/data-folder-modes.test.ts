import { chmodSync, lstatSync, mkdirSync, mkdtempSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tightenFolder } from '../../../src/store/data-folder-modes.ts';

const mode = (p: string) => lstatSync(p).mode & 0o777;

describe('tightenFolder', () => {
  it('makes folders 0700 and files 0600 all the way down, and leaves what a link points to alone', async () => {
    const root = mkdtempSync(join(tmpdir(), 'medgate-modes-'));
    const data = join(root, 'data');
    mkdirSync(join(data, 'history'), { recursive: true, mode: 0o755 });
    writeFileSync(join(data, 'history', '2025-01-01.jsonl'), '', { mode: 0o644 });
    writeFileSync(join(data, 'users.json'), '', { mode: 0o666 });
    writeFileSync(join(data, 'api-token'), '', { mode: 0o600 });
    const outside = join(root, 'shared.txt');
    writeFileSync(outside, '', { mode: 0o644 });
    symlinkSync(outside, join(data, 'link'));
    // Whatever this process's umask: the modes an earlier version left under 022.
    for (const [p, m] of [
      [data, 0o755],
      [join(data, 'history'), 0o755],
      [join(data, 'history', '2025-01-01.jsonl'), 0o644],
      [join(data, 'users.json'), 0o666],
      [join(data, 'api-token'), 0o600],
      [outside, 0o644],
    ] as const)
      chmodSync(p, m);
    const report = await tightenFolder(data);
    expect([mode(data), mode(join(data, 'history'))]).toEqual([0o700, 0o700]);
    expect([mode(join(data, 'history', '2025-01-01.jsonl')), mode(join(data, 'users.json')), mode(join(data, 'api-token'))]).toEqual([0o600, 0o600, 0o600]);
    expect(statSync(outside).mode & 0o777).toBe(0o644);
    expect(report).toEqual({ changed: 4, failed: 0 });
  });
});
