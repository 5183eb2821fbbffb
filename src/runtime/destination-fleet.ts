// Where readings go at run time: one delivery worker per destination, replaced one at a time when
// its configuration changes. Messages already built keep their bytes (and control IDs) across it.

import type { DestinationConfig } from '../config/schema.ts';
import type { Meter } from '../metrics/meter.ts';
import type { Logger } from '../model/logger.ts';
import { adapterOf, loadAdapter } from '../destinations/index.ts';
import { DeliveryWorker } from '../outbox/delivery-worker.ts';
import type { StateStore } from '../store/state-store.ts';
import type { HistorySink } from '../store/types.ts';
import type { DestinationView, GatewayEvent } from '../web/api-types.ts';
import { messageView } from '../web/reading-views.ts';

export interface DestinationFleetOptions {
  store: StateStore;
  history: HistorySink;
  log: Logger;
  /** A function is called only when someone listens (a view that costs to build). */
  emit(event: GatewayEvent | (() => GatewayEvent)): void;
  /** Times each delivery (monitoring). */
  meter?: Pick<Meter, 'delivered'>;
}

interface Entry {
  config: DestinationConfig;
  worker: DeliveryWorker;
}

export function addressOf(c: DestinationConfig): string {
  return adapterOf(c).address(c);
}

export class DestinationFleet {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly opts: DestinationFleetOptions) {}

  async set(dest: DestinationConfig, opts: { start: boolean } = { start: true }): Promise<void> {
    const previous = this.#entries.get(dest.id);
    const dlog = this.opts.log.child({ destination: dest.id });
    // Built before the old worker stops: a sender that cannot be made (unreadable TLS file) leaves the old one running.
    await loadAdapter(dest.type);
    const adapter = adapterOf(dest);
    const sender = await adapter.open(dest, { log: dlog });
    if (previous) await previous.worker.stop();
    const worker = new DeliveryWorker({
      destinationId: dest.id,
      sender,
      store: this.opts.store,
      history: this.opts.history,
      backoff: dest.retry ?? { initialMs: 1000, maxMs: 60_000 },
      log: this.opts.log, // the worker names its destination itself (dlog would name it twice)
      // The worker logs retries and dead letters itself; the console also says what went through.
      onChange: ({ type, message }) => {
        const deviceId = this.opts.store.data.readings[message.readingId]?.reading.deviceId;
        if (type === 'delivered') {
          this.opts.meter?.delivered(dest.id, message.createdAt);
          dlog.info(
            { reading: message.readingId, device: deviceId, controlId: message.controlId, attempts: message.attempts, ack: message.ack?.code },
            adapter.deliveredLog,
          );
        }
        this.opts.emit(() => ({ type: 'message', message: messageView(message, deviceId) }));
      },
    });
    this.#entries.set(dest.id, { config: dest, worker });
    if (opts.start) worker.start();
  }

  /** Messages of this destination not yet delivered: removing it would strand them. */
  undelivered(id: string): number {
    return Object.values(this.opts.store.data.messages).filter((m) => m.destinationId === id && m.state !== 'delivered').length;
  }

  async remove(id: string): Promise<void> {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#entries.delete(id);
    await entry.worker.stop();
  }

  kick(id: string): void {
    this.#entries.get(id)?.worker.kick();
  }

  startAll(): void {
    for (const e of this.#entries.values()) e.worker.start();
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.#entries.values()].map((e) => e.worker.stop()));
  }

  get size(): number {
    return this.#entries.size;
  }

  ids(): string[] {
    return [...this.#entries.keys()];
  }

  views(): DestinationView[] {
    return [...this.#entries.values()].map(({ config: c, worker }) => ({ id: c.id, type: c.type, address: addressOf(c), worker: worker.status }));
  }
}
