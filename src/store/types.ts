// The shapes kept in the state document (lowdb) and in the delivered history.

import type { Ack } from '../hl7/ack-types.ts';
import type { HoldReason } from '../model/hold.ts';
import type { PatientRef, Reading } from '../model/reading.ts';
import type { Visit } from '../model/visit.ts';

export type ReadingStatus = 'held' | 'queued' | 'delivered' | 'dead' | 'discarded';

export interface StoredReading {
  reading: Reading;
  status: ReadingStatus;
  /** Why a held reading waits for a person; what settles each follows from its kind (src/model/hold.ts). */
  holdReasons: HoldReason[];
  /** Set when a person discarded the held reading: it is kept in the history, never sent. */
  discard?: Discard;
  /** The patient the reading goes out for, once known. */
  patient?: PatientRef;
  /** How the patient was found: reported by the device, a binding, or a person's assignment. */
  patientSource?: 'reported' | 'binding' | 'order' | 'directory' | 'assigned';
  /** The visit the patient directory knows for them, for PV1. */
  visit?: Visit;
  /** Its outbox messages, one per destination; kept so finding them does not scan the outbox. */
  messageIds?: string[];
  updatedAt: string;
}

export interface Discard {
  reason: string;
  /** Who discarded it (a user name, or "api" for a script). */
  by?: string;
  at: string;
}

export type MessageState = 'queued' | 'sending' | 'retry_wait' | 'delivered' | 'dead';

/** What a QC message carries (src/qc/qc-forward.ts): ids and codes only, never a value or a patient. */
export interface QcMessageSubject {
  /** The QC log entries it carries, one per test. */
  entries: string[];
  device: string;
  tests: string[];
  lots: string[];
}

export interface OutboxMessage {
  /** Equal to controlId; unique per destination. */
  id: string;
  destinationId: string;
  /** The reading it carries; for a QC message its first QC entry, which no reading has as id. */
  readingId: string;
  /**
   * Absent: a patient reading's message (every message stored before QC forwarding). `qc`: QC
   * results for a destination that receives them; it leaves the outbox once delivered (no history).
   */
  kind?: 'qc';
  qc?: QcMessageSubject;
  /** Order within the destination; never reused. */
  seq: number;
  /** MSH-10, fixed when the message is built; a retry resends the same bytes. */
  controlId: string;
  /** The message as sent, byte for byte on every retry: HL7 text for MLLP, JSON for an MQTT uplink. */
  body: string;
  state: MessageState;
  attempts: number;
  createdAt: string;
  nextAttemptAt?: string;
  lastAttemptAt?: string;
  lastError?: string;
  ack?: Ack & { at: string };
  deliveredAt?: string;
}

export interface DeviceBinding {
  patient: PatientRef;
  /** ISO time the binding ends; absent means it ends with the device's next reading. */
  until?: string;
  createdAt: string;
}

/** 2: hold reasons are HoldReason objects and a discard has its own field (1: strings; migrated at load, store/hold-migration.ts). */
export const STATE_VERSION = 2;

export interface StateDoc {
  version: typeof STATE_VERSION;
  /** Last outbox sequence number handed out. */
  seq: number;
  bindings: Record<string, DeviceBinding>;
  readings: Record<string, StoredReading>;
  messages: Record<string, OutboxMessage>;
}

export interface HistoryRecord {
  at: string;
  reading: StoredReading;
  messages: OutboxMessage[];
}

/** Where finished readings go (the history store); resolves once they are durable. */
export interface HistorySink {
  append(records: HistoryRecord[]): Promise<void>;
}

export function emptyState(): StateDoc {
  return { version: STATE_VERSION, seq: 0, bindings: {}, readings: {}, messages: {} };
}
