// The clinic's patient context as the EHR tells it (ADT and orders over the inbound HL7 feed).

import type { LocalCode, PatientRef } from '../model/reading.ts';
import type { Visit } from '../model/visit.ts';

export interface DirectoryEntry {
  patient: PatientRef;
  visit: Visit;
  status: 'active' | 'discharged';
  updatedAt: string;
  /** Set on the entry of a patient merged away (A40): the MRN it now lives under. */
  mergedInto?: string;
  /** The visit an admit replaced, so a cancelled admit (A11) can put it back. */
  previous?: { visit: Visit; status: 'active' | 'discharged' };
}

export interface OrderEntry {
  placer?: string;
  filler?: string;
  specimenId?: string;
  /** The patient the order is for. */
  mrn: string;
  assigningAuthority?: string;
  visitNumber?: string;
  tests: LocalCode[];
  orderedAt?: string;
  status: 'open' | 'cancelled';
  updatedAt: string;
  /** Every specimen of the order when it has more than one (specimenId is the first). */
  specimenIds?: string[];
  /** The patient as the order message named them (PID), for demographics without a directory entry. */
  patient?: PatientRef;
  /** ORC-1 of the last message about the order. */
  control?: string;
  /** SPM-4 / OBR-15 as the EHR sent it; absent in entries written before it was kept. */
  specimenType?: string;
  /** TQ1-9 / OBR-27 / ORC-7 as stat or routine; absent when the EHR sent none. */
  priority?: 'routine' | 'stat';
}

/** The read side the patient resolver needs. */
export interface PatientDirectory {
  /** Follows merges: an MRN merged away finds the surviving entry. */
  byMrn(mrn: string, assigningAuthority?: string): DirectoryEntry | undefined;
  byVisit(visitNumber: string): DirectoryEntry | undefined;
  byNameAndBirthDate(family: string, given: string, dob: string): DirectoryEntry[];
  orderBySpecimen(specimenId: string): OrderEntry | undefined;
  /** Every order on this specimen (the EHR may place several on one tube): open first, then the newest. */
  ordersBySpecimen(specimenId: string): OrderEntry[];
  orderByNumber(placerOrFiller: string): OrderEntry | undefined;
}

export type BindingMode = 'reported' | 'bind' | 'order' | 'hold';
