import { describe, expect, it } from 'vitest';
import type { Problem } from '../../../../src/web/api-types.ts';
import { durationWords, navBadges, problemKey, problemLink, problemSentence, retriedWords } from '../../../../src/web/page/lib/status-words.ts';

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

  it("counts for the navigation: devices down, the destinations' problems, held readings", () => {
    const problems: Problem[] = [
      { kind: 'device-link-down', severity: 'degraded', text: '', device: 'a' },
      { kind: 'device-link-down', severity: 'degraded', text: '', device: 'b' },
      { kind: 'destination-unreachable', severity: 'failing', text: 'ehr: unreachable', count: 18, counted: '18 waiting', destination: 'ehr', name: 'ehr' },
      { kind: 'dead-letters', severity: 'degraded', text: 'ehr: 1 dead letter', count: 1, destination: 'ehr', name: 'ehr' },
      { kind: 'readings-held', severity: 'degraded', text: '', count: 12 },
    ];
    expect(navBadges(problems)).toEqual({
      devices: { n: 2, words: '2 devices not connected' },
      // An EHR outage shows on Messages, not only in the strip.
      messages: { n: 2, words: 'ehr unreachable, 18 waiting; 1 dead letter' },
      patients: { n: 12, words: '12 held readings' },
    });
    expect(navBadges([])).toEqual({});
    // Several destinations: each named.
    const two: Problem[] = [
      { kind: 'dead-letters', severity: 'degraded', text: '', count: 2, destination: 'ehr', name: 'ehr' },
      { kind: 'destination-stalled', severity: 'degraded', text: 'lab: delivering nothing', count: 3, counted: '3 waiting', destination: 'lab', name: 'lab' },
    ];
    expect(navBadges(two).messages).toEqual({ n: 2, words: 'ehr: 2 dead letters; lab delivering nothing, 3 waiting' });
    // Many devices down are one grouped item carrying their count.
    const grouped: Problem = { kind: 'device-link-down', severity: 'degraded', text: '12 devices not connected', count: 12 };
    expect(navBadges([grouped]).devices).toEqual({ n: 12, words: '12 devices not connected' });
    expect(problemLink(grouped)).toEqual({ href: '#/devices', text: 'Show devices' });
    expect(navBadges([{ kind: 'device-link-down', severity: 'degraded', text: '', device: 'a' }]).devices?.words).toBe('1 device not connected');
  });
});

describe('orders on the navigation', () => {
  it('counts orders an analyzer refused and orders without results, and links each to its filter', () => {
    const refused: Problem = { kind: 'orders-rejected', severity: 'degraded', text: '1 order refused by an analyzer', count: 1 };
    const overdue: Problem = { kind: 'orders-unresulted', severity: 'degraded', text: '2 orders without results', count: 2 };
    expect(navBadges([refused, overdue]).orders).toEqual({ n: 3, words: '1 order refused by an analyzer; 2 orders without results' });
    expect(problemLink(refused)).toEqual({ href: '#/orders?state=rejected', text: 'Show refused orders' });
    expect(problemLink(overdue)).toEqual({ href: '#/orders?state=unresulted', text: 'Show orders without results' });
  });
});

describe('QC rejections on the navigation and the strip', () => {
  const glu: Problem = {
    kind: 'qc-rejected',
    severity: 'degraded',
    text: 'Chemistry: QC failed for GLU (1-3s)',
    device: 'chem-1',
    name: 'Chemistry',
    rejection: 'R1',
    counted: '2 results held',
  };
  const crea: Problem = { ...glu, text: 'Chemistry: QC failed for CREA (2-2s)', rejection: 'R2' };

  it('links each rejection to its review on the QC page, a grouped item to the page', () => {
    expect(problemLink(glu)).toEqual({ href: '#/qc?rejection=R1', text: 'Review QC' });
    const { rejection: _, ...byDevice } = glu;
    expect(problemLink(byDevice)).toEqual({ href: '#/qc?device=chem-1', text: 'Review QC' });
    expect(problemLink({ kind: 'qc-rejected', severity: 'degraded', text: '5 QC rejections', count: 5 })).toEqual({ href: '#/qc', text: 'Review QC' });
  });

  it('counts the unreviewed rejections: one each, a grouped item by its count', () => {
    expect(navBadges([glu, crea]).qc).toEqual({ n: 2, words: '2 QC rejections not reviewed' });
    expect(navBadges([glu]).qc).toEqual({ n: 1, words: '1 QC rejection not reviewed' });
    expect(navBadges([{ kind: 'qc-rejected', severity: 'degraded', text: '5 QC rejections', count: 5 }]).qc?.n).toBe(5);
    // The held results a rejection counts are the Patients page's business, not the QC count.
    expect(navBadges([glu]).patients).toBeUndefined();
  });

  it('keeps two rejections of one analyzer apart in the strip (two tests failed at once)', () => {
    expect(problemKey(glu)).not.toBe(problemKey(crea));
    expect(problemKey({ kind: 'device-link-down', severity: 'degraded', text: '', device: 'chem-1' })).toBe('device-link-down:chem-1');
  });
});
