// Whether two patient IDs, or two orders, name the same patient: one rule for the pipeline (a tube
// ordered for two patients is held) and the order book (their work is never merged), so a tube
// one of them calls shared is never one the other calls conflicting.

import type { PatientRef } from '../model/reading.ts';
import type { DirectoryEntry, OrderEntry } from './types.ts';

const text = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');

/** The same ID as given, assigning authorities agreeing where both name one. */
export function sameId(a: PatientRef, b: PatientRef): boolean {
  if (text(a.mrn) !== text(b.mrn)) return false;
  const aa = text(a.assigningAuthority);
  const ba = text(b.assigningAuthority);
  return aa === '' || ba === '' || aa === ba;
}

/** Finds the directory entry an ID lives under now, merges followed. */
export type FindEntry = (mrn: string, assigningAuthority: string | undefined) => DirectoryEntry | undefined;

/** Orders of the same patient: the same ID as given, or the same directory entry once merges are followed. */
export function sameOrderPatient(find: FindEntry, a: OrderEntry, b: OrderEntry): boolean {
  if (sameId({ mrn: a.mrn, assigningAuthority: a.assigningAuthority }, { mrn: b.mrn, assigningAuthority: b.assigningAuthority })) return true;
  const ea = find(text(a.mrn), a.assigningAuthority);
  const eb = find(text(b.mrn), b.assigningAuthority);
  return ea !== undefined && eb !== undefined && sameId(ea.patient, eb.patient);
}
