// Password hashes: scrypt with a random salt, stored as `scrypt$<log2 N>$<r>$<p>$<salt b64>$<hash b64>`
// so the cost can be raised later without breaking stored hashes.

import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

export interface ScryptParams {
  log2N: number;
  r: number;
  p: number;
}

export const DEFAULT_PARAMS: ScryptParams = { log2N: 15, r: 8, p: 1 };
const KEY_BYTES = 64;
const SALT_BYTES = 16;

interface ParsedHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

// Bounds on what a stored hash may ask for: a tampered users.json must not make a sign-in allocate gigabytes.
const LIMITS = { log2N: [10, 20], r: [1, 32], p: [1, 16] } as const;

function inRange(value: number, [min, max]: readonly [number, number]): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/** The parts of a stored hash, or a reason it is not one. */
export function parsePasswordHash(stored: string): ParsedHash | string {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return 'not of the form scrypt$<log2 N>$<r>$<p>$<salt>$<hash>';
  const [log2N, r, p] = parts.slice(1, 4).map((s) => (/^\d{1,3}$/.test(s ?? '') ? Number(s) : NaN)) as [number, number, number];
  if (!inRange(log2N, LIMITS.log2N) || !inRange(r, LIMITS.r) || !inRange(p, LIMITS.p)) return 'scrypt parameters out of range';
  const b64 = /^[A-Za-z0-9+/]+={0,2}$/;
  if (!b64.test(parts[4] ?? '') || !b64.test(parts[5] ?? '')) return 'salt or hash is not base64';
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const hash = Buffer.from(parts[5] ?? '', 'base64');
  if (salt.length < 16 || hash.length < 32 || hash.length > 128) return 'salt or hash too short';
  return { log2N, r, p, salt, hash };
}

function derive(password: string, salt: Buffer, keyLength: number, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.log2N;
  // scrypt needs 128 * N * r * p bytes; Node's default maxmem (32 MiB) is exactly N=2^15, r=8 with no headroom.
  const options: ScryptOptions = { N, r: params.r, p: params.p, maxmem: 128 * N * params.r * params.p + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_PARAMS): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, KEY_BYTES, params);
  return `scrypt$${params.log2N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** False for a wrong password and for a stored value that is not a hash; compares in constant time. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parsePasswordHash(stored);
  if (typeof parsed === 'string') return false;
  const candidate = await derive(password, parsed.salt, parsed.hash.length, parsed);
  return timingSafeEqual(candidate, parsed.hash);
}
