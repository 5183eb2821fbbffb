// Fan-out of the gateway's live events (readings, link states, messages) to whoever listens: the
// web page's event streams. A listener that throws is dropped from the call, never the emitter's problem.

import type { Logger } from '../model/logger.ts';

/** Events are plain objects with a type, so a function passed to emit() is always a builder. */
export class EventBus<E extends { type: string }> {
  readonly #listeners = new Set<(event: E) => void>();

  constructor(private readonly log: Logger) {}

  subscribe(listener: (event: E) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** `event` may be a function that builds it: called only when someone listens (a view that costs to build). */
  emit(event: E | (() => E)): void {
    if (this.#listeners.size === 0) return;
    const e = typeof event === 'function' ? (event as () => E)() : event;
    for (const listener of this.#listeners) {
      try {
        listener(e);
      } catch (err) {
        this.log.warn({ err }, 'event listener failed');
      }
    }
  }

  get size(): number {
    return this.#listeners.size;
  }
}
