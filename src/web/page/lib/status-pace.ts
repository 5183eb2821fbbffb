// How often the page asks GET /api/status while events flow. Pure.

/** Events come in bursts (a reading, its message, its delivery): one fetch per burst. */
const BURST_MS = 300;

/**
 * While events keep coming (50 readings a second during an outage) one fetch per this long: the
 * strip says minutes, and every open tab asks.
 */
export const THROTTLE_MS = 2500;

/** How long after an event the next fetch goes: the burst gathered, and at most one per THROTTLE_MS. */
export function fetchDelay(lastFetch: number, now: number): number {
  return Math.max(BURST_MS, lastFetch + THROTTLE_MS - now);
}
