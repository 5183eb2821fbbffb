import { describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../../src/inbound/events.ts';
import { parseInbound } from '../../../src/inbound/parse.ts';
import { DirectoryIndex, normalizeName } from '../../../src/patients/directory-index.ts';
import { apply, emptyDirectory, type DirectoryState } from '../../../src/patients/directory-state.ts';
import type { DirectoryEntry } from '../../../src/patients/types.ts';
import { a01, a03, a04, a40, oml, ormCancel, ormNew } from '../inbound/fixtures.ts';

const T0 = new Date('2025-01-14T15:00:00Z');
const hours = (h: number): Date => new Date(T0.getTime() + h * 3_600_000);

function ev(text: string): InboundEvent {
  const r = parseInbound(text);
  if (!r.ok) throw new Error(`fixture rejected: ${r.reason}`);
  return r.event;
}

function index(...steps: Array<[string | InboundEvent, Date?]>): DirectoryIndex {
  let s: DirectoryState = emptyDirectory();
  for (const [e, at] of steps) s = apply(s, typeof e === 'string' ? ev(e) : e, at ?? T0);
  return new DirectoryIndex(s);
}

describe('normalizeName', () => {
  it('ignores case, accents and punctuation, and folds letters NFKD leaves alone', () => {
    expect(normalizeName('Müller-O’Brien')).toBe(normalizeName('MULLER OBRIEN'));
    expect(normalizeName('José')).toBe('jose');
    expect(normalizeName('Groß')).toBe('gross');
    expect(normalizeName('Søren Łukasz')).toBe('sorenlukasz');
    expect(normalizeName('Smith')).not.toBe(normalizeName('Smyth'));
  });
});

describe('DirectoryIndex lookups', () => {
  it('byMrn finds the entry, checks the assigning authority when both sides have one', () => {
    const d = index([a01()]);
    expect(d.byMrn('MRN1001')?.patient.family).toBe('DOE');
    expect(d.byMrn(' MRN1001 ')?.patient.family).toBe('DOE');
    expect(d.byMrn('MRN1001', 'clinic_a')).toBeDefined();
    expect(d.byMrn('MRN1001', 'OTHER_HOSP')).toBeUndefined();
    expect(d.byMrn('MRN9999')).toBeUndefined();
  });

  it('byMrn of a merged-away MRN finds the survivor, across a chain', () => {
    const merge = (survivor: string, prior: string): InboundEvent => ({ kind: 'merge', merges: [{ survivor: { mrn: survivor }, prior: [{ mrn: prior }] }] });
    const d = index([a01('A1', 'MRN3003', 'V9')], [a40(), hours(1)], [merge('MRN4004', 'MRN1001'), hours(2)]);
    expect(d.byMrn('MRN3003')?.patient.mrn).toBe('MRN4004');
    expect(d.byMrn('MRN1001')?.patient.mrn).toBe('MRN4004');
    expect(d.byMrn('MRN3003', 'CLINIC_A')?.patient.mrn).toBe('MRN4004');
  });

  it('byVisit finds the visit; after a merge the survivor holds it', () => {
    expect(index([a04()]).byVisit('V6002')?.patient.mrn).toBe('MRN2002');
    const merged = index([a01('A1', 'MRN3003', 'V9')], [a40(), hours(1)]);
    expect(merged.byVisit('V9')?.patient.mrn).toBe('MRN1001');
    expect(merged.byVisit('NOPE')).toBeUndefined();
  });

  it('byNameAndBirthDate matches whatever the case and accents, needs the birth date, skips forwarding addresses', () => {
    const d = index([a04()], [a01()]);
    expect(d.byNameAndBirthDate('MULLER', 'jose', '1975-12-31').map((e) => e.patient.mrn)).toEqual(['MRN2002']);
    expect(d.byNameAndBirthDate('Müller', 'José', '1975-12-30')).toEqual([]);
    expect(d.byNameAndBirthDate('Doe', 'Jane', '1980-01-02').map((e) => e.patient.mrn)).toEqual(['MRN1001']);
    const merged = index([a01('A1', 'MRN3003', 'V9')], [a40(), hours(1)]);
    // The prior chart was DOE; the survivor is SMITH-DOE now: only the survivor's name finds it.
    expect(merged.byNameAndBirthDate('DOE', 'JANE', '1980-01-02')).toEqual([]);
    expect(merged.byNameAndBirthDate('Smith Doe', 'Jane', '1980-01-02').map((e) => e.patient.mrn)).toEqual(['MRN1001']);
  });

  it('byNameAndBirthDate returns every namesake, active first', () => {
    const twin = (mrn: string): InboundEvent => ({
      kind: 'admit',
      trigger: 'A04',
      patient: { mrn, family: 'Lee', given: 'Kim', dob: '2001-05-05' },
      visit: {},
    });
    const d = index([twin('T1')], [twin('T2'), hours(1)], [{ kind: 'discharge', patient: { mrn: 'T2' }, visit: {} }, hours(2)]);
    expect(d.byNameAndBirthDate('LEE', 'KIM', '2001-05-05').map((e) => [e.patient.mrn, e.status])).toEqual([
      ['T1', 'active'],
      ['T2', 'discharged'],
    ]);
  });

  it('orderBySpecimen and orderByNumber (placer or filler); an open order wins over a cancelled one with the same number', () => {
    const d = index([ormNew()], [oml(), hours(1)]);
    expect(d.orderBySpecimen('SP7001')?.placer).toBe('PL7001');
    expect(d.orderBySpecimen('SP8001')?.mrn).toBe('MRN2002');
    expect(d.orderByNumber('PL7001')?.filler).toBe('FL7001');
    expect(d.orderByNumber('FL7001')?.placer).toBe('PL7001');
    expect(d.orderBySpecimen('NOPE')).toBeUndefined();
    const cancelled = index([ormNew()], [ormCancel(), hours(1)]);
    expect(cancelled.orderByNumber('PL7001')?.status).toBe('cancelled');
    // A new order reusing the filler number of a cancelled one: the open one is found.
    const reused = index([ormNew()], [ormCancel(), hours(1)], [ormNew('O3', 'MRN1001', 'PL7002', 'FL7001', 'SP7002'), hours(2)]);
    expect(reused.orderByNumber('FL7001')?.status).toBe('open');
  });

  it('stays quick for a few thousand entries (maps, not scans): 5,000 entries, 20,000 lookups', () => {
    const entries = new Map<string, DirectoryEntry>();
    for (let i = 0; i < 5000; i++) {
      entries.set(`M${i}`, {
        patient: { mrn: `M${i}`, family: `Fam${i}`, given: 'G', dob: '1990-01-01' },
        visit: { visitNumber: `V${i}` },
        status: 'active',
        updatedAt: T0.toISOString(),
      });
    }
    const d = new DirectoryIndex({ entries, orders: new Map() });
    let found = 0;
    for (let i = 0; i < 5000; i++) {
      if (d.byMrn(`M${i}`)) found++;
      if (d.byVisit(`V${i}`)) found++;
      if (d.byNameAndBirthDate(`FAM${i}`, 'g', '1990-01-01').length === 1) found++;
      if (!d.orderByNumber(`X${i}`)) found++;
    }
    expect(found).toBe(20000);
  });

  it('a discharged entry stays findable until it is pruned', () => {
    const d = index([a01()], [a03(), hours(1)]);
    expect(d.byMrn('MRN1001')?.status).toBe('discharged');
  });
});
