// The API token: a short one is refused at start with a message that says what to do (issue 13).

import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureApiToken, ShortTokenError, TOKEN_MIN_LENGTH } from '../../../src/web/token.ts';

let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

describe('ensureApiToken', () => {
  it('refuses MEDGATE_API_TOKEN shorter than 32 characters, naming the variable and the minimum', async () => {
    dir = await mkdtemp(join(tmpdir(), 'medgate-token-'));
    await expect(ensureApiToken(dir, { MEDGATE_API_TOKEN: 'x' })).rejects.toThrow(ShortTokenError);
    await expect(ensureApiToken(dir, { MEDGATE_API_TOKEN: 'a'.repeat(TOKEN_MIN_LENGTH - 1) })).rejects.toThrow(
      /MEDGATE_API_TOKEN has 31 character\(s\); the API token needs at least 32/,
    );
    expect((await ensureApiToken(dir, { MEDGATE_API_TOKEN: 'a'.repeat(TOKEN_MIN_LENGTH) })).source).toBe('environment');
  });

  it('refuses a short token file, and creates a 32-character one (0600) when there is none', async () => {
    dir = await mkdtemp(join(tmpdir(), 'medgate-token-'));
    const created = await ensureApiToken(dir, {});
    expect(created.source).toBe('created');
    expect(created.token.length).toBeGreaterThanOrEqual(TOKEN_MIN_LENGTH);
    expect((await stat(join(dir, 'api-token'))).mode & 0o777).toBe(0o600);
    expect((await ensureApiToken(dir, {})).token).toBe(created.token);
    await writeFile(join(dir, 'api-token'), 'short-token-20-chars\n');
    await expect(ensureApiToken(dir, {})).rejects.toThrow(/api-token \(delete it to get a new token\) has 20 character/);
    expect(await readFile(join(dir, 'api-token'), 'utf8')).toBe('short-token-20-chars\n');
  });
});
