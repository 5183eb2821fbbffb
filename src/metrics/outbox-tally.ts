// Per destination, what waits in the outbox (metrics/outbox-facts.ts), kept as the store changes
// (its record watch) instead of counted by a pass over every message: a day's outage leaves 100,000
// messages, and one pass over them blocks the gateway for about a tenth of a second, at every
// scrape and every status check. Answers what outboxFacts() would answer for the same document.

import type { OutboxFacts } from './outbox-facts.ts';
import type { StateStore } from '../store/state-store.ts';
import type { OutboxMessage } from '../store/types.ts';
import { isInLine } from '../outbox/outbox.ts';

type Kind = 'line' | 'dead' | 'other';

interface Known {
  destinationId: string;
  kind: Kind;
  createdAt: string;
}

interface Tally {
  queued: number;
  dead: number;
  /** In-line messages and when they were built. */
  line: Map<string, string>;
  /** The oldest of `line`; undefined when it must be looked for again (the oldest left the line). */
  oldest: string | undefined;
}

const kindOf = (m: OutboxMessage): Kind => (isInLine(m) ? 'line' : m.state === 'dead' ? 'dead' : 'other');

export class OutboxTally {
  readonly #known = new Map<string, Known>();
  readonly #tallies = new Map<string, Tally>();
  readonly #unwatch: () => void;

  constructor(store: StateStore) {
    for (const m of Object.values(store.data.messages)) this.#note(m.id, m);
    this.#unwatch = store.watch('messages', (id) => this.#note(id, store.data.messages[id]));
  }

  /** Facts for each of `destinationIds` (zeros when nothing waits), and for any other destination a message names. */
  facts(destinationIds: Iterable<string>): Map<string, OutboxFacts> {
    const facts = new Map<string, OutboxFacts>();
    for (const id of destinationIds) facts.set(id, { queued: 0, dead: 0 });
    for (const [id, t] of this.#tallies) {
      if (t.queued === 0 && t.dead === 0 && !facts.has(id)) continue;
      const f: OutboxFacts = { queued: t.queued, dead: t.dead };
      const oldest = this.#oldest(t);
      if (oldest !== undefined) {
        const ms = Date.parse(oldest);
        if (!Number.isNaN(ms)) f.oldestQueuedAt = ms;
      }
      facts.set(id, f);
    }
    return facts;
  }

  close(): void {
    this.#unwatch();
  }

  #note(id: string, m: OutboxMessage | undefined): void {
    const before = this.#known.get(id);
    const kind = m && kindOf(m);
    if (before && m && before.kind === kind && before.destinationId === m.destinationId && before.createdAt === m.createdAt) return;
    if (before) this.#count(before, id, -1);
    if (!m || !kind) {
      this.#known.delete(id);
      return;
    }
    const known: Known = { destinationId: m.destinationId, kind, createdAt: m.createdAt };
    this.#known.set(id, known);
    this.#count(known, id, 1);
  }

  #count(k: Known, id: string, by: 1 | -1): void {
    let t = this.#tallies.get(k.destinationId);
    if (!t) this.#tallies.set(k.destinationId, (t = { queued: 0, dead: 0, line: new Map(), oldest: undefined }));
    if (k.kind === 'dead') t.dead += by;
    if (k.kind !== 'line') return;
    t.queued += by;
    if (by > 0) {
      t.line.set(id, k.createdAt);
      // ISO times of one format compare as strings. A stale (undefined) oldest stays stale.
      if (t.line.size === 1) t.oldest = k.createdAt;
      else if (t.oldest !== undefined && k.createdAt < t.oldest) t.oldest = k.createdAt;
    } else {
      t.line.delete(id);
      if (t.oldest === k.createdAt) t.oldest = undefined;
    }
  }

  /** Looked for again only when asked, once per departure of the oldest: deliveries do not each cost a pass. */
  #oldest(t: Tally): string | undefined {
    if (t.oldest === undefined && t.line.size > 0) {
      for (const at of t.line.values()) if (t.oldest === undefined || at < t.oldest) t.oldest = at;
    }
    return t.oldest;
  }
}
