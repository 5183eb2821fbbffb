// What the web API needs from the running gateway; the gateway implements it, tests may too.

import type { AuditEntry, AuditQuery } from '../audit/journal.ts';
import type { DeviceConfigT } from '../config/schema.ts';
import type { DirectorySummary } from '../patients/directory.ts';
import type { DeviceCounters } from '../devices/device-runner.ts';
import type { PatientRef } from '../model/reading.ts';
import type { RejectedInput } from '../store/rejects.ts';
import type { DeviceBinding, OutboxMessage, ReadingStatus, StoredReading } from '../store/types.ts';
import type { LinkStatus } from '../transports/types.ts';

export interface DeviceView {
  id: string;
  label?: string;
  driver: string;
  kind: string;
  enabled: boolean;
  transport: DeviceConfigT['transport'];
  link: LinkStatus;
  counters: DeviceCounters;
  /** Test codes that went out as local codes only, with counts: what the codeMap still lacks. */
  unmappedCodes: Record<string, number>;
  binding?: DeviceBinding;
}

export interface ReadingView extends StoredReading {
  messages: Array<Omit<OutboxMessage, 'body'>>;
}

export interface DestinationView {
  id: string;
  type: string;
  /** host:port of an MLLP receiver, or broker URL and topic of an uplink. */
  address: string;
  worker: { state: string; queued: number; delivered: number; dead: number; lastError?: string; nextAttemptAt?: string };
}

export interface GatewayApi {
  devices(): DeviceView[];
  destinations(): DestinationView[];
  readings(status: ReadingStatus, limit: number): Promise<ReadingView[]>;
  /** What devices sent that could not be read, newest first, kept for review. */
  rejected(limit: number, deviceId?: string): Promise<RejectedInput[]>;
  // `who`: the person or script acting, for the audit journal.
  bind(who: string, deviceId: string, patient: PatientRef, minutes?: number): Promise<DeviceBinding>;
  unbind(who: string, deviceId: string): Promise<boolean>;
  assign(who: string, readingId: string, patient: PatientRef, opts: { acceptImplausible?: boolean }): Promise<StoredReading>;
  discard(who: string, readingId: string, reason: string): Promise<StoredReading>;
  audit(query: AuditQuery): Promise<AuditEntry[]>;
  /** Counts of the patient directory, when an inbound feed is configured. */
  patients(): DirectorySummary | undefined;
  /** One outbox message with its HL7 text and the EHR's ACK, for an interface analyst. */
  message(messageId: string): OutboxMessage;
  /** A dead letter back into its destination's line, same bytes and control ID. */
  resend(who: string, messageId: string): Promise<OutboxMessage>;
}
