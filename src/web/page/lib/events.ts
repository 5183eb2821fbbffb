// One EventSource for the whole page; views subscribe and unsubscribe as they mount and unmount.

import type { GatewayEvent } from '../../api-types.ts';

type Listener = (event: GatewayEvent) => void;
const listeners = new Set<Listener>();
const connectionListeners = new Set<(connected: boolean) => void>();
const reconnectListeners = new Set<() => void>();
let source: EventSource | undefined;
/** The stream was open and broke (the gateway stopped, a network hiccup): events may have been missed. */
let broken = false;
let everOpen = false;

const TYPES: Array<GatewayEvent['type']> = ['reading', 'link', 'message', 'config', 'simulator', 'order', 'qc'];

export function connectEvents(): void {
  if (source) return;
  source = new EventSource('/api/events');
  for (const type of TYPES) {
    source.addEventListener(type, (e) => {
      let event: GatewayEvent;
      try {
        event = JSON.parse((e as MessageEvent<string>).data) as GatewayEvent;
      } catch {
        return;
      }
      for (const l of listeners) l(event);
    });
  }
  source.addEventListener('open', () => {
    connectionListeners.forEach((l) => l(true));
    if (broken) reconnectListeners.forEach((l) => l());
    broken = false;
    everOpen = true;
  });
  source.addEventListener('error', () => {
    if (everOpen) broken = true;
    connectionListeners.forEach((l) => l(false));
    // EventSource retries by itself, except after an answer that is not a stream (a 401 once the
    // session ended): then the shell finds out why and signs out or reconnects.
    if (source?.readyState === EventSource.CLOSED) {
      source = undefined;
      onClosed();
    }
  });
}

let onClosed: () => void = () => {};
/** What to do when the stream has given up (see above). */
export function whenEventsClosed(fn: () => void): void {
  onClosed = fn;
}

export function disconnectEvents(): void {
  source?.close();
  source = undefined;
  broken = false;
  everOpen = false;
}

/**
 * Called when the stream is open again after it broke: what happened meanwhile came as no event,
 * so a view fetches what it shows again (and clears the errors of the fetches that failed).
 */
export function onReconnect(listener: () => void): () => void {
  reconnectListeners.add(listener);
  return () => reconnectListeners.delete(listener);
}

export function onEvent(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Whether the stream is open now (a view mounted later would otherwise wait for the next change). */
export function isConnected(): boolean {
  return source?.readyState === EventSource.OPEN;
}

/** Called at once with the current state, then on every change. */
export function onConnection(listener: (connected: boolean) => void): () => void {
  connectionListeners.add(listener);
  listener(isConnected());
  return () => connectionListeners.delete(listener);
}
