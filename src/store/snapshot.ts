// Copies of stored records that later changes do not reach, at a fraction of structuredClone's cost
// (which was a tenth of the CPU a reading takes). They hold because of how records change: every
// change replaces a field of the record (a state, a patient, a new reading with local codes only),
// and only the two arrays below are ever pushed to; nested values (the reading, an ACK) are never
// edited in place. The snapshot tests go through every path that changes a record today.

import type { OutboxMessage, StoredReading } from './types.ts';

// Object.assign, not a spread with fields after it: on Node 20 that literal costs ten times more.
export function snapshotReading(stored: StoredReading): StoredReading {
  const copy: StoredReading = Object.assign({}, stored);
  copy.holdReasons = stored.holdReasons.slice();
  if (stored.messageIds) copy.messageIds = stored.messageIds.slice();
  return copy;
}

export function snapshotMessage(message: OutboxMessage): OutboxMessage {
  return Object.assign({}, message);
}
