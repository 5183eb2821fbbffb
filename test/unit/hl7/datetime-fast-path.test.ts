// hl7Timestamp and hl7Date take a direct path for the usual shapes; these properties hold them to
// the general path (ISO text read by parseIso) byte for byte, refusals included.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dateToDtm, hl7Date, hl7Timestamp, hl7TimestampOfIso, plainIsoToDtm, timestampMemo, toIsoWithOffset } from '../../../src/hl7/datetime.ts';

/** What a call comes to: its value, or the class and message of what it threw. */
function outcome(f: () => string): { value: string } | { error: string } {
  try {
    return { value: f() };
  } catch (err) {
    return { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

// Instants near daylight-saving switches (US, EU, Lord Howe's half hour), year ends and leap days.
const EDGES = [
  Date.UTC(2026, 2, 8, 7),
  Date.UTC(2026, 10, 1, 6),
  Date.UTC(2026, 2, 29, 1),
  Date.UTC(2026, 9, 25, 1),
  Date.UTC(2026, 3, 4, 15),
  Date.UTC(2025, 11, 31, 23, 59, 59, 999),
  Date.UTC(2027, 0, 1),
  Date.UTC(2024, 1, 29, 12),
  Date.UTC(2100, 1, 28, 23),
  Date.UTC(100, 0, 1),
  Date.UTC(99, 11, 31, 23),
  Date.UTC(9999, 11, 31, 23, 59, 59),
];

const dates = fc.oneof(
  fc.tuple(fc.constantFrom(...EDGES), fc.integer({ min: -2 * 86_400_000, max: 2 * 86_400_000 })).map(([t, d]) => new Date(t + d)),
  fc.integer({ min: Date.UTC(-100, 0, 1), max: Date.UTC(10_100, 0, 1) }).map((t) => new Date(t)),
  fc.constantFrom(new Date(Number.NaN), new Date(8.64e15), new Date(-8.64e15)),
);

// Minutes east of UTC: whole hours, half and quarter hours either side, zero written -0, the
// edges of what parseIso reads (±23:59), beyond them, fractions, and the local default.
const offsets = fc.oneof(
  fc.constant(undefined),
  fc.integer({ min: -1500, max: 1500 }),
  fc.constantFrom(-0, 0, -300, 330, -570, 345, 765, -210, 1439, -1439, 1440, -1440, 0.5, 330.25, Number.NaN, Number.POSITIVE_INFINITY),
);

/** An integer mostly in [low, high], sometimes anywhere in [min, max]. */
const mostlyIn = (low: number, high: number, min: number, max: number): fc.Arbitrary<number> =>
  fc.oneof({ arbitrary: fc.integer({ min: low, max: high }), weight: 4 }, { arbitrary: fc.integer({ min, max }), weight: 1 });

const isoTexts = fc.oneof(
  // Shaped like ISO, fields anywhere in and just out of range, every separator and zone form.
  fc
    .record({
      year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(1900, 2000, 2100, 2400, 99, 100)),
      month: mostlyIn(1, 12, 0, 13),
      day: fc.oneof(mostlyIn(1, 28, 0, 32), fc.constantFrom(29, 30, 31)),
      hour: mostlyIn(0, 23, 0, 25),
      minute: mostlyIn(0, 59, 0, 61),
      second: mostlyIn(0, 59, 0, 61),
      fraction: fc.constantFrom('', '', '.000', '.5', '.123456789', ',5', '.', '.x'),
      zone: fc.oneof(
        fc.constantFrom('Z', '+00:00', '-00:00', '+05:30', '-05:00', '-09:30', '+05:45', '-23:59'),
        fc.constantFrom('', 'z', '+14:00', '+24:00', '+05:60', '+0530', '+05', ' Z', ' +01:00', '+5:30'),
      ),
      separator: fc.constantFrom('T', 'T', 'T', ' ', 't'),
      shape: fc.constantFrom('date', 'minutes', 'seconds', 'seconds'),
    })
    .map((p) => {
      const date = `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
      if (p.shape === 'date') return date;
      const time = `${date}${p.separator}${pad(p.hour)}:${pad(p.minute)}`;
      return p.shape === 'minutes' ? `${time}${p.zone}` : `${time}:${pad(p.second)}${p.fraction}${p.zone}`;
    }),
  // What normalizeIso and toIsoWithOffset write, the text readings carry.
  fc.tuple(dates, fc.integer({ min: -1439, max: 1439 })).chain(([d, off]) => {
    const text = outcome(() => toIsoWithOffset(d, off));
    return 'value' in text ? fc.constant(text.value) : fc.constant('');
  }),
  fc
    .tuple(
      fc.constantFrom('', ' ', '\t', '\uFEFF', '\n'),
      fc.constantFrom('2026-11-27T09:41:00.000-05:00', '2024-02-29', '2026-11-27T09:41:00Z'),
      fc.constantFrom('', ' ', '\n', '0'),
    )
    .map(([before, text, after]) => before + text + after),
  fc.string({ maxLength: 32 }),
);

describe('hl7Timestamp fast paths', () => {
  it('property: a Date gives what its ISO text gives through parseIso, in any offset', () => {
    fc.assert(
      fc.property(dates, offsets, (date, offset) => {
        expect(outcome(() => hl7Timestamp(date, offset))).toEqual(outcome(() => hl7TimestampOfIso(toIsoWithOffset(date, offset))));
      }),
      { numRuns: 5000 },
    );
  });

  it('property: ISO text gives what parseIso reads, and is refused where parseIso refuses it', () => {
    fc.assert(
      fc.property(isoTexts, (text) => {
        expect(outcome(() => hl7Timestamp(text))).toEqual(outcome(() => hl7TimestampOfIso(text)));
      }),
      { numRuns: 5000 },
    );
  });

  it('takes the direct path for the text and Dates messages carry', () => {
    expect(plainIsoToDtm('2026-11-27T09:41:00.000-05:00')).toBe('20261127094100-0500');
    expect(plainIsoToDtm('2026-11-27T09:41:07+05:30')).toBe('20261127094107+0530');
    expect(plainIsoToDtm('2011-06-02T04:58:42Z')).toBe('20110602045842+0000');
    expect(plainIsoToDtm('2026-11-27T09:41:00')).toBe('20261127094100');
    expect(plainIsoToDtm('2024-02-29')).toBe('20240229');
    expect(dateToDtm(new Date('2026-11-27T14:41:06.500Z'), -300)).toBe('20261127094106-0500');
    expect(dateToDtm(new Date('2026-12-31T23:30:00Z'), 45)).toBe('20270101001500+0045');
  });

  it('writes offset zero as +0000 however the text signs it, as parseIso does', () => {
    expect(hl7Timestamp('2026-11-27T09:41:00.000-00:00')).toBe('20261127094100+0000');
    expect(hl7Timestamp(new Date('2026-11-27T09:41:00Z'), -0)).toBe('20261127094100+0000');
  });

  it('leaves to the general path what only it can decide', () => {
    for (const text of [
      '2026-11-27 09:41:00Z',
      '2026-11-27T09:41:00,5Z',
      '2026-11-27T09:41:00+0530',
      '2026-11-27T09:41Z',
      '2026-11-27T09:41:00z',
      ' 2026-11-27',
    ]) {
      expect(plainIsoToDtm(text), text).toBeUndefined();
      expect(hl7Timestamp(text), text).toBe(hl7TimestampOfIso(text));
    }
    // Refused by parseIso, so never written by the direct path either.
    for (const text of ['2100-02-29', '2026-04-31T10:00:00Z', '0099-12-31', '2026-11-27T24:00:00Z', '2026-11-27T09:41:00+24:00']) {
      expect(plainIsoToDtm(text), text).toBeUndefined();
      expect(() => hl7Timestamp(text), text).toThrow(RangeError);
    }
    expect(dateToDtm(new Date('2026-11-27T09:41:00Z'), 1440)).toBeUndefined();
    expect(dateToDtm(new Date('2026-11-27T09:41:00Z'), 0.5)).toBeUndefined();
    expect(dateToDtm(new Date(Number.NaN), 0)).toBeUndefined();
  });

  it('property: a memo gives what hl7Timestamp gives, for every text in any order', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(isoTexts, fc.constantFrom('2026-11-27T09:41:00.000-05:00', '2026-11-27T09:42:00.000-05:00', '2026-11-27', '2026-11-27T09:41:00.000-05:00 ')),
          { maxLength: 12 },
        ),
        (texts) => {
          const memo = timestampMemo();
          for (const text of texts) expect(outcome(() => memo(text))).toEqual(outcome(() => hl7Timestamp(text)));
        },
      ),
    );
  });
});

describe('hl7Date fast path', () => {
  it('property: YYYY-MM-DD is written or refused as parseIso reads it', () => {
    fc.assert(
      fc.property(isoTexts, (text) => {
        const general = outcome(() => hl7TimestampOfIso(text));
        const dateOnly = 'value' in general && general.value.length === 8;
        const result = outcome(() => hl7Date(text));
        if (dateOnly) expect(result).toEqual(general);
        // (hl7Date also reads a compact YYYYMMDD, which is not ISO.)
        else if (!/^\s*\d{8}\s*$/.test(text)) expect(result).toHaveProperty('error');
      }),
      { numRuns: 5000 },
    );
  });
});
