import { describe, expect, it } from 'vitest';
import { sameId, sameOrderPatient } from '../../../src/patients/same-patient.ts';
import type { DirectoryEntry, OrderEntry } from '../../../src/patients/types.ts';

const order = (mrn: string, assigningAuthority?: string): OrderEntry => ({
  mrn,
  ...(assigningAuthority ? { assigningAuthority } : {}),
  tests: [],
  status: 'open',
  updatedAt: '2026-12-06T08:00:00Z',
});
const entry = (mrn: string): DirectoryEntry => ({ patient: { mrn }, visit: {}, status: 'active', updatedAt: '2026-12-06T08:00:00Z' });

describe('sameId and sameOrderPatient: the one rule the pipeline and the order book share', () => {
  it('takes the same ID with authorities agreeing where both name one, spaces aside', () => {
    expect(sameId({ mrn: ' A1 ' }, { mrn: 'A1', assigningAuthority: 'HOSP' })).toBe(true);
    expect(sameId({ mrn: 'A1', assigningAuthority: 'HOSP' }, { mrn: 'A1', assigningAuthority: 'OTHER' })).toBe(false);
    expect(sameId({ mrn: 'A1' }, { mrn: 'B2' })).toBe(false);
  });

  it('follows merges through the directory: an old MRN and its survivor are one patient', () => {
    const survivor = entry('A1');
    const find = (mrn: string) => (mrn === 'A1' || mrn === 'OLD7' ? survivor : undefined);
    expect(sameOrderPatient(find, order('OLD7'), order('A1'))).toBe(true);
    expect(sameOrderPatient(find, order('A1'), order('B2'))).toBe(false);
    expect(sameOrderPatient(() => undefined, order('C3', 'HOSP'), order('C3'))).toBe(true);
  });
});
