// Finding a patient in the directory the way a medical assistant types: an MRN or visit number,
// or the start of the family and given names in either order ("smi jo", "john smith").

import type { DirectoryState } from './directory-state.ts';
import { normalizeName } from './directory-index.ts';
import type { DirectoryEntry } from './types.ts';

function matchesName(entry: DirectoryEntry, terms: string[]): boolean {
  const names = [entry.patient.family, entry.patient.given].filter((n): n is string => !!n).map(normalizeName);
  return terms.every((t) => names.some((n) => n.startsWith(t)));
}

export function searchDirectory(state: DirectoryState, query: string, limit: number): DirectoryEntry[] {
  const q = query.trim();
  if (q.length === 0) return [];
  const exact: DirectoryEntry[] = [];
  const byName: DirectoryEntry[] = [];
  const terms = q
    .split(/[\s,]+/)
    .map(normalizeName)
    .filter((t) => t.length > 0);
  for (const entry of state.entries.values()) {
    if (entry.mergedInto !== undefined) continue; // a merged-away MRN: the surviving entry is listed instead
    if (entry.patient.mrn === q || entry.visit.visitNumber === q) exact.push(entry);
    else if (terms.length > 0 && matchesName(entry, terms)) byName.push(entry);
  }
  const order = (a: DirectoryEntry, b: DirectoryEntry) =>
    a.status !== b.status
      ? a.status === 'active'
        ? -1
        : 1
      : (a.patient.family ?? '').localeCompare(b.patient.family ?? '') || (a.patient.given ?? '').localeCompare(b.patient.given ?? '');
  return [...exact.sort(order), ...byName.sort(order)].slice(0, limit);
}
