// Per destination, what waits in the outbox: one pass over its messages for all destinations at
// once, at scrape or health-check time only (never per reading). The outbox holds what is not yet
// delivered and archived, so this is small unless a destination has been away.

import { isInLine } from '../outbox/outbox.ts';
import type { OutboxMessage } from '../store/types.ts';

export interface OutboxFacts {
  /** Messages in the destination's line (queued, waiting to retry, in flight). */
  queued: number;
  /** Dead letters: refused by the receiver, waiting for a person. */
  dead: number;
  /** When the oldest message in the line was built (ms since the epoch); absent when the line is empty. */
  oldestQueuedAt?: number;
}

/** Facts for each of `destinationIds` (zeros when nothing waits), and for any other destination a message names. */
export function outboxFacts(messages: Iterable<OutboxMessage>, destinationIds: Iterable<string>): Map<string, OutboxFacts> {
  const facts = new Map<string, OutboxFacts>();
  for (const id of destinationIds) facts.set(id, { queued: 0, dead: 0 });
  // ISO times of one format compare as strings: parse only the winner.
  const oldest = new Map<string, string>();
  for (const m of messages) {
    let f = facts.get(m.destinationId);
    if (!f) facts.set(m.destinationId, (f = { queued: 0, dead: 0 }));
    if (isInLine(m)) {
      f.queued++;
      const o = oldest.get(m.destinationId);
      if (o === undefined || m.createdAt < o) oldest.set(m.destinationId, m.createdAt);
    } else if (m.state === 'dead') {
      f.dead++;
    }
  }
  for (const [id, at] of oldest) {
    const ms = Date.parse(at);
    if (!Number.isNaN(ms)) facts.get(id)!.oldestQueuedAt = ms;
  }
  return facts;
}
