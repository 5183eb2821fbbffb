// The one backoff of the gateway: how long a device link (serial, TCP, MQTT, a watched folder) and a
// destination's line wait before trying again.
//
// The jitter policy: the n-th wait in a row is initialMs * factor^(n-1), capped at maxMs, then
// shortened by a random part of up to JITTER of itself. Only shortened, so the cap a technician
// configured (or reads in the docs) is never exceeded; random, so devices and gateways that failed
// together (a switch rebooted, a power cut) spread out instead of retrying in lockstep. ("Exponential
// Backoff And Jitter", AWS Architecture Blog, 2015, shows why a capped exponential needs jitter.)

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Growth per failure in a row; default 2. */
  factor?: number;
}

/** The largest part of a wait the jitter takes off. */
export const JITTER = 0.1;

/** The wait before try `attempt + 1`, after `attempt` failures in a row (1 for the first). `random` in [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const grown = policy.initialMs <= 0 ? 0 : policy.initialMs * (policy.factor ?? 2) ** Math.max(0, attempt - 1);
  // `grown` may be Infinity after many failures: min() still gives the cap.
  const base = Math.min(policy.maxMs, grown);
  return Math.max(0, Math.round(base * (1 - JITTER * random())));
}
