// The small parts of the patient resolver: default policy, binding lifetime, name and date comparison.
// The modes themselves are in patient-modes.test.ts.

import { describe, expect, it } from 'vitest';
import type { DeviceKind } from '../../../src/model/reading.ts';
import { bindingActive, defaultPolicy, disagreements, foldName } from '../../../src/pipeline/patient.ts';

const now = new Date('2026-11-27T10:00:00Z');
const alice = { mrn: 'A1', family: 'Example', given: 'Alice' };

describe('defaultPolicy', () => {
  it.each<[DeviceKind, string]>([
    ['lab', 'reported'],
    ['ekg', 'reported'],
    ['vitals', 'reported'],
    ['generic', 'reported'],
    ['scale', 'bind'],
    ['bp', 'bind'],
  ])('defaults a %s device to %s', (kind, mode) => {
    expect(defaultPolicy(kind, undefined, false)).toEqual({ mode, verify: false });
    expect(defaultPolicy(kind, undefined, true)).toEqual({ mode, verify: true });
  });

  it('verifies by default exactly when an inbound feed is configured', () => {
    expect(defaultPolicy('lab', { mode: 'reported' }, true).verify).toBe(true);
    expect(defaultPolicy('lab', { mode: 'reported' }, false).verify).toBe(false);
  });

  it('keeps what is configured', () => {
    expect(defaultPolicy('scale', { mode: 'hold' }, true)).toEqual({ mode: 'hold', verify: true });
    expect(defaultPolicy('lab', { mode: 'order', verify: false }, true)).toEqual({ mode: 'order', verify: false });
    expect(defaultPolicy('lab', { verify: true }, false)).toEqual({ mode: 'reported', verify: true });
    expect(defaultPolicy('scale', { mode: 'reported', verify: false }, true)).toEqual({ mode: 'reported', verify: false });
  });

  it('falls back to holding for a kind or mode it does not know', () => {
    expect(defaultPolicy('toaster' as DeviceKind, undefined, false).mode).toBe('hold');
    expect(defaultPolicy('scale', { mode: 'guess' as 'hold' }, false).mode).toBe('bind');
  });
});

describe('bindingActive', () => {
  it('is active without an end time, and until its end time (exclusive)', () => {
    expect(bindingActive({ patient: alice, createdAt: now.toISOString() }, now)).toBe(true);
    const until = new Date(now.getTime() + 60_000).toISOString();
    expect(bindingActive({ patient: alice, createdAt: now.toISOString(), until }, now)).toBe(true);
    expect(bindingActive({ patient: alice, createdAt: now.toISOString(), until }, new Date(now.getTime() + 59_999))).toBe(true);
    expect(bindingActive({ patient: alice, createdAt: now.toISOString(), until }, new Date(now.getTime() + 60_000))).toBe(false);
  });

  it('is not active when absent or when its end time cannot be read', () => {
    expect(bindingActive(undefined, now)).toBe(false);
    expect(bindingActive({ patient: alice, createdAt: now.toISOString(), until: 'soon' }, now)).toBe(false);
  });
});

describe('name and birth date comparison', () => {
  it('ignores case, accents, whitespace and punctuation', () => {
    expect(foldName('Müller')).toBe(foldName('MULLER'));
    expect(foldName('José  María')).toBe(foldName('jose maria'));
    expect(foldName("O'Brien-Smith")).toBe(foldName('OBRIEN SMITH'));
    expect(foldName('Strauß')).toBe(foldName('STRAUSS'));
    expect(foldName('Søren')).toBe(foldName('Soren'));
    expect(foldName('Łukasz')).toBe(foldName('Lukasz'));
  });

  it('tells different names apart', () => {
    expect(foldName('Müller')).not.toBe(foldName('Miller'));
    expect(foldName('Ann')).not.toBe(foldName('Anna'));
  });

  it('reports which fields disagree; a missing field on either side is no disagreement', () => {
    const known = { mrn: 'A1', family: 'Müller', given: 'Anna', dob: '1980-02-14' };
    expect(disagreements({ mrn: 'A1', family: 'MUELLER' }, known)).toEqual(['name']);
    expect(disagreements({ mrn: 'A1', family: 'muller', given: 'ANNA', dob: '19800214' }, known)).toEqual([]);
    expect(disagreements({ mrn: 'A1', given: 'Hanna' }, known)).toEqual(['name']);
    expect(disagreements({ mrn: 'A1', dob: '1980-02-15' }, known)).toEqual(['birth date']);
    expect(disagreements({ mrn: 'A1', family: 'Meier', dob: '1981-02-14' }, known)).toEqual(['name', 'birth date']);
    expect(disagreements({ mrn: 'A1' }, known)).toEqual([]);
    expect(disagreements({ mrn: 'A1', family: 'Anyone', dob: '2001-01-01' }, { mrn: 'A1' })).toEqual([]);
  });

  it('lets a bare year or year-month agree with the full date that starts with it, and nothing else', () => {
    const known = { mrn: 'A1', dob: '1980-02-14' };
    expect(disagreements({ mrn: 'A1', dob: '1980' }, known)).toEqual([]);
    expect(disagreements({ mrn: 'A1', dob: '1980-02' }, known)).toEqual([]);
    expect(disagreements({ mrn: 'A1', dob: '1981' }, known)).toEqual(['birth date']);
    expect(disagreements({ mrn: 'A1', dob: '1980-03' }, known)).toEqual(['birth date']);
    expect(disagreements({ mrn: 'A1', dob: '19800' }, known)).toEqual(['birth date']);
    expect(disagreements({ mrn: 'A1', dob: '1980-02-14T00:00:00' }, known)).toEqual([]);
  });
});
