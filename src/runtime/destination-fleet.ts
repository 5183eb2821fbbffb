// Where readings go at run time: one delivery worker per destination, replaced one at a time when
// its configuration changes. Messages already built keep their bytes (and control IDs) across it.

import type { DestinationConfig } from '../config/schema.ts';
import type { Meter } from '../metrics/meter.ts';
import type { Logger } from '../model/logger.ts';
import { adapterOf, loadAdapter } from '../destinations/index.ts';
import { type DeliveryLink, DeliveryWorker } from '../outbox/delivery-worker.ts';
import type { StateStore } from '../store/state-store.ts';
import type { HistorySink, OutboxMessage, StoredReading } from '../store/types.ts';
import type { DestinationView, GatewayEvent } from '../web/api-types.ts';
import { liveMessageView } from '../web/reading-views.ts';

export interface DestinationFleetOptions {
  store: StateStore;
  history: HistorySink;
  log: Logger;
  /** A function is called only when someone listens (a view that costs to build). */
  emit(event: GatewayEvent | (() => GatewayEvent)): void;
  /** Times each delivery (monitoring). */
  meter?: Pick<Meter, 'delivered'>;
  /** A QC message was delivered: it leaves the outbox, so the QC log notes where it went and when. */
  onQcDelivered?(message: OutboxMessage): void;
}

interface Entry {
  config: DestinationConfig;
  worker: DeliveryWorker;
  /** Delivered by the workers this one replaced (edits of the same destination): the count goes on across an edit. */
  deliveredBefore: number;
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
      destination: dest,
      store: this.opts.store,
      history: this.opts.history,
      backoff: dest.retry ?? { initialMs: 1000, maxMs: 60_000 },
      log: this.opts.log, // the worker names its destination itself (dlog would name it twice)
      // The worker logs retries and dead letters itself; the console also says what went through.
      onChange: ({ type, message }) => {
        if (type === 'delivered') {
          this.opts.meter?.delivered(dest.id, message.createdAt);
          const sent = { controlId: message.controlId, attempts: message.attempts, ack: message.ack?.code };
          if (message.qc) {
            dlog.info({ qc: message.qc.entries, device: message.qc.device, tests: message.qc.tests, ...sent }, 'QC results forwarded');
            this.opts.onQcDelivered?.(message);
          } else {
            const deviceId = this.opts.store.data.readings[message.readingId]?.reading.deviceId;
            dlog.info({ reading: message.readingId, device: deviceId, ...sent }, adapter.deliveredLog);
          }
        }
        this.opts.emit(() => ({ type: 'message', message: liveMessageView(this.opts.store.data, message) }));
      },
    });
    const deliveredBefore = previous ? previous.deliveredBefore + previous.worker.status.delivered : 0;
    this.#entries.set(dest.id, { config: dest, worker, deliveredBefore });
    if (opts.start) worker.start();
  }

  /**
   * A reading was stored or changed: the page is told of its messages just queued. A worker tells
   * only of what it tries, and with the EHR away it tries the head of its line only; one that sends
   * at once tells of it as "sending" in a moment, so no "queued" event is spent on it.
   */
  noteQueued(stored: StoredReading): void {
    const doc = this.opts.store.data;
    for (const id of stored.messageIds ?? []) {
      const m = doc.messages[id];
      if (m?.state !== 'queued' || m.attempts !== 0 || this.#entries.get(m.destinationId)?.worker.sendsSoon()) continue;
      this.opts.emit(() => ({ type: 'message', message: liveMessageView(doc, m) }));
    }
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

  /** A destination waiting out its backoff tries now: 'retried', or why not. */
  retryNow(id: string): 'retried' | 'not-waiting' | 'unknown' {
    const entry = this.#entries.get(id);
    if (!entry) return 'unknown';
    return entry.worker.retryNow() ? 'retried' : 'not-waiting';
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

  /** Each destination's link as its worker knows it, without a pass over the outbox (the status strip asks often). */
  links(): Array<DeliveryLink & { id: string }> {
    return [...this.#entries.values()].map(({ config, worker }) => ({ id: config.id, ...worker.linkStatus }));
  }

  /** One destination's view (one pass over the outbox); undefined for an unknown ID. */
  view(id: string): DestinationView | undefined {
    const entry = this.#entries.get(id);
    return entry && viewOf(entry);
  }

  views(): DestinationView[] {
    return [...this.#entries.values()].map(viewOf);
  }
}

function viewOf({ config: c, worker, deliveredBefore }: Entry): DestinationView {
  const status = worker.status;
  return { id: c.id, type: c.type, address: addressOf(c), worker: { ...status, delivered: deliveredBefore + status.delivered } };
}
