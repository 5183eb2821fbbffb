// The Held list's count agrees with the status strip and the navigation badge (GET /api/status).

import { describe, expect, it } from 'vitest';
import { heldCountText, heldTotal } from '../../../../src/web/page/lib/held-count.ts';

describe('held count', () => {
  it('says the real total beside how many are shown, not "100+"', () => {
    expect(heldCountText(100, true, 143, false)).toBe('143 held, 100 shown');
    expect(heldCountText(143, false, 143, false)).toBe('143 held');
    expect(heldCountText(12, false, 143, true)).toBe('12 of 143 held');
    expect(heldCountText(100, true, undefined, false)).toBe('100+ held');
  });

  it('never says fewer in all than are shown (the total may lag a new reading)', () => {
    expect(heldCountText(5, false, 4, false)).toBe('5 held');
  });

  it('reads the total from the status report', () => {
    expect(heldTotal({ problems: [{ kind: 'readings-held', severity: 'degraded', text: '143 held readings', count: 143 }] })).toBe(143);
    expect(heldTotal({ problems: [] })).toBe(0);
  });
});
