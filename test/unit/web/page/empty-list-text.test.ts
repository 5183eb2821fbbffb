// What an empty Live, Held or Messages list says: the filters it was read with, never a generic line.

import { describe, expect, it } from 'vitest';
import { emptyListText, type ListFilterValues, listSummary } from '../../../../src/web/page/lib/list-summary.ts';

const none: ListFilterValues = { device: '', patient: '', state: '', q: '' };

describe('emptyListText', () => {
  it('follows a device and a state filter', () => {
    expect(emptyListText('readings', { filters: { ...none, device: 'spo2-1', state: 'held' }, stateWord: 'held' })).toBe('No held readings from this device.');
  });

  it('says a search found nothing, not how it matched', () => {
    expect(listSummary(0, ['reading', 'readings'], { more: false, match: 'name' }, { filters: { ...none, q: 'DEMO9999' } })).toBe(
      'Nothing found for \u201cDEMO9999\u201d.',
    );
  });

  it('says MRNs are matched exactly when an MRN filter finds nothing', () => {
    expect(emptyListText('held readings', { filters: { ...none, patient: 'demo1001' } })).toBe(
      'No held readings for a patient with MRN demo1001 (MRNs are matched exactly, capital letters included).',
    );
  });

  it("uses the list's own line with no filter set", () => {
    expect(emptyListText('readings', { filters: none, empty: 'No readings yet.' })).toBe('No readings yet.');
  });

  it('counts what is shown when there is something', () => {
    expect(listSummary(3, ['reading', 'readings'], { more: false, match: 'mrn' }, { filters: { ...none, q: 'DEMO1001' } })).toBe(
      '3 readings shown \u00b7 matching this MRN.',
    );
  });
});
