// The words on a device card: an error without "Error: " twice, failed attempts called that, a TCP
// device's setup that does not claim it is connecting, and one way to write a time.

import { describe, expect, it } from 'vitest';
import type { DeviceView } from '../../../../src/web/api-types.ts';
import { connectionsWords, timeText, transportSummary } from '../../../../src/web/page/lib/device-words.ts';
import { errorWords, failedAttemptsWords } from '../../../../src/web/page/lib/link-words.ts';

describe('device card words', () => {
  it('shows an error once, without the "Error: " of a thrown error', () => {
    expect(errorWords('Error: No such file or directory')).toBe('No such file or directory');
    expect(errorWords('TypeError: Error: bad frame')).toBe('bad frame');
    expect(errorWords('connect ECONNREFUSED 127.0.0.1:27001')).toBe('connect ECONNREFUSED 127.0.0.1:27001');
    expect(errorWords('Cannot open /dev/ttyUSB0: Error: busy')).toBe('Cannot open /dev/ttyUSB0: Error: busy');
  });

  it('names more than one live connection (downloads go to the newest only), and says nothing for one', () => {
    expect(connectionsWords({ connections: 2 })).toBe('2 connections');
    expect(connectionsWords({ connections: 1 })).toBeUndefined();
    expect(connectionsWords({ connections: 0 })).toBeUndefined();
  });

  it('counts failed attempts as that, not as reconnects', () => {
    expect(failedAttemptsWords(1)).toBe('1 failed attempt to connect');
    expect(failedAttemptsWords(7)).toBe('7 failed attempts to connect');
  });

  it('a TCP device says where it goes, not that it is connecting', () => {
    const tcp = (mode: 'connect' | 'listen') => ({ type: 'tcp', mode, host: '127.0.0.1', port: 27001 }) as DeviceView['transport'];
    expect(transportSummary(tcp('connect'))).toBe('TCP, to 127.0.0.1:27001');
    expect(transportSummary(tcp('listen'))).toBe('TCP, listening on 127.0.0.1:27001');
  });

  it('writes times as hours and minutes, seconds only when asked', () => {
    const now = new Date(2026, 11, 6, 15, 0, 0);
    const at = new Date(2026, 11, 6, 6, 58, 32).toISOString();
    const plain = timeText(at, now);
    expect(plain).toMatch(/^0?6[:.]58/);
    expect(plain).not.toMatch(/32/);
    expect(timeText(at, now, { seconds: true })).toMatch(/6[:.]58[:.]32/);
    // No leading zero on the hour where the locale writes none ("6:58 AM", not "06:58 AM").
    if (Intl.DateTimeFormat().resolvedOptions().locale === 'en-US') expect(plain).toMatch(/^6:58\s?AM$/u);
    expect(timeText(new Date(2026, 10, 27, 14, 5).toISOString(), now)).toMatch(/27/);
  });
});
