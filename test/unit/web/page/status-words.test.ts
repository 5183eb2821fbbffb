import { describe, expect, it } from 'vitest';
import type { Problem } from '../../../../src/web/api-types.ts';
import { durationWords, navCountNoun, navCounts, problemLink, problemSentence, retriedWords } from '../../../../src/web/page/lib/status-words.ts';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();
const MIN = 60_000;

describe('status strip words', () => {
  it('says how long in minutes, hours and days', () => {
    expect([0, 59_999, MIN, 4 * MIN + 59_000, 60 * MIN, 125 * MIN, 24 * 60 * MIN, 28 * 60 * MIN].map(durationWords)).toEqual([
      'less than a minute',
      'less than a minute',
      '1 min',
      '4 min',
      '1 h',
      '2 h 5 min',
      '1 d',
      '1 d 4 h',
    ]);
  });

  it('tells a problem with its duration as the clock moves, and its count', () => {
    const p: Problem = {
      kind: 'destination-unreachable',
      severity: 'failing',
      text: 'ehr: unreachable',
      since: ago(4 * MIN),
      count: 38,
      counted: '38 waiting',
    };
    expect(problemSentence(p, NOW)).toBe('ehr: unreachable for 4 min, 38 waiting');
    expect(problemSentence(p, NOW + 2 * MIN)).toBe('ehr: unreachable for 6 min, 38 waiting');
    expect(problemSentence({ kind: 'dead-letters', severity: 'degraded', text: 'ehr: 1 dead letter', count: 1 }, NOW)).toBe('ehr: 1 dead letter');
    expect(problemSentence({ kind: 'device-link-down', severity: 'degraded', text: 'Scale, room 1: not connected', since: ago(3 * MIN) }, NOW)).toBe(
      'Scale, room 1: not connected for 3 min',
    );
  });

  it('links each problem to the page that deals with it', () => {
    expect(problemLink({ kind: 'dead-letters', severity: 'degraded', text: '', destination: 'ehr' })).toEqual({
      href: '#/messages?destination=ehr&state=dead',
      text: 'Show dead letters',
    });
    expect(problemLink({ kind: 'destination-failing', severity: 'failing', text: '', destination: 'lab system' })?.href).toBe(
      '#/messages?destination=lab+system',
    );
    expect(problemLink({ kind: 'device-link-down', severity: 'degraded', text: '', device: 'x' })?.href).toBe('#/devices');
    expect(problemLink({ kind: 'readings-held', severity: 'degraded', text: '' })?.href).toBe('#/patients');
    expect(problemLink({ kind: 'disk-low', severity: 'degraded', text: '' })).toBeUndefined();
  });

  it('says a retry that met a try under way is news, not a failure', () => {
    expect(retriedWords('Scale, room 1', false, true)).toBe('Trying Scale, room 1 again now.');
    expect(retriedWords('Scale, room 1', true, true)).toBe('Scale, room 1 is connecting right now.');
    expect(retriedWords('ehr', true, false)).toBe('ehr is sending right now.');
  });

  it('counts for the navigation: devices down, dead letters, held readings', () => {
    const problems: Problem[] = [
      { kind: 'device-link-down', severity: 'degraded', text: '', device: 'a' },
      { kind: 'device-link-down', severity: 'degraded', text: '', device: 'b' },
      { kind: 'dead-letters', severity: 'degraded', text: '', count: 2, destination: 'ehr' },
      { kind: 'dead-letters', severity: 'degraded', text: '', count: 1, destination: 'lab' },
      { kind: 'readings-held', severity: 'degraded', text: '', count: 12 },
      { kind: 'destination-unreachable', severity: 'failing', text: '', count: 38 },
    ];
    expect(navCounts(problems)).toEqual({ devices: 2, messages: 3, patients: 12 });
    expect(navCounts([])).toEqual({ devices: 0, messages: 0, patients: 0 });
    // Many devices down are one grouped item carrying their count.
    const grouped: Problem = { kind: 'device-link-down', severity: 'degraded', text: '12 devices not connected', count: 12 };
    expect(navCounts([grouped]).devices).toBe(12);
    expect(problemLink(grouped)).toEqual({ href: '#/devices', text: 'Show devices' });
    expect([navCountNoun('devices', 1), navCountNoun('devices', 2), navCountNoun('messages', 1), navCountNoun('patients', 12)]).toEqual([
      'device not connected',
      'devices not connected',
      'dead letter',
      'held readings',
    ]);
  });
});
