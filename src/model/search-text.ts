// What a person types in a search box, as the lists read it: exact for ids and MRNs, words for a
// name ("doe jane", "Doe, J" both find Jane Doe), case and accents ignored.

import type { PatientRef } from './reading.ts';

/** The fields of a patient a name search looks at. */
export interface NamedPatient {
  mrn: string;
  family?: string;
  given?: string;
}

/** The text trimmed; undefined when nothing is left. */
export function searchText(q: string | undefined): string | undefined {
  const t = q?.trim();
  return t ? t : undefined;
}

function fold(text: string): string {
  // NFD splits a letter from its accent (Unicode Standard Annex 15); the marks are then dropped.
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
}

/** Words of a name search: split on spaces and commas. */
export function nameWords(q: string): string[] {
  return fold(q)
    .split(/[\s,]+/)
    .filter((w) => w.length > 0);
}

/** Every word starts a word of the patient's family or given name. */
export function nameMatches(patient: NamedPatient | undefined, words: readonly string[]): boolean {
  if (!patient || words.length === 0) return false;
  const own = fold(`${patient.family ?? ''} ${patient.given ?? ''}`)
    .split(/[\s,'-]+/)
    .filter((w) => w.length > 0);
  return words.every((w) => own.some((o) => o.startsWith(w)));
}

/** Name and MRN only: what lists show and a name search reads. */
export function namedPatient(p: PatientRef | undefined): NamedPatient | undefined {
  if (!p) return undefined;
  const out: NamedPatient = { mrn: p.mrn };
  if (p.family) out.family = p.family;
  if (p.given) out.given = p.given;
  return out;
}

/** A search that named no id: an MRN when one is known, else words of a name; `none` when it contradicts the patient filter. */
export interface PatientSearch {
  match: 'mrn' | 'name';
  mrn?: string;
  words?: string[];
  none?: true;
}

export function patientSearch(text: string, patientFilter: string | undefined, isKnownMrn: (mrn: string) => boolean): PatientSearch {
  if (!isKnownMrn(text)) return { match: 'name', mrn: patientFilter, words: nameWords(text) };
  return patientFilter !== undefined && patientFilter !== text ? { match: 'mrn', none: true } : { match: 'mrn', mrn: text };
}
