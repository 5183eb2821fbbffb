// The gateway's problems as the page knows them (GET /api/status): fetched when someone watches,
// again shortly after events that may change them, and once a minute, which also moves the
// durations on and catches problems that only count after a grace time (a link down for 5 s).

import type { GatewayEvent, StatusView } from '../../api-types.ts';
import { get } from './api.ts';
import { onEvent } from './events.ts';
import { latestOnly } from './latest-only.ts';
import { fetchDelay } from './status-pace.ts';

export type StatusListener = (status: StatusView | undefined, now: number) => void;

const TICK_MS = 60_000;
/** After the last event, once more when the server's grace times (health/problems.ts) are over. */
const SETTLE_MS = 11_000;

const listeners = new Set<StatusListener>();
const latest = latestOnly();
let current: StatusView | undefined;
let offEvents: (() => void) | undefined;
let tick: ReturnType<typeof setInterval> | undefined;
let soon: ReturnType<typeof setTimeout> | undefined;
let settle: ReturnType<typeof setTimeout> | undefined;
let lastFetch = Number.NEGATIVE_INFINITY;

function notify(): void {
  const now = Date.now();
  for (const l of listeners) l(current, now);
}

/** Fetches now; the newest request wins (an older answer arriving late is dropped). */
export function refreshStatus(): Promise<unknown> {
  lastFetch = Date.now();
  return latest.run(
    () => get<StatusView>('/api/status'),
    (s) => {
      current = s;
      notify();
    },
    () => undefined, // the strip keeps what it showed; the next event or tick tries again
  );
}

function onGatewayEvent(e: GatewayEvent): void {
  if (e.type === 'simulator') return;
  soon ??= setTimeout(
    () => {
      soon = undefined;
      void refreshStatus();
    },
    fetchDelay(lastFetch, Date.now()),
  );
  clearTimeout(settle);
  settle = setTimeout(() => void refreshStatus(), SETTLE_MS);
}

/** Calls `listener` with what is known now and on every change and tick; returns the unsubscribe. */
export function watchStatus(listener: StatusListener): () => void {
  listeners.add(listener);
  listener(current, Date.now());
  if (listeners.size === 1) {
    offEvents = onEvent(onGatewayEvent);
    tick = setInterval(() => {
      notify();
      void refreshStatus();
    }, TICK_MS);
    void refreshStatus();
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0) return;
    offEvents?.();
    clearInterval(tick);
    clearTimeout(soon);
    clearTimeout(settle);
    soon = undefined;
    latest.cancel();
    current = undefined;
  };
}
