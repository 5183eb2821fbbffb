// The API bearer token: from MEDGATE_API_TOKEN when set, else created once in <dataDir>/api-token (0600).
// There is no default token: a fresh install gets a random one. A short token is refused at start:
// guesses against it are cheap however slowly they are let through.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StartRefused } from '../model/start-refused.ts';

export interface ApiToken {
  token: string;
  source: 'environment' | 'file' | 'created';
  file?: string;
}

/** 32 characters of base64url carry 192 bits; a person-made token of that length is still hard to guess. */
export const TOKEN_MIN_LENGTH = 32;

export class ShortTokenError extends StartRefused {
  constructor(where: string, length: number) {
    super(`${where} has ${length} character(s); the API token needs at least ${TOKEN_MIN_LENGTH}: set a longer one (e.g. \`openssl rand -base64 32\`)`);
    this.name = 'ShortTokenError';
  }
}

export async function ensureApiToken(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<ApiToken> {
  const fromEnv = env.MEDGATE_API_TOKEN?.trim();
  if (fromEnv) {
    if (fromEnv.length < TOKEN_MIN_LENGTH) throw new ShortTokenError('MEDGATE_API_TOKEN', fromEnv.length);
    return { token: fromEnv, source: 'environment' };
  }
  const file = join(dataDir, 'api-token');
  try {
    const token = (await readFile(file, 'utf8')).trim();
    if (token.length > 0 && token.length < TOKEN_MIN_LENGTH) throw new ShortTokenError(`${file} (delete it to get a new token)`, token.length);
    if (token.length > 0) {
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
