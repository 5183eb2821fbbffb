// What an inbound HL7 message means for the patient directory, once parsed (see parse.ts).

import type { LocalCode, PatientRef } from '../model/reading.ts';
import type { Visit } from '../model/visit.ts';

export interface PatientIdentifier {
  mrn: string;
  assigningAuthority?: string;
}

/** ADT^A01 (admit) and ADT^A04 (register an outpatient). */
export interface AdmitEvent {
  kind: 'admit';
  trigger: 'A01' | 'A04';
  patient: PatientRef;
  visit: Visit;
}

/** ADT^A08: new demographics; the visit when PV1 came with it. */
export interface UpdateEvent {
  kind: 'update';
  patient: PatientRef;
  visit?: Visit;
}

/** ADT^A03. */
export interface DischargeEvent {
  kind: 'discharge';
  patient: PatientRef;
  visit: Visit;
}

/** ADT^A11: the admit (A01/A04) of this visit was a mistake. */
export interface CancelAdmitEvent {
  kind: 'cancelAdmit';
  patient: PatientRef;
  visit: Visit;
}

/** One PID/MRG pair of an ADT^A40: the prior identifiers now live under the survivor. */
export interface MergePair {
  survivor: PatientRef;
  prior: PatientIdentifier[];
}

/** ADT^A40; the patient group may repeat, so one message can carry several merges, applied in order. */
export interface MergeEvent {
  kind: 'merge';
  merges: MergePair[];
}

/** One ORC group of an ORM^O01 / OML^O21. */
export interface ParsedOrder {
  /** ORC-1 as sent: NW, XO, CA, ... */
  control: string;
  /** What the control code does to our copy of the order. */
  action: 'open' | 'cancel';
  /** ORC-2, else OBR-2 (EI.1). */
  placer?: string;
  /** ORC-3, else OBR-3 (EI.1). */
  filler?: string;
  /** OBR-4 of every OBR in the group. */
  tests: LocalCode[];
  /** SPM-2 (placer-assigned, else filler-assigned) of the group's SPM segments; without SPM, OBR-20. */
  specimenIds: string[];
  /** ORC-9, else OBR-6. */
  orderedAt?: string;
  /** SPM-4, else OBR-15 (component 1): HL7 table 0487 code or the EHR's words; absent when not sent. */
  specimenType?: string;
  /** TQ1-9, else OBR-27.6, else ORC-7.6: S or A is stat, anything else routine; absent when not sent. */
  priority?: 'routine' | 'stat';
}

export interface OrderEvent {
  kind: 'order';
  patient: PatientRef;
  /** PV1-19 when PV1 came with the order. */
  visitNumber?: string;
  orders: ParsedOrder[];
}

export type InboundEvent = AdmitEvent | UpdateEvent | DischargeEvent | CancelAdmitEvent | MergeEvent | OrderEvent;
