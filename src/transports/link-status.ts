// Link state bookkeeping shared by the transports; it owns the counters so each transport only says what happened.

import { EventEmitter } from 'node:events';
import type { LinkState, LinkStatus, TransportEvents } from './types.ts';

export class LinkStatusTracker extends EventEmitter<TransportEvents> {
  #status: LinkStatus = { state: 'stopped', since: new Date().toISOString(), reconnects: 0, connections: 0, bytesIn: 0, bytesOut: 0 };

  get status(): LinkStatus {
    return { ...this.#status };
  }

  protected setState(state: LinkState, extra: { lastError?: string; nextRetryAt?: string } = {}): void {
    const changed = state !== this.#status.state || extra.lastError !== undefined;
    this.#status.state = state;
    this.#status.since = changed ? new Date().toISOString() : this.#status.since;
    if (extra.lastError !== undefined) this.#status.lastError = extra.lastError;
    if (state === 'retrying') this.#status.nextRetryAt = extra.nextRetryAt;
    else delete this.#status.nextRetryAt;
    if (state === 'retrying') this.#status.reconnects++;
    this.emit('status', this.status);
  }

  protected countIn(n: number): void {
    this.#status.bytesIn += n;
  }

  protected countOut(n: number): void {
    this.#status.bytesOut += n;
  }

  protected setConnections(n: number): void {
    this.#status.connections = n;
  }
}
