// The API bearer token: from MEDGATE_API_TOKEN when set, else created once in <dataDir>/api-token (0600).
// There is no default token: a fresh install gets a random one.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface ApiToken {
  token: string;
  source: 'environment' | 'file' | 'created';
  file?: string;
}

export async function ensureApiToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<ApiToken> {
  const fromEnv = env.MEDGATE_API_TOKEN?.trim();
  if (fromEnv) return { token: fromEnv, source: 'environment' };
  const file = join(dataDir, 'api-token');
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (token.length >= 16) {
      await chmod(file, 0o600);
      return { token, source: 'file', file };
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dataDir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  await writeFile(file, `${token}\n`, { mode: 0o600 });
  return { token, source: 'created', file };
}

export function tokenMatches(expected: string, presented: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}
