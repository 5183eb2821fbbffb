// What the status strip's live region says when the gateway's status changes: only what changed,
// never what was already wrong when the page opened. DOM-free.

import type { Problem } from '../../api-types.ts';

export interface AnnounceState {
  /** The problems already told (or already there when the page opened); undefined until the first answer. */
  known: ReadonlySet<string> | undefined;
  wasDown: boolean;
}

export interface StatusSeen {
  /** Whether the gateway has answered at all: before its first answer there is nothing to compare with. */
  answered: boolean;
  down: boolean;
  /** The problems now, most severe first, and their keys in the same order. */
  problems: readonly Problem[];
  keys: readonly string[];
}

/** The next state, and the words to say (if any). */
export function nextAnnouncement(state: AnnounceState, seen: StatusSeen, sentence: (p: Problem) => string): AnnounceState & { words?: string } {
  let { known, wasDown } = state;
  let words: string | undefined;
  if (seen.down !== wasDown) {
    wasDown = seen.down;
    words = seen.down ? 'The gateway does not answer.' : 'The gateway answers again.';
  }
  // Down: what it shows is old, nothing new to tell. Not answered yet: nothing to compare with.
  if (seen.down || !seen.answered) return { known, wasDown, words };
  // The first answer: what was wrong before the page opened is shown, not announced.
  if (!known) return { known: new Set(seen.keys), wasDown, words };
  const before = known;
  const fresh = seen.problems.filter((_, i) => !before.has(seen.keys[i]!));
  if (fresh.length > 0) words = `New problem: ${fresh.map(sentence).join('; ')}.`;
  else if (seen.keys.length === 0 && before.size > 0) words = 'No problems now.';
  return { known: new Set(seen.keys), wasDown, words };
}
