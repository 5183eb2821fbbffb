// Delivered-history records for store tests, shaped as archive.ts writes them: the stored reading
// and its outbox messages (one per destination), delivered with the EHR's ACK.

import type { HistoryRecord, OutboxMessage, ReadingStatus } from '../../src/store/types.ts';

export interface RecordSpec {
  at: string;
  id: string;
  deviceId?: string;
  mrn?: string;
  status?: ReadingStatus;
  /** Destination ids, one message each. */
  destinations?: string[];
}

export function deliveredMessage(readingId: string, destinationId: string, createdAt: string, seq = 1): OutboxMessage {
  const id = `${readingId}-${destinationId}`;
  return {
    id,
    destinationId,
    readingId,
    seq,
    controlId: id,
    body: `MSH|^~\\&|MEDGATE|CLINIC|EHR|HOSP|20250101000000||ORU^R01^ORU_R01|${id}|P|2.6\r`,
    state: 'delivered',
    attempts: 1,
    createdAt,
    lastAttemptAt: createdAt,
    ack: { code: 'AA', controlId: id, raw: `MSH|^~\\&|EHR|HOSP|MEDGATE|CLINIC|20250101000001||ACK^R01^ACK|A${id}|P|2.6\rMSA|AA|${id}\r`, at: createdAt },
    deliveredAt: createdAt,
  };
}

export function historyRecord(spec: RecordSpec): HistoryRecord {
  const status = spec.status ?? 'delivered';
  const destinations = spec.destinations ?? (status === 'delivered' ? ['ehr'] : []);
  return {
    at: spec.at,
    reading: {
      reading: {
        id: spec.id,
        deviceId: spec.deviceId ?? 'scale-1',
        kind: 'scale',
        observedAt: spec.at,
        receivedAt: spec.at,
        observations: [],
        raw: 'ST,GS,+0070.00kg',
      },
      status,
      holdReasons: [],
      ...(spec.mrn ? { patient: { mrn: spec.mrn, family: 'Doe', given: 'Jane' }, patientSource: 'binding' as const } : {}),
      updatedAt: spec.at,
    },
    messages: destinations.map((d, i) => deliveredMessage(spec.id, d, spec.at, i + 1)),
  };
}
