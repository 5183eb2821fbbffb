import { describe, expect, it } from 'vitest';
import { hashPassword, parsePasswordHash, verifyPassword } from '../../../../src/web/auth/password.ts';

describe('password hashing', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
    expect(await verifyPassword('', stored)).toBe(false);
  });

  it('stores scrypt$15$8$1$<16-byte salt>$<64-byte hash>, without the password', async () => {
    const stored = await hashPassword('correct horse battery');
    expect(stored).toMatch(/^scrypt\$15\$8\$1\$[A-Za-z0-9+/]+={0,2}\$[A-Za-z0-9+/]+={0,2}$/);
    const [, , , , salt, hash] = stored.split('$');
    expect(Buffer.from(salt ?? '', 'base64')).toHaveLength(16);
    expect(Buffer.from(hash ?? '', 'base64')).toHaveLength(64);
    expect(stored).not.toContain('correct');
  });

  it('salts every hash differently', async () => {
    const [a, b] = await Promise.all([hashPassword('same password!'), hashPassword('same password!')]);
    expect(a).not.toBe(b);
    expect(a?.split('$')[4]).not.toBe(b?.split('$')[4]);
    expect(await verifyPassword('same password!', b ?? '')).toBe(true);
  });

  it('reads the cost from the stored string, so older or cheaper hashes still verify', async () => {
    const cheap = await hashPassword('another password', { log2N: 10, r: 8, p: 1 });
    expect(cheap.startsWith('scrypt$10$8$1$')).toBe(true);
    expect(await verifyPassword('another password', cheap)).toBe(true);
  });

  it('refuses malformed or out-of-bounds hashes instead of throwing', async () => {
    for (const bad of [
      '',
      'plain text',
      'scrypt$15$8$1$abc',
      'bcrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA',
      'scrypt$30$8$1$AAAAAAAAAAAAAAAAAAAAAA==$' + 'A'.repeat(88),
    ]) {
      expect(typeof parsePasswordHash(bad)).toBe('string');
      expect(await verifyPassword('whatever', bad)).toBe(false);
    }
  });
});
