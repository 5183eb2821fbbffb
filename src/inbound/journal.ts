// Every inbound message as received, with what we answered: the audit trail of the EHR feed and
// the place where rejected messages wait for review. Append-only day files (store/history.ts).

import type { Logger } from '../model/logger.ts';
import { History } from '../store/history.ts';

export type InboundOutcome = 'AA' | 'AE' | 'AR';

export interface InboundRecord {
  at: string;
  /** MSH-10, when it could be read. */
  controlId?: string;
  /** MSH-9.1^MSH-9.2, when it could be read. */
  type?: string;
  outcome: InboundOutcome;
  /** Why it was not AA. */
  reason?: string;
  errorCode?: string;
  warnings?: string[];
  /** The message as received (capped at MAX_TEXT characters). */
  text: string;
  truncated?: boolean;
  /** Set on the second record of a message whose change could not be stored after it was journaled. */
  followUp?: true;
}

const MAX_TEXT = 1024 * 1024;

export class InboundJournal {
  readonly #history: History<InboundRecord>;

  constructor(
    readonly dir: string,
    opts: { retentionDays?: number; log?: Logger } = {},
  ) {
    this.#history = new History<InboundRecord>(dir, opts);
  }

  /** Resolves once the record is fsync'd. */
  keep(record: Omit<InboundRecord, 'truncated'>): Promise<void> {
    const r: InboundRecord = { ...record };
    if (r.text.length > MAX_TEXT) {
      r.text = r.text.slice(0, MAX_TEXT);
      r.truncated = true;
    }
    return this.#history.append([r]);
  }

  /** Newest first; `rejectedOnly` for the review list. */
  recent(opts: { limit: number; before?: string; rejectedOnly?: boolean }): Promise<InboundRecord[]> {
    return this.#history.recent({
      limit: opts.limit,
      ...(opts.before ? { before: opts.before } : {}),
      ...(opts.rejectedOnly ? { filter: (r: InboundRecord) => r.outcome !== 'AA' } : {}),
    });
  }

  prune(now?: Date): Promise<number> {
    return this.#history.prune(now);
  }
}
