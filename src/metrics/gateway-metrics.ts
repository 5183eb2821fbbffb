// The gateway's Prometheus metrics (prom-client), in a registry of its own: several gateways may run
// in one process (tests), so never prom-client's global default registry.
// On the reading path only plain counters move (a Map look-up and an increment); the metrics read
// them, the link states and the outbox when scraped. Label values are device and destination IDs
// from the configuration, never anything a device or patient sent.

import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../model/logger.ts';
import type { QcProblem } from '../qc/qc-api.ts';
import type { QcStatus } from '../qc/qc-view.ts';
import type { OutboxMessage } from '../store/types.ts';
import type { LinkState } from '../transports/types.ts';
import { sharedDiskSpace, type DiskSpace } from './disk-space.ts';
import { linkIsUp, type Meter, type ReadingOutcome } from './meter.ts';
import { outboxFacts, type OutboxFacts } from './outbox-facts.ts';

/** Where the scrape-time metrics read the running gateway. */
export interface ScrapeSources {
  /** The configured devices; a disabled one has no link to be up. */
  devices(): Iterable<{ id: string; enabled: boolean; state: LinkState }>;
  destinationIds(): Iterable<string>;
  /** The outbox: what is not yet delivered and archived. */
  messages(): Iterable<OutboxMessage>;
  /** The same facts outboxFacts() finds in messages(), kept as they change (outbox-tally.ts): no pass over the outbox. */
  outboxFacts?(): Map<string, OutboxFacts>;
  /** The unreviewed QC rejections (the QC service keeps them in memory). */
  qcProblems?(): Iterable<Pick<QcProblem, 'device'>>;
}

/** What the health check needs that only the events tell. */
export interface RunFacts {
  /** When these metrics started counting (the gateway's start), ms since the epoch. */
  readonly startedAt: number;
  lastDeliveredAt(destinationId: string): number | undefined;
  /** Since when a device's link has been down without a break (ms since the epoch); undefined while up or never seen. */
  downSince(deviceId: string): number | undefined;
}

const OUTCOMES: readonly ReadingOutcome[] = ['queued', 'held', 'rejected'];
const QC_STATUSES: readonly QcStatus[] = ['accepted', 'warning', 'rejected', 'not-judged'];
/** An MLLP ACK takes milliseconds; an EHR away for a while makes minutes and hours. */
const DELIVERY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
/**
 * prom-client samples the event loop delay every 10 ms by default: a hundred wake-ups a second on
 * an idle Raspberry Pi. A tenth of that still catches any stall long enough to matter.
 */
const EVENT_LOOP_SAMPLE_MS = 100;
/** The three outbox gauges of one scrape share one pass over the outbox. */
const OUTBOX_FACTS_MAX_AGE_MS = 250;

type Counts = Record<ReadingOutcome, number>;

export class GatewayMetrics implements Meter, RunFacts {
  readonly startedAt = Date.now();
  readonly registry = new Registry();
  readonly #counts = new Map<string, Counts>();
  readonly #qc = new Map<string, Record<QcStatus, number>>();
  readonly #downSince = new Map<string, number>();
  /** Per destination: when it last delivered, and how many since the start. */
  readonly #deliveries = new Map<string, { at: number; count: number }>();
  readonly #delivery: Histogram;
  readonly #disk: () => Promise<DiskSpace>;
  readonly #log: Logger | undefined;
  #sources: ScrapeSources | undefined;
  #outbox: { at: number; facts: Map<string, OutboxFacts> } | undefined;
  #diskFailing = false;

  constructor(opts: { dataDir: string; log?: Logger }) {
    this.#disk = sharedDiskSpace(opts.dataDir);
    this.#log = opts.log;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    // Collectors below are methods (`this` is the metric) calling back into this object.
    const self = this;

    new Counter({
      name: 'medgate_readings_total',
      help: 'Device reports by outcome: queued for the destinations, held for a person, or rejected (what arrived could not be read).',
      labelNames: ['device', 'outcome'] as const,
      registers,
      collect() {
        this.reset();
        const devices = new Set([...self.#configuredDevices(), ...self.#counts.keys()]);
        for (const device of devices) {
          const c = self.#counts.get(device);
          for (const outcome of OUTCOMES) this.inc({ device, outcome }, c?.[outcome] ?? 0);
        }
      },
    });

    const outboxGauge = (name: string, help: string, value: (f: OutboxFacts, now: number) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['destination'] as const,
        registers,
        collect() {
          this.reset();
          const now = Date.now();
          for (const [destination, facts] of self.outbox(now)) this.set({ destination }, value(facts, now));
        },
      });
    outboxGauge('medgate_outbox_queued', "Messages waiting in the destination's line (queued, waiting to retry, or being sent).", (f) => f.queued);
    outboxGauge('medgate_outbox_oldest_age_seconds', 'Age of the oldest message waiting for the destination; 0 when none waits.', (f, now) =>
      f.oldestQueuedAt === undefined ? 0 : Math.max(0, (now - f.oldestQueuedAt) / 1000),
    );
    outboxGauge(
      'medgate_outbox_dead',
      'Dead letters of the destination: refused by the receiver, waiting for a person to resend or review them.',
      (f) => f.dead,
    );

    new Counter({
      name: 'medgate_messages_delivered_total',
      help: 'Messages the destination acknowledged.',
      labelNames: ['destination'] as const,
      registers,
      collect() {
        this.reset();
        const destinations = new Set([...(self.#sources?.destinationIds() ?? []), ...self.#deliveries.keys()]);
        for (const destination of destinations) this.inc({ destination }, self.#deliveries.get(destination)?.count ?? 0);
      },
    });

    // One for all destinations, no label: per destination, the outbox gauges and the counter above tell who lags.
    this.#delivery = new Histogram({
      name: 'medgate_delivery_seconds',
      help: 'From a reading arriving from its device (or a person releasing it, for a held one) to a destination acknowledging its message.',
      buckets: DELIVERY_BUCKETS,
      registers,
    });

    new Gauge({
      name: 'medgate_device_link_up',
      help: "1 while an enabled device's link is connected (or listening for the device), 0 while it is connecting, retrying or stopped.",
      labelNames: ['device'] as const,
      registers,
      collect() {
        this.reset();
        for (const d of self.#sources?.devices() ?? []) if (d.enabled) this.set({ device: d.id }, linkIsUp(d.state) ? 1 : 0);
      },
    });

    const diskGauge = (name: string, help: string, pick: (d: DiskSpace) => number) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const space = await self.diskSpace();
          // Unknown, not zero: a failed look-up must not read as a full disk.
          this.set(space ? pick(space) : Number.NaN);
        },
      });
    new Counter({
      name: 'medgate_qc_results_total',
      help: 'QC (control material) results logged, by how the Westgard rules judged them: accepted, warning (1-2s), rejected, or not-judged (no target yet, a text value, a calibrator).',
      labelNames: ['device', 'status'] as const,
      registers,
      collect() {
        this.reset();
        for (const [device, c] of self.#qc) for (const status of QC_STATUSES) this.inc({ device, status }, c[status]);
      },
    });

    new Gauge({
      name: 'medgate_qc_rejections_open',
      help: "QC rejections on the device not yet reviewed by a person: that analyzer's patient results for the test are held (or suspect) until then.",
      labelNames: ['device'] as const,
      registers,
      collect() {
        this.reset();
        // Devices with QC results since the start read 0 when nothing is open, so a resolved alert has a series.
        const open = new Map<string, number>([...self.#qc.keys()].map((d) => [d, 0]));
        for (const p of self.#sources?.qcProblems?.() ?? []) open.set(p.device, (open.get(p.device) ?? 0) + 1);
        for (const [device, n] of open) this.set({ device }, n);
      },
    });

    diskGauge('medgate_data_disk_free_bytes', 'Bytes free for the gateway on the file system of its data folder.', (d) => d.free);
    diskGauge('medgate_data_disk_size_bytes', 'Size in bytes of the file system of the data folder.', (d) => d.size);
  }

  /** Where the scrape-time metrics read; set once the running parts exist. */
  readFrom(sources: ScrapeSources): void {
    this.#sources = sources;
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition, in the Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  reading(deviceId: string, outcome: ReadingOutcome): void {
    let c = this.#counts.get(deviceId);
    if (!c) this.#counts.set(deviceId, (c = { queued: 0, held: 0, rejected: 0 }));
    c[outcome]++;
  }

  qcResult(deviceId: string, status: QcStatus): void {
    let c = this.#qc.get(deviceId);
    if (!c) this.#qc.set(deviceId, (c = { accepted: 0, warning: 0, rejected: 0, 'not-judged': 0 }));
    c[status]++;
  }

  link(deviceId: string, state: LinkState): void {
    if (linkIsUp(state)) this.#downSince.delete(deviceId);
    else if (!this.#downSince.has(deviceId)) this.#downSince.set(deviceId, Date.now());
  }

  delivered(destinationId: string, queuedAt: string): void {
    const now = Date.now();
    const d = this.#deliveries.get(destinationId);
    if (d) {
      d.at = now;
      d.count++;
    } else {
      this.#deliveries.set(destinationId, { at: now, count: 1 });
    }
    const from = Date.parse(queuedAt);
    if (!Number.isNaN(from)) this.#delivery.observe(Math.max(0, (now - from) / 1000));
  }

  lastDeliveredAt(destinationId: string): number | undefined {
    return this.#deliveries.get(destinationId)?.at;
  }

  downSince(deviceId: string): number | undefined {
    return this.#downSince.get(deviceId);
  }

  /** Per destination, what waits in the outbox (one pass, shared by the calls of one moment). */
  outbox(now = Date.now()): Map<string, OutboxFacts> {
    const s = this.#sources;
    if (!s) return new Map();
    if (!this.#outbox || now - this.#outbox.at > OUTBOX_FACTS_MAX_AGE_MS || now < this.#outbox.at) {
      this.#outbox = { at: now, facts: s.outboxFacts?.() ?? outboxFacts(s.messages(), s.destinationIds()) };
    }
    return this.#outbox.facts;
  }

  /** The data folder's file system, or undefined when it cannot be read (said once in the log). */
  async diskSpace(): Promise<DiskSpace | undefined> {
    try {
      const space = await this.#disk();
      this.#diskFailing = false;
      return space;
    } catch (err) {
      if (!this.#diskFailing) this.#log?.warn({ err }, 'free space of the data folder cannot be read');
      this.#diskFailing = true;
      return undefined;
    }
  }

  close(): void {
    this.registry.clear();
  }

  *#configuredDevices(): Iterable<string> {
    for (const d of this.#sources?.devices() ?? []) yield d.id;
  }
}
