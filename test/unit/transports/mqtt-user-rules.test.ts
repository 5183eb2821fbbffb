import { describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.ts';
import { configWarnings } from '../../../src/config/validate.ts';
import { embeddedUserProblems, embeddedUserWarnings } from '../../../src/transports/mqtt-user-rules.ts';
import { gatewayConfig } from '../../support/configs.ts';

function config(users: Array<{ username: string; password: string; publish?: string[] }>): Config {
  return gatewayConfig('/tmp/x', 9, [{ id: 'ekg-2', driver: 'ekg-aecg', transport: { type: 'mqtt', topic: 'clinic/ekg/+/aecg' } }], {
    mqtt: { embedded: { host: '127.0.0.1', port: 1883, users } },
  });
}

describe('embedded broker user rules', () => {
  it('a user without "publish" is a warning that names the topics the MQTT devices listen on', () => {
    const w = embeddedUserWarnings(config([{ username: 'cart', password: 'cart-password' }]));
    expect(w).toEqual([{ path: 'mqtt.embedded.users[0].publish', message: expect.stringContaining('"clinic/ekg/+/aecg"') }]);
    expect(w[0]!.message).toMatch(/may publish nothing/);
    // check-config and the start print it.
    expect(configWarnings(config([{ username: 'cart', password: 'cart-password' }])).map((x) => x.path)).toContain('mqtt.embedded.users[0].publish');
  });

  it('MQTT devices with an embedded broker that has no user at all is a warning (also when mqtt is left out)', () => {
    expect(embeddedUserWarnings(config([])).map((w) => w.path)).toEqual(['mqtt.embedded.users']);
    const { mqtt: _mqtt, ...withoutMqtt } = config([]);
    expect(embeddedUserWarnings(withoutMqtt).map((w) => w.path)).toEqual(['mqtt.embedded.users']);
    expect(embeddedUserWarnings({ ...config([]), devices: [] })).toEqual([]);
  });

  it('a publish filter that reaches no device is a warning; one that does is fine', () => {
    expect(embeddedUserWarnings(config([{ username: 'cart', password: 'cart-password', publish: ['clinic/ekg/cart-1/aecg'] }]))).toEqual([]);
    expect(embeddedUserWarnings(config([{ username: 'cart', password: 'cart-password', publish: ['clinic/ekg/cart-1/#'] }]))).toEqual([]);
    const w = embeddedUserWarnings(config([{ username: 'cart', password: 'cart-password', publish: ['clinic/vitals/#'] }]));
    expect(w).toEqual([{ path: 'mqtt.embedded.users[0].publish[0]', message: expect.stringMatching(/reaches no MQTT device's topic/) }]);
  });

  it('a $ topic or an invalid filter is an error', () => {
    const p = embeddedUserProblems(config([{ username: 'cart', password: 'cart-password', publish: ['$SYS/#', 'a/#/b', 'ok/+'] }]));
    expect(p.map((x) => x.path)).toEqual(['mqtt.embedded.users[0].publish[0]', 'mqtt.embedded.users[0].publish[1]']);
  });
});
