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
    const now = new Date().toISOString();
    this.#status.state = state;
    this.#status.since = changed ? now : this.#status.since;
    if (state === 'connected' || state === 'listening' || (state === 'stopped' && extra.lastError === undefined)) {
      // Up again (or stopped on purpose): the outage is over, and so is its error. An error told in
      // the same call is news about the link that is up (a broker refusing a subscription): it stays.
      delete this.#status.downSince;
      delete this.#status.lastError;
    } else if (state === 'retrying' || state === 'stopped') this.#status.downSince ??= now;
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
