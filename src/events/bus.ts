// Fan-out of the gateway's live events (readings, link states, messages) to whoever listens: the
// web page's event streams. A listener that throws is dropped from the call, never the emitter's problem.

import type { Logger } from '../model/logger.ts';

export class EventBus<E> {
  readonly #listeners = new Set<(event: E) => void>();

  constructor(private readonly log: Logger) {}

  subscribe(listener: (event: E) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  emit(event: E): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        this.log.warn({ error: err instanceof Error ? err.message : String(err) }, 'event listener failed');
      }
    }
  }

  get size(): number {
    return this.#listeners.size;
  }
}
