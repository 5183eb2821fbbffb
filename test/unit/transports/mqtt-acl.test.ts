import { describe, expect, it } from 'vitest';
import { publishRefusal, subscribeAllowed } from '../../../src/transports/mqtt-acl.ts';

const base = { allowed: ['clinic/ekg/cart-1/#'], topic: 'clinic/ekg/cart-1/aecg', retain: false, deviceListens: true };

describe('publishRefusal', () => {
  it("allows a device's own topic where a device listens", () => {
    expect(publishRefusal(base)).toBeUndefined();
  });

  it.each([
    [{ allowed: undefined }, /no "publish" topics/],
    [{ allowed: [] }, /no "publish" topics/],
    [{ topic: 'clinic/ekg/cart-2/aecg' }, /outside this user's/],
    [{ retain: true }, /retained/],
    [{ deviceListens: false }, /no configured device listens/],
    [{ topic: '$SYS/broker/x', allowed: ['#'] }, /reserved/],
    // '#' does not reach $ topics [MQTT-4.7.2-1], and the $ check comes first anyway.
    [{ topic: '$share/x', allowed: ['$share/#'] }, /reserved/],
  ])('refuses %o', (change, why) => {
    expect(publishRefusal({ ...base, ...change })).toMatch(why);
  });
});

describe('subscribeAllowed', () => {
  it('only the gateway itself subscribes, never to $SYS', () => {
    expect(subscribeAllowed(false, 'clinic/#')).toBe(false);
    expect(subscribeAllowed(false, '#')).toBe(false);
    expect(subscribeAllowed(true, 'clinic/#')).toBe(true);
    expect(subscribeAllowed(true, '$SYS/#')).toBe(false);
  });
});
