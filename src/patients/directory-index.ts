// Lookups over one directory state, with the maps built once per state (a few thousand entries
// rebuild in well under a millisecond; a lookup is then a map hit, not a scan).

import { foldName } from '../model/name-fold.ts';
import { resolveEntry, type DirectoryState } from './directory-state.ts';
import type { DirectoryEntry, OrderEntry, PatientDirectory } from './types.ts';

/** Case-, accent- and punctuation-blind form of a name (model/name-fold.ts). */
export const normalizeName = (name: string): string => foldName(name);

function nameKey(family: string, given: string, dob: string): string {
  return `${normalizeName(family)}\u0000${normalizeName(given)}\u0000${dob.trim()}`;
}

/** Active before discharged, then the newest. */
function better<T extends { updatedAt: string }>(a: T, b: T, isLive: (x: T) => boolean): T {
  if (isLive(a) !== isLive(b)) return isLive(a) ? a : b;
  return a.updatedAt >= b.updatedAt ? a : b;
}

const activeEntry = (e: DirectoryEntry): boolean => e.status === 'active';
const openOrder = (o: OrderEntry): boolean => o.status === 'open';

/** Sort order: live first, then the newest. */
function liveThenNewest<T extends { updatedAt: string }>(isLive: (x: T) => boolean): (a: T, b: T) => number {
  return (a, b) => (isLive(a) !== isLive(b) ? (isLive(a) ? -1 : 1) : a.updatedAt < b.updatedAt ? 1 : a.updatedAt > b.updatedAt ? -1 : 0);
}

function keep<T extends { updatedAt: string }>(map: Map<string, T>, key: string, value: T, isLive: (x: T) => boolean): void {
  const old = map.get(key);
  map.set(key, old ? better(old, value, isLive) : value);
}

export class DirectoryIndex implements PatientDirectory {
  private readonly visits = new Map<string, DirectoryEntry>();
  private readonly names = new Map<string, DirectoryEntry[]>();
  private readonly specimens = new Map<string, OrderEntry>();
  private readonly onSpecimen = new Map<string, OrderEntry[]>();
  private readonly numbers = new Map<string, OrderEntry>();

  constructor(private readonly state: DirectoryState) {
    for (const e of state.entries.values()) {
      if (e.mergedInto !== undefined) continue; // a forwarding address is found by MRN only
      if (e.visit.visitNumber !== undefined) keep(this.visits, e.visit.visitNumber, e, activeEntry);
      const { family, given, dob } = e.patient;
      if (family !== undefined && given !== undefined && dob !== undefined) {
        const key = nameKey(family, given, dob);
        const list = this.names.get(key);
        if (list) list.push(e);
        else this.names.set(key, [e]);
      }
    }
    for (const list of this.names.values()) list.sort(liveThenNewest(activeEntry));
    for (const o of state.orders.values()) {
      for (const id of new Set([...(o.specimenId === undefined ? [] : [o.specimenId]), ...(o.specimenIds ?? [])])) {
        keep(this.specimens, id, o, openOrder);
        const list = this.onSpecimen.get(id);
        if (list) list.push(o);
        else this.onSpecimen.set(id, [o]);
      }
      if (o.placer !== undefined) keep(this.numbers, o.placer, o, openOrder);
      if (o.filler !== undefined) keep(this.numbers, o.filler, o, openOrder);
    }
    for (const list of this.onSpecimen.values()) list.sort(liveThenNewest(openOrder));
  }

  /**
   * Follows merges. With an assigning authority, an entry filed under another authority does not
   * match (an entry without one matches any).
   */
  byMrn(mrn: string, assigningAuthority?: string): DirectoryEntry | undefined {
    const id = mrn.trim();
    const first = this.state.entries.get(id);
    if (!first) return undefined;
    const aa = assigningAuthority?.trim();
    const filed = first.patient.assigningAuthority;
    if (aa && filed && aa.toUpperCase() !== filed.toUpperCase()) return undefined;
    return resolveEntry(this.state.entries, id);
  }

  byVisit(visitNumber: string): DirectoryEntry | undefined {
    return this.visits.get(visitNumber.trim());
  }

  /** Every entry with this name and birth date (active first, then newest); case, accents and punctuation ignored. */
  byNameAndBirthDate(family: string, given: string, dob: string): DirectoryEntry[] {
    return [...(this.names.get(nameKey(family, given, dob)) ?? [])];
  }

  orderBySpecimen(specimenId: string): OrderEntry | undefined {
    return this.specimens.get(specimenId.trim());
  }

  ordersBySpecimen(specimenId: string): OrderEntry[] {
    return [...(this.onSpecimen.get(specimenId.trim()) ?? [])];
  }

  /** By placer or filler order number; an open order wins over a cancelled one with the same number. */
  orderByNumber(placerOrFiller: string): OrderEntry | undefined {
    return this.numbers.get(placerOrFiller.trim());
  }
}
