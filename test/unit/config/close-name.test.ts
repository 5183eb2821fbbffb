import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '../../../src/config/close-name.ts';

describe('the name a typo meant', () => {
  it.each<[string, string[], string | undefined]>([
    ['baudrate', ['path', 'baudRate', 'dataBits'], 'baudRate'],
    ['seral', ['serial', 'tcp', 'mqtt', 'file'], 'serial'],
    ['ad-scal', ['ad-scale', 'tanita', 'accutorr'], 'ad-scale'],
    ['zeroTreshold', ['mode', 'zeroThreshold', 'changeThreshold'], 'zeroThreshold'],
    ['usb', ['serial', 'tcp', 'mqtt', 'file'], undefined],
    ['port', ['url', 'username', 'password', 'ca', 'cert', 'key', 'clientId'], undefined],
    ['certfile', ['certFile', 'keyFile'], 'certFile'],
    ['prot', ['host', 'port', 'users'], 'port'],
    ['tpc', ['serial', 'tcp', 'mqtt', 'file'], 'tcp'],
  ])('%s among %j', (word, candidates, meant) => {
    expect(closestName(word, candidates)).toBe(meant);
  });

  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('Serial', 'serial')).toBe(0);
  });

  it('counts two neighbouring letters swapped as one edit', () => {
    expect(editDistance('prot', 'port')).toBe(1);
    expect(editDistance('ab', 'ba')).toBe(1);
    // Optimal string alignment: no letter is edited twice, so "ca" to "abc" stays 3.
    expect(editDistance('ca', 'abc')).toBe(3);
  });
});
