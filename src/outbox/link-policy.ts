// When a destination's line tries again: decided per link (our connection to one destination), not
// per message. A message that waited out a two-hour outage has failed forty times, but none of that
// says anything about the EHR now that it answers again.
//
// - Unreachable (the connection cannot be made): the next try is a probe of the link, with
//   exponential backoff (src/transports/backoff.ts) that grows with the failures in a row, capped at retry.maxMs and at
//   PROBE_MAX_MS: a refused or unanswered connection costs the EHR nothing, while each second
//   between its return and our next probe delays every result queued meanwhile. The probe is the
//   head's own send: the moment a connection is made, the head of the line goes on it.
// - Answered (AA/CA, and also AR/CR: the EHR is there): the next message goes at once.
// - Transient (AE/CE, a connection dropped, no ACK in time, an unreadable reply) on a link that
//   connected: the initial delay, growing only with transient failures in a row on that link.
// Each message still counts its own attempts and keeps its last error; they just do not set the wait.

import { backoffDelay, type BackoffPolicy } from '../transports/backoff.ts';

export const DEFAULT_BACKOFF: Required<BackoffPolicy> = { initialMs: 1000, maxMs: 60_000, factor: 2 };

/** The longest wait between two probes of an unreachable destination. */
export const PROBE_MAX_MS = 5000;

export interface LinkState {
  /** Connection attempts that failed in a row. */
  unreachable: number;
  /** Failures in a row on a link that connected. */
  transient: number;
}

export type LinkEvent = 'answered' | 'unreachable' | 'transient';

export const FRESH_LINK: LinkState = { unreachable: 0, transient: 0 };

/** What a failed send means for the link: no connection at all, or a failure on one that connected. */
export function linkEventOf(failure: 'connect' | 'transient'): 'unreachable' | 'transient' {
  return failure === 'connect' ? 'unreachable' : 'transient';
}

/** The link after `event`, and how long the line waits before its next try (0: at once). */
export function nextLink(state: LinkState, event: LinkEvent, backoff: BackoffPolicy, random: () => number = Math.random): { link: LinkState; waitMs: number } {
  switch (event) {
    case 'answered':
      return { link: FRESH_LINK, waitMs: 0 };
    case 'unreachable': {
      const unreachable = state.unreachable + 1;
      const probing = { ...backoff, maxMs: Math.min(backoff.maxMs, PROBE_MAX_MS) };
      return { link: { unreachable, transient: 0 }, waitMs: backoffDelay(unreachable, probing, random) };
    }
    case 'transient': {
      const transient = state.transient + 1;
      return { link: { unreachable: 0, transient }, waitMs: backoffDelay(transient, backoff, random) };
    }
  }
}
