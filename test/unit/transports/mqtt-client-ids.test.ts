import { describe, expect, it } from 'vitest';
import { ClientIdBindings, MAX_IDS_PER_USER } from '../../../src/transports/mqtt-client-ids.ts';

describe('ClientIdBindings', () => {
  it('an id belongs to the first user; the same user may come back on it', () => {
    const b = new ClientIdBindings();
    expect(b.claim('cart-1', 'alice')).toBe('ok');
    b.connected('cart-1', 'alice');
    expect(b.claim('cart-1', 'mallory')).toBe('taken');
    expect(b.claim('cart-1', 'alice')).toBe('ok');
  });

  it('a persistent session keeps its id bound after disconnecting; a clean one frees it', () => {
    const b = new ClientIdBindings();
    b.claim('kept', 'alice');
    b.connected('kept', 'alice');
    b.disconnected('kept', false);
    expect(b.claim('kept', 'mallory')).toBe('taken');
    b.claim('clean', 'alice');
    b.connected('clean', 'alice');
    b.disconnected('clean', true);
    expect(b.claim('clean', 'mallory')).toBe('ok');
  });

  it('a takeover by the same user keeps the id bound (aedes closes the old connection before the new one registers)', () => {
    const b = new ClientIdBindings();
    b.claim('id', 'alice');
    b.connected('id', 'alice');
    expect(b.claim('id', 'alice')).toBe('ok');
    b.disconnected('id', true); // the old connection, taken over
    b.connected('id', 'alice');
    expect(b.claim('id', 'mallory')).toBe('taken');
  });

  it('bounds the ids one user holds: the oldest idle goes, none in use', () => {
    const b = new ClientIdBindings();
    for (let i = 0; i < MAX_IDS_PER_USER; i++) {
      b.claim(`id-${i}`, 'alice');
      if (i > 0) b.connected(`id-${i}`, 'alice');
    }
    expect(b.claim('one-more', 'alice')).toBe('ok');
    expect(b.size).toBe(MAX_IDS_PER_USER);
    expect(b.claim('id-0', 'mallory')).toBe('ok'); // id-0 was idle and was dropped
    b.connected('one-more', 'alice');
    expect(b.claim('yet-another', 'alice')).toBe('too-many');
  });
});
