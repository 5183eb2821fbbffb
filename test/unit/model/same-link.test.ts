import { mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sameLink } from '../../../src/model/same-link.ts';

describe('sameLink', () => {
  it('counts a connect link without a host as one to 127.0.0.1 (the TCP transport default)', () => {
    expect(sameLink({ type: 'tcp', mode: 'connect', port: 4001 }, { type: 'tcp', mode: 'connect', host: '127.0.0.1', port: 4001 })).toBe(true);
    expect(sameLink({ type: 'tcp', mode: 'connect', port: 4001 }, { type: 'tcp', mode: 'connect', host: '10.0.0.5', port: 4001 })).toBe(false);
    expect(sameLink({ type: 'tcp', mode: 'connect', port: 4001 }, { type: 'tcp', mode: 'connect', port: 4002 })).toBe(false);
  });

  it('decides a listener by its port alone: a second bind on it fails whatever the address', () => {
    expect(sameLink({ type: 'tcp', mode: 'listen', port: 5000 }, { type: 'tcp', mode: 'listen', host: '0.0.0.0', port: 5000 })).toBe(true);
    expect(sameLink({ type: 'tcp', mode: 'listen', host: '127.0.0.1', port: 5000 }, { type: 'tcp', mode: 'listen', port: 5001 })).toBe(false);
    expect(sameLink({ type: 'tcp', mode: 'listen', port: 5000 }, { type: 'tcp', mode: 'connect', port: 5000 })).toBe(false);
  });

  it('matches two names of one serial port through the resolver (a by-id link and the tty it points at)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'same-link-'));
    try {
      const tty = join(dir, 'ttyUSB0');
      const byId = join(dir, 'usb-FTDI_FT232R-if00-port0');
      writeFileSync(tty, '');
      symlinkSync(tty, byId);
      expect(sameLink({ type: 'serial', path: byId }, { type: 'serial', path: tty }, realpathSync)).toBe(true);
      // Without a resolver (the page) only the same spelling matches.
      expect(sameLink({ type: 'serial', path: byId }, { type: 'serial', path: tty })).toBe(false);
      expect(sameLink({ type: 'serial', path: tty }, { type: 'serial', path: tty })).toBe(true);
      expect(sameLink({ type: 'serial', path: tty }, { type: 'serial', path: join(dir, 'ttyUSB1') }, (p) => p)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('compares watched folders by path and MQTT links by topic, whatever the other settings or key order', () => {
    const folder = { type: 'file' as const, path: '/srv/ekg', suffix: '.xml' };
    expect(sameLink(folder, { path: '/srv/ekg', type: 'file' })).toBe(true);
    expect(sameLink(folder, { type: 'file', path: '/srv/ekg2' })).toBe(false);
    expect(sameLink({ type: 'mqtt', topic: 'clinic/+/bp' }, { topic: 'clinic/+/bp', type: 'mqtt' })).toBe(true);
    expect(sameLink({ type: 'mqtt', topic: 'clinic/+/bp' }, { type: 'mqtt', topic: 'clinic/+/spo2' })).toBe(false);
    expect(sameLink({ type: 'file', path: '/x' }, { type: 'serial', path: '/x' })).toBe(false);
  });
});
