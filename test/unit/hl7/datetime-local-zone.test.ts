// A DTM without an offset is read as the gateway's local time (src/hl7/datetime.ts). Around a
// clock change that is not a plain lookup of "the offset at that wall time": in the hour skipped
// in spring no such wall time exists, and the reading must be the instant ECMAScript's local-time
// rule gives (the wall time pushed forward by the gap), the one the gateway always stored. Reading
// it with the summer offset put a glucose result an hour earlier than it was taken.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deviceTimestampToIso, dtmToIso, normalizeIso } from '../../../src/hl7/datetime.ts';

/** The instant (ms since the epoch) a reading of a DTM places a result at. */
function instant(dtm: string): number {
  const r = dtmToIso(dtm);
  if (r.kind !== 'time') throw new Error(`not read as a time: ${JSON.stringify(r)}`);
  return Date.parse(r.iso);
}

describe('a DTM without an offset, around a clock change', () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.TZ;
  });
  afterEach(() => {
    // Node applies a change of TZ at once; `delete` gives back the machine's zone.
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  });

  it('reads a time in the hour skipped in spring as the instant it always was (Europe/Berlin)', () => {
    process.env.TZ = 'Europe/Berlin';
    // 2025-03-30: clocks go from 02:00 CET to 03:00 CEST (EU Directive 2000/84/EC, last Sunday of March).
    expect(instant('20250330023000')).toBe(Date.parse('2025-03-30T01:30:00Z'));
    expect(instant('20250330013000')).toBe(Date.parse('2025-03-30T00:30:00Z'));
    expect(instant('20250330033000')).toBe(Date.parse('2025-03-30T01:30:00Z'));
    // An ISO time without an offset (a device's JSON) names the same instant.
    expect(Date.parse(normalizeIso('2025-03-30T02:30:00') ?? '')).toBe(Date.parse('2025-03-30T01:30:00Z'));
    // aECG effectiveTime (HL7 v3 TS) follows the same rule.
    const v3 = deviceTimestampToIso('20250330023000', 'v3');
    expect(v3.kind === 'time' && Date.parse(v3.iso)).toBe(Date.parse('2025-03-30T01:30:00Z'));
  });

  it('reads a time in the hour skipped in spring as the instant it always was (America/New_York)', () => {
    process.env.TZ = 'America/New_York';
    // 2025-03-09: 02:00 EST becomes 03:00 EDT (US Energy Policy Act of 2005, second Sunday of March).
    expect(instant('20250309023000')).toBe(Date.parse('2025-03-09T07:30:00Z'));
    expect(instant('20250309013000')).toBe(Date.parse('2025-03-09T06:30:00Z'));
    expect(instant('20250309033000')).toBe(Date.parse('2025-03-09T07:30:00Z'));
  });

  it('keeps the fall-back hour and ordinary times as they were', () => {
    process.env.TZ = 'Europe/Berlin';
    // 2025-10-26 02:30 happens twice; ECMAScript takes the earlier one (CEST).
    expect(dtmToIso('20251026023000')).toEqual({ kind: 'time', iso: '2025-10-26T02:30:00+02:00' });
    expect(dtmToIso('20250114093015')).toEqual({ kind: 'time', iso: '2025-01-14T09:30:15+01:00' });
    expect(dtmToIso('20250714093015')).toEqual({ kind: 'time', iso: '2025-07-14T09:30:15+02:00' });
    process.env.TZ = 'America/New_York';
    expect(dtmToIso('20251102013000')).toEqual({ kind: 'time', iso: '2025-11-02T01:30:00-04:00' });
    // Before 1970 and in years Date.UTC would take as 19xx were the constructor used.
    expect(dtmToIso('01500114093015')).toMatchObject({ kind: 'time', iso: '0150-01-14T09:30:15-04:56' });
  });
});

describe('the DTM grammar, each part only after the one before it', () => {
  it.each([
    ['v2', '202501140945.25-0500'], // minutes with a fraction: no seconds to carry it
    ['v2', '2025011409.5'],
    ['v3', '2025011409.5'],
    ['v3', '202501140945.25'],
  ] as const)('refuses %s %s', (grammar, text) => {
    expect(deviceTimestampToIso(text, grammar)).toEqual({ kind: 'invalid', text });
  });

  it.each([
    ['v2', '2025011409', '2025-01-14T09:00:00'],
    ['v2', '202501140945-0500', '2025-01-14T09:45:00-05:00'],
    ['v2', '20250114094512.25-0500', '2025-01-14T09:45:12.25-05:00'],
    ['v3', '20250114094512.123456+0100', '2025-01-14T09:45:12.123456+01:00'],
  ] as const)('reads %s %s', (grammar, text, iso) => {
    const r = deviceTimestampToIso(text, grammar);
    expect(r.kind).toBe('time');
    if (r.kind === 'time') expect(r.iso.startsWith(iso)).toBe(true);
  });
});
