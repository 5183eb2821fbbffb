// Number fields state their default and range in words a person reads: no "Default: 0.5. From 0
// to …." (the text of issue 14), durations in seconds and minutes, big numbers grouped.

import { describe, expect, it } from 'vitest';
import { defaultPlaceholder, formatMs, groupedNumber, numberHint } from '../../../../src/web/page/lib/number-hint.ts';

describe('number hints', () => {
  it('says a default and an open range once, without dangling dots', () => {
    expect(numberHint('zeroThreshold', { default: 0.5, minimum: 0 })).toBe('Default 0.5; at least 0.');
    expect(numberHint('percent', { maximum: 100 })).toBe('At most 100.');
    expect(numberHint('port', { minimum: 1, maximum: 65535 })).toBe('From 1 to 65535.');
    expect(numberHint('count', {})).toBeUndefined();
  });

  it('states durations in milliseconds as times', () => {
    expect(numberHint('ackTimeoutMs', { default: 30_000, minimum: 100, maximum: 600_000 })).toBe('Default 30 s; from 100 ms to 10 min.');
    expect(formatMs(3_600_000)).toBe('1 h');
    expect(formatMs(1500)).toBe('1.5 s');
    expect(formatMs(86_400_000)).toBe('1 d');
  });

  it('states a default only where an empty field gets it', () => {
    const initialMs = { default: 1000, minimum: 10, maximum: 3_600_000 };
    // retry.initialMs: required inside the optional retry group, so the default holds only with the group empty.
    expect(numberHint('initialMs', initialMs, 'group-empty')).toBe('Default 1 s with the whole group left empty; from 10 ms to 1 h.');
    expect(numberHint('initialMs', initialMs, 'never')).toBe('From 10 ms to 1 h.');
    expect(numberHint('initialMs', initialMs)).toBe('Default 1 s; from 10 ms to 1 h.');
  });

  it('groups big numbers only', () => {
    expect(groupedNumber(3_600_000)).toBe('3,600,000');
    expect(groupedNumber(65535)).toBe('65535');
  });

  it('shows a default in an empty field as one', () => {
    expect(defaultPlaceholder(30_000)).toBe('30000 (default)');
    expect(defaultPlaceholder(undefined)).toBeUndefined();
  });
});
