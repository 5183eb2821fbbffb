// The head of one destination's line without scanning the outbox: with 20,000 messages queued for
// an EHR that is away, looking at the line after each new reading must not cost 20,000 steps.
// Messages enter a line only with a new, highest seq (enqueue, resend), so the line is kept as
// (id, seq) pairs in seq order, fed by the store's record watch; pairs whose message has left the
// line (delivered, dead, removed, resent under a new seq) are dropped when they reach the front.

import type { StateStore } from '../store/state-store.ts';
import type { OutboxMessage } from '../store/types.ts';
import { isInLine } from './outbox.ts';

interface Entry {
  id: string;
  seq: number;
}

export class LineIndex {
  private entries: Entry[] = [];
  private front = 0;
  /** The seq each message is listed under. */
  private readonly listed = new Map<string, number>();
  private readonly unwatch: () => void;

  constructor(
    private readonly store: StateStore,
    private readonly destinationId: string,
  ) {
    const mine = Object.values(store.data.messages).filter((m) => this.belongs(m));
    mine.sort((a, b) => a.seq - b.seq);
    for (const m of mine) this.list(m);
    this.unwatch = store.watch('messages', (id) => {
      const m = store.data.messages[id];
      if (m && this.belongs(m)) this.list(m);
    });
  }

  /** The first message of the line, whatever its state. */
  head(): OutboxMessage | undefined {
    const messages = this.store.data.messages;
    while (this.front < this.entries.length) {
      const e = this.entries[this.front]!;
      const m = messages[e.id];
      if (m && m.seq === e.seq && this.belongs(m)) return m;
      if (this.listed.get(e.id) === e.seq) this.listed.delete(e.id);
      this.front++;
    }
    this.entries = [];
    this.front = 0;
    return undefined;
  }

  /** At most how many messages are in the line: one that left it counts until it reaches the front. */
  get atMost(): number {
    return this.entries.length - this.front;
  }

  close(): void {
    this.unwatch();
  }

  private belongs(m: OutboxMessage): boolean {
    return m.destinationId === this.destinationId && isInLine(m);
  }

  private list(m: OutboxMessage): void {
    if (this.listed.get(m.id) === m.seq) return;
    this.listed.set(m.id, m.seq);
    const entry = { id: m.id, seq: m.seq };
    const last = this.entries[this.entries.length - 1];
    if (!last || last.seq < m.seq) this.entries.push(entry);
    else this.entries.splice(this.insertionPoint(m.seq), 0, entry); // not expected: seqs only grow
    if (this.front > 1024 && this.front * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.front);
      this.front = 0;
    }
  }

  private insertionPoint(seq: number): number {
    let lo = this.front;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
