import { describe, it, expect } from 'vitest';
import { newId } from '../../../src/pipeline/ids.ts';

describe('newId', () => {
  it('is 16 chars of [0-9A-Z], led by the epoch ms in base 36', () => {
    const at = new Date('2026-11-27T14:41:00.000Z');
    const id = newId(at);
    expect(id).toMatch(/^[0-9A-Z]{16}$/);
    expect(parseInt(id.slice(0, 9), 36)).toBeGreaterThanOrEqual(at.getTime());
  });

  it('gives 100k ids that are unique and strictly increasing', () => {
    const ids: string[] = [];
    for (let i = 0; i < 100_000; i++) ids.push(newId());
    for (let i = 1; i < ids.length; i++) {
      if (!((ids[i] ?? '') > (ids[i - 1] ?? ''))) throw new Error(`not increasing at ${i}: ${ids[i - 1]} ${ids[i]}`);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('keeps increasing when the clock steps back', () => {
    const later = newId(new Date(Date.now() + 60_000));
    const earlier = newId(new Date(Date.now() - 3_600_000));
    const epoch = newId(new Date(0));
    expect(earlier > later).toBe(true);
    expect(epoch > earlier).toBe(true);
  });

  it('keeps increasing past the per-millisecond counter (46,656 ids in one ms)', () => {
    const fixed = new Date(Date.now() + 120_000);
    let prev = newId(fixed);
    for (let i = 0; i < 50_000; i++) {
      const id = newId(fixed);
      if (!(id > prev)) throw new Error(`not increasing at ${i}: ${prev} ${id}`);
      prev = id;
    }
    expect(prev).toMatch(/^[0-9A-Z]{16}$/);
  });

  it('survives an invalid date', () => {
    const before = newId();
    const id = newId(new Date(Number.NaN));
    expect(id).toMatch(/^[0-9A-Z]{16}$/);
    expect(id > before).toBe(true);
  });
});
