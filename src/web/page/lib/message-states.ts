// What Live knows of the state of each reading's messages, kept for the readings shown and the
// most recent others only: a page left open for a shift hears of every message the gateway sends.
// The recent others are there for a reading whose message events come before the reading itself
// is shown (a reading event, or a page, arriving after them). No DOM here.

/** The state of each of a reading's messages, by message id. */
export type MessageStates = Map<string, string>;

export interface MessageStateBook {
  /** A reading's messages as a page listed them. */
  set(readingId: string, states: MessageStates): void;
  /** A message moved; returns its reading's states now. */
  note(readingId: string, messageId: string, state: string): MessageStates;
  get(readingId: string): MessageStates | undefined;
  readonly size: number;
}

/** Keeps the states of readings `shown` says are shown, and of the `recent` others heard of last. */
export function messageStateBook(shown: (readingId: string) => boolean, recent = 500): MessageStateBook {
  // A Map iterates in insertion order: a reading heard of again is moved to the end.
  const states = new Map<string, MessageStates>();
  // Pruned once per `slack` readings added, not at every event: each prune reads every key.
  const slack = Math.max(1, Math.ceil(recent / 5));
  let pruneAt = recent + slack;
  const prune = () => {
    if (states.size < pruneAt) return;
    let others = 0;
    for (const id of states.keys()) if (!shown(id)) others++;
    for (const id of states.keys()) {
      if (others <= recent) break;
      if (shown(id)) continue;
      states.delete(id);
      others--;
    }
    pruneAt = states.size + slack;
  };
  const put = (readingId: string, s: MessageStates) => {
    states.delete(readingId);
    states.set(readingId, s);
    prune();
    return s;
  };
  return {
    set: (readingId, s) => void put(readingId, s),
    note(readingId, messageId, state) {
      const known = states.get(readingId) ?? new Map<string, string>();
      known.set(messageId, state);
      return put(readingId, known);
    },
    get: (readingId) => states.get(readingId),
    get size() {
      return states.size;
    },
  };
}
