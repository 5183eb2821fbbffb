// Capped exponential backoff with jitter, so a room full of devices does not reconnect in lockstep.

export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor?: number;
}

export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.maxMs, policy.initialMs * (policy.factor ?? 2) ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}
