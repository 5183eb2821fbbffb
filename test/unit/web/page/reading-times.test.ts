// A reading's row shows the time it is ordered by (received) and, when it differs, when it was measured,
// or collected when that time is its specimen's collection time.

import { describe, expect, it } from 'vitest';
import { formatTime, readingTimes } from '../../../../src/web/page/lib/reading-format.ts';

const now = new Date('2026-12-06T07:10:00Z');

describe('readingTimes', () => {
  it('shows the received time, and the measured time of a lab result sent an hour later', () => {
    const r = { receivedAt: '2026-12-06T07:00:00Z', observedAt: '2026-12-06T05:53:00Z' };
    expect(readingTimes(r, now)).toEqual({ received: formatTime(r.receivedAt, now), observed: formatTime(r.observedAt, now), observedIs: 'measured' });
  });

  it('says "collected" when the time is the specimen\'s collection time (an analyzer that sent only OBR-7)', () => {
    const r = { receivedAt: '2026-12-06T07:00:00Z', observedAt: '2026-12-06T06:30:00Z', specimen: { collectedAt: '2026-12-06T06:30:00.000Z' } };
    expect(readingTimes(r, now)).toEqual({ received: formatTime(r.receivedAt, now), observed: formatTime(r.observedAt, now), observedIs: 'collected' });
    expect(readingTimes({ ...r, specimen: { collectedAt: '2026-12-06T06:00:00Z' } }, now).observedIs).toBe('measured');
  });

  it('shows one time when the device measured it just before sending', () => {
    expect(readingTimes({ receivedAt: '2026-12-06T07:00:02Z', observedAt: '2026-12-06T07:00:00Z' }, now)).toEqual({
      received: formatTime('2026-12-06T07:00:02Z', now),
    });
    expect(readingTimes({ receivedAt: '2026-12-06T07:00:02Z' }, now).observed).toBeUndefined();
  });
});
