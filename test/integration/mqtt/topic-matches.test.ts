// Pure tests of the topic filter rules (MQTT 3.1.1 section 4.7). They live with the MQTT tests
// because the connection is their only user.

import { describe, expect, it } from 'vitest';
import { topicFilterProblem, topicMatches } from '../../../src/model/mqtt-topics.ts';

describe('topicMatches', () => {
  it.each([
    ['clinic/room1/vitals', 'clinic/room1/vitals', true],
    ['clinic/room1/vitals', 'clinic/room2/vitals', false],
    ['clinic/room1/vitals', 'clinic/room1', false],
    ['clinic/room1', 'clinic/room1/vitals', false],
    ['clinic/+/vitals', 'clinic/room1/vitals', true],
    ['clinic/+/vitals', 'clinic//vitals', true],
    ['clinic/+/vitals', 'clinic/room1/extra/vitals', false],
    ['clinic/+', 'clinic', false],
    ['+/+', 'a/b', true],
    ['+', '/a', false],
    ['+/a', '/a', true],
    ['clinic/#', 'clinic', true],
    ['clinic/#', 'clinic/room1/vitals', true],
    ['clinic/#', 'clinicx/room1', false],
    ['#', 'anything/at/all', true],
    ['#', '$SYS/broker/uptime', false],
    ['+/broker/uptime', '$SYS/broker/uptime', false],
    ['$SYS/#', '$SYS/broker/uptime', true],
    ['clinic/+/#', 'clinic/room1', true],
    ['Clinic/room1', 'clinic/room1', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(topicMatches(filter, topic)).toBe(expected);
  });
});

describe('topicFilterProblem', () => {
  it('accepts valid filters and names what is wrong with invalid ones', () => {
    for (const ok of ['a', 'a/b', '+', '#', 'a/+/b', 'a/#', '+/+/#', '/']) expect(topicFilterProblem(ok)).toBeUndefined();
    expect(topicFilterProblem('')).toBe('topic filter is empty');
    expect(topicFilterProblem('a/#/b')).toMatch(/'#' must be a whole level and the last one/);
    expect(topicFilterProblem('a/b#')).toMatch(/'#' must be a whole level/);
    expect(topicFilterProblem('a/b+/c')).toMatch(/'\+' must be a whole level/);
    expect(topicFilterProblem('a\u0000b')).toMatch(/NUL/);
  });
});

describe('filtersOverlap', () => {
  it('finds filters some topic matches both, and only those', async () => {
    const { filtersOverlap } = await import('../../../src/model/mqtt-topics.ts');
    expect(filtersOverlap('clinic/+/vitals', 'clinic/room1/#')).toBe(true);
    expect(filtersOverlap('clinic/vitals/+/reading', 'clinic/vitals/bp1/reading')).toBe(true);
    expect(filtersOverlap('#', 'anything/at/all')).toBe(true);
    expect(filtersOverlap('clinic/ekg/+/report', 'clinic/vitals/+/reading')).toBe(false);
    expect(filtersOverlap('a/b', 'a/b/c')).toBe(false);
    expect(filtersOverlap('a/+', 'a/+/c')).toBe(false);
    expect(filtersOverlap('a/#', 'a')).toBe(true);
  });
});
