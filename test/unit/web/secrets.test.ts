// Uplink passwords: never shown, and never carried to a URL they were not given for (issue 13).

import { describe, expect, it } from 'vitest';
import type { DestinationConfig } from '../../../src/config/schema.ts';
import { keepSecrets, redactDestination, redactUrl } from '../../../src/config/secrets.ts';

const stored: DestinationConfig = {
  id: 'up',
  type: 'mqtt',
  url: 'mqtt://gw:url-secret-1@broker.clinic:1883',
  topic: 't',
  username: 'gw',
  password: 'field-secret-2',
};

describe('redaction', () => {
  it('drops user and password from a URL, and leaves a URL without them as written', () => {
    expect(redactUrl('mqtts://user:p%40ss@10.0.0.5:8883/x')).toBe('mqtts://10.0.0.5:8883/x');
    expect(redactUrl('mqtt://10.0.0.5:1883')).toBe('mqtt://10.0.0.5:1883');
    expect(redactUrl('mqtt://user:pw@[bad')).not.toContain('pw');
  });

  it('a destination view carries neither password, and says one is stored', () => {
    const view = redactDestination(stored);
    expect(JSON.stringify(view)).not.toMatch(/secret/);
    expect(view).toMatchObject({ url: 'mqtt://broker.clinic:1883', passwordSet: true });
    const urlOnly = redactDestination({ id: 'u', type: 'mqtt', url: 'mqtt://gw:only-in-url@h:1883', topic: 't' });
    expect(urlOnly).toMatchObject({ url: 'mqtt://h:1883', passwordSet: true });
  });
});

describe('keepSecrets', () => {
  it('an edit of the view at the same URL keeps both stored passwords', () => {
    const kept = keepSecrets({ ...redactDestination(stored), topic: 'other' } as DestinationConfig, stored);
    expect(kept).toMatchObject({ url: 'mqtt://gw:url-secret-1@broker.clinic:1883', password: 'field-secret-2', topic: 'other' });
    expect(kept).not.toHaveProperty('passwordSet');
  });

  it('a new host, port or scheme without a password is refused: the stored one is not sent there', () => {
    for (const url of ['mqtt://attacker.example:1883', 'mqtt://broker.clinic:1884', 'mqtts://broker.clinic:1883']) {
      expect(() => keepSecrets({ ...redactDestination(stored), url } as DestinationConfig, stored)).toThrow(/enter the password again/);
    }
  });

  it('a new URL with a password, or "password": "" for none, is taken as given', () => {
    expect(keepSecrets({ ...redactDestination(stored), url: 'mqtt://b2:1883', password: 'new-one' } as DestinationConfig, stored)).toMatchObject({
      url: 'mqtt://b2:1883',
      password: 'new-one',
    });
    const none = keepSecrets({ ...redactDestination(stored), url: 'mqtt://b2:1883', password: '' } as DestinationConfig, stored);
    expect(none).not.toHaveProperty('password');
    expect(none).toMatchObject({ url: 'mqtt://b2:1883' });
  });

  it('a destination that had no password may move freely', () => {
    const open: DestinationConfig = { id: 'o', type: 'mqtt', url: 'mqtt://a:1883', topic: 't' };
    expect(keepSecrets({ ...open, url: 'mqtt://b:1883' }, open)).toMatchObject({ url: 'mqtt://b:1883' });
  });
});
