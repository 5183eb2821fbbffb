import { describe, expect, it } from 'vitest';
import type { DirectoryState } from '../../../src/patients/directory-state.ts';
import { searchDirectory } from '../../../src/patients/search.ts';
import type { DirectoryEntry } from '../../../src/patients/types.ts';

function entry(mrn: string, family: string, given: string, extra: Partial<DirectoryEntry> = {}): [string, DirectoryEntry] {
  return [mrn, { patient: { mrn, family, given }, visit: { visitNumber: `V${mrn}` }, status: 'active', updatedAt: '2026-11-27T08:00:00Z', ...extra }];
}

const state: DirectoryState = {
  entries: new Map([
    entry('1001', 'Smith', 'John'),
    entry('1002', 'Smithers', 'Jane', { status: 'discharged' }),
    entry('1003', 'Müller', 'Jörg'),
    entry('1004', 'Smith', 'Joanna', { mergedInto: '1001' }),
    entry('2001', 'Jones', 'Smitty'),
  ]),
  orders: new Map(),
};

const mrns = (q: string) => searchDirectory(state, q, 10).map((e) => e.patient.mrn);

describe('searchDirectory', () => {
  it('finds an exact MRN or visit number first', () => {
    expect(mrns('1003')).toEqual(['1003']);
    expect(mrns('V1002')).toEqual(['1002']);
  });

  it('matches name starts in either order, active patients first, merged-away entries never', () => {
    expect(mrns('smi')).toEqual(['2001', '1001', '1002']);
    expect(mrns('smith jo')).toEqual(['1001']);
    expect(mrns('john, smith')).toEqual(['1001']);
  });

  it('ignores accents and case as the directory index does', () => {
    expect(mrns('MULLER jorg')).toEqual(['1003']);
  });

  it('finds nothing for an empty query and honours the limit', () => {
    expect(mrns('   ')).toEqual([]);
    expect(searchDirectory(state, 's', 1)).toHaveLength(1);
  });
});
