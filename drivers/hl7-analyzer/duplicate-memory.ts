// Which recent messages (by MSH-10 and content) were already stored, order by order, so a resend
// after a lost ACK is acknowledged without storing it twice. Bounded: the oldest entry goes first.

export interface Recall {
  /** Indexes of the message's reports already durable. */
  stored: ReadonlySet<number>;
  /** Every report of the message is durable: a pure repeat. */
  complete: boolean;
}

interface Entry {
  digest: string;
  stored: Set<number>;
  total: number;
}

export class DuplicateMemory {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity: number) {}

  /**
   * What is known of this control ID. A reused control ID with different content is a new message
   * (analyzers restart their counters): it recalls nothing, so nothing is dropped.
   */
  recall(controlId: string, digest: string): Recall {
    const e = this.entries.get(controlId);
    if (!e || e.digest !== digest) return { stored: new Set(), complete: false };
    return { stored: e.stored, complete: e.stored.size >= e.total };
  }

  remember(controlId: string, digest: string, stored: ReadonlySet<number>, total: number): void {
    if (this.capacity <= 0 || stored.size === 0) return;
    this.entries.delete(controlId); // re-insert: most recent last
    this.entries.set(controlId, { digest, stored: new Set(stored), total });
    while (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}
