// The gateway's problems as the page knows them (GET /api/status): fetched when someone watches,
// again shortly after events that may change them, and once a minute, which also moves the
// durations on and catches problems that only count after a grace time (a link down for 5 s).
//
// It also knows whether the gateway answers at all: when the event stream breaks it asks at once,
// and while the gateway does not answer it asks every few seconds, so the page says so within a
// second or two and is current again as soon as the gateway is back.

import type { GatewayEvent, StatusView } from '../../api-types.ts';
import { ApiError, get } from './api.ts';
import { onConnection, onEvent, onReconnect } from './events.ts';
import { latestOnly } from './latest-only.ts';
import { fetchDelay } from './status-pace.ts';

/** `downSince`: when the gateway stopped answering (epoch ms); undefined while it answers. */
export type StatusListener = (status: StatusView | undefined, now: number, downSince: number | undefined) => void;

const TICK_MS = 60_000;
/** After the last event, once more when the server's grace times (health/problems.ts) are over. */
const SETTLE_MS = 11_000;
/** While the gateway does not answer: how often to ask again. */
const DOWN_POLL_MS = 3_000;

const listeners = new Set<StatusListener>();
const latest = latestOnly();
let current: StatusView | undefined;
let downSince: number | undefined;
let offEvents: Array<() => void> = [];
let tick: ReturnType<typeof setInterval> | undefined;
let soon: ReturnType<typeof setTimeout> | undefined;
let settle: ReturnType<typeof setTimeout> | undefined;
let downPoll: ReturnType<typeof setInterval> | undefined;
let lastFetch = Number.NEGATIVE_INFINITY;

function notify(): void {
  const now = Date.now();
  for (const l of listeners) l(current, now, downSince);
}

/** No answer at all (the connection refused or cut) or a proxy in front saying the gateway is gone. */
function notAnswering(err: unknown): boolean {
  return err instanceof ApiError && (err.status === 0 || err.status === 502 || err.status === 503 || err.status === 504);
}

function setDown(down: boolean): void {
  if (down === (downSince !== undefined)) return;
  downSince = down ? Date.now() : undefined;
  clearInterval(downPoll);
  downPoll = down && listeners.size > 0 ? setInterval(() => void refreshStatus(), DOWN_POLL_MS) : undefined;
  notify();
}

/** Fetches now; the newest request wins (an older answer arriving late is dropped). */
export function refreshStatus(): Promise<unknown> {
  lastFetch = Date.now();
  return latest.run(
    () => get<StatusView>('/api/status'),
    (s) => {
      current = s;
      if (downSince === undefined) notify();
      else setDown(false);
    },
    // The strip keeps what it showed, marked as old while the gateway does not answer.
    (err) => {
      if (notAnswering(err)) setDown(true);
    },
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
  listener(current, Date.now(), downSince);
  if (listeners.size === 1) {
    offEvents = [
      onEvent(onGatewayEvent),
      // The stream broke: does the gateway still answer? It came back: what changed meanwhile?
      onConnection((connected) => {
        if (!connected) void refreshStatus();
      }),
      onReconnect(() => void refreshStatus()),
    ];
    tick = setInterval(() => {
      notify();
      void refreshStatus();
    }, TICK_MS);
    void refreshStatus();
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size > 0) return;
    for (const off of offEvents) off();
    offEvents = [];
    clearInterval(tick);
    clearInterval(downPoll);
    clearTimeout(soon);
    clearTimeout(settle);
    soon = undefined;
    downPoll = undefined;
    latest.cancel();
    current = undefined;
    downSince = undefined;
  };
}
