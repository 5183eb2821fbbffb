import { describe, expect, it } from 'vitest';
import { ClientIdBindings, MAX_IDS_PER_USER } from '../../../src/transports/mqtt-client-ids.ts';

describe('ClientIdBindings', () => {
  it('an id belongs to the first user; the same user may come back on it', () => {
    const b = new ClientIdBindings();
    expect(b.claim('cart-1', 'alice')).toBe('ok');
    expect(b.claim('cart-1', 'mallory')).toBe('taken');
    expect(b.claim('cart-1', 'alice')).toBe('ok');
  });

  it('bounds the ids one user holds, and never frees one for another user', () => {
    const b = new ClientIdBindings();
    for (let i = 0; i < MAX_IDS_PER_USER; i++) expect(b.claim(`id-${i}`, 'alice')).toBe('ok');
    expect(b.claim('one-more', 'alice')).toBe('too-many');
    expect(b.claim('id-0', 'alice')).toBe('ok');
    expect(b.claim('id-0', 'mallory')).toBe('taken');
    expect(b.claim('other', 'mallory')).toBe('ok');
    expect(b.size).toBe(MAX_IDS_PER_USER + 1);
  });
});
