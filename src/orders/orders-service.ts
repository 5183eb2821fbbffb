// The gateway's orders: the book (order-book.ts), one download worker per analyzer that takes
// downloads, the host-query worklists, and what the API and the status strip ask. The inbound feed
// tells it after each change is durable (the EHR's ACK never waits on an analyzer); readings filed
// under an order close the loop.

import type { AuditJournal } from '../audit/journal.ts';
import type { DeviceConfigT } from '../config/schema.ts';
import type { InboundEvent } from '../inbound/events.ts';
import type { Driver } from '../model/driver.ts';
import { silentLogger, type Logger } from '../model/logger.ts';
import { RequestError } from '../model/request-error.ts';
import type { DownloadOutcome, WorkOrder, Worklist } from '../model/work-order.ts';
import type { OrderEntry } from '../patients/types.ts';
import type { DocumentAdapter } from '../store/durable-document.ts';
import type { StoredReading } from '../store/types.ts';
import type { OrdersDoc, DownloadJob } from './book-state.ts';
import { takesDownloads, type OrdersDevice } from './dispatch.ts';
import { DownloadWorker } from './download-worker.ts';
import { OrderBook, ordersFile, type BookDirectory } from './order-book.ts';
import type { OrdersPage, OrdersQuery, OrderView } from './order-view.ts';
import { orderView, ordersPage } from './order-views.ts';

/** The configured devices that take orders (enabled, with `orders` settings), with what their drivers can do. */
export function ordersDevices(devices: readonly DeviceConfigT[], driver: (id: string) => Driver | undefined): OrdersDevice[] {
  return devices.flatMap((d) => {
    if (!d.orders || d.enabled === false) return [];
    const capabilities = driver(d.driver)?.orders ?? { query: false, download: false };
    return [{ id: d.id, ...(d.label === undefined ? {} : { label: d.label }), orders: d.orders, capabilities, ...(d.codeMap ? { codeMap: d.codeMap } : {}) }];
  });
}

export interface OrdersServiceOptions {
  dataDir: string;
  directory: BookDirectory;
  devices(): OrdersDevice[];
  /** The device runner's download on its current session (resolves retry when none is open). */
  download(deviceId: string, order: WorkOrder): Promise<DownloadOutcome>;
  audit: Pick<AuditJournal, 'record'>;
  log?: Logger;
  now?: () => Date;
  /** Where an order stands changed: the page is told (GatewayEvent `order`). */
  onChange?(key: string): void;
  /** Reconcile (and drop what the directory pruned) this often; default 15 minutes, 0 = never. */
  reconcileEveryMs?: number;
  adapter?: DocumentAdapter<OrdersDoc>;
}

const testsText = (o: WorkOrder): string => o.tests.map((t) => t.code).join(', ');
const auditPatient = (o: WorkOrder) => ({ mrn: o.patient.mrn, ...(o.patient.assigningAuthority ? { assigningAuthority: o.patient.assigningAuthority } : {}) });

/** "placer PL-A4, filler FL-A4, specimen SPC-A4": how staff know an order (never the book's internal key). */
export function orderName(o: Pick<OrderView, 'placer' | 'filler' | 'specimenIds'>): string {
  const parts = [o.placer && `placer ${o.placer}`, o.filler && `filler ${o.filler}`, o.specimenIds.length > 0 && `specimen ${o.specimenIds.join(', ')}`];
  return parts.filter((p) => typeof p === 'string' && p !== '').join(', ') || '(no numbers)';
}

export class OrdersService {
  readonly #workers = new Map<string, DownloadWorker>();
  #timer: NodeJS.Timeout | undefined;
  readonly #log: Logger;
  readonly #now: () => Date;

  private constructor(
    readonly book: OrderBook,
    private readonly opts: OrdersServiceOptions,
  ) {
    this.#log = (opts.log ?? silentLogger).child({ component: 'orders' });
    this.#now = opts.now ?? (() => new Date());
  }

  static async open(opts: OrdersServiceOptions): Promise<OrdersService> {
    let service: OrdersService | undefined;
    const book = await OrderBook.open(ordersFile(opts.dataDir), {
      directory: opts.directory,
      devices: () => opts.devices(),
      ...(opts.log ? { log: opts.log } : {}),
      ...(opts.now ? { now: opts.now } : {}),
      ...(opts.adapter ? { adapter: opts.adapter } : {}),
      onQueued: (device) => service?.worker(device)?.kick(),
      onGiven: (device, work) => service?.given(device, work),
      ...(opts.onChange ? { onChange: opts.onChange } : {}),
    });
    service = new OrdersService(book, opts);
    return service;
  }

  /** Dispatches what changed while the gateway was away, then starts the downloads that wait. */
  start(): void {
    const changed = this.book.reconcile();
    if (changed > 0) this.#log.info({ orders: changed }, 'orders dispatched at start (changed while the gateway was away)');
    for (const device of this.book.devicesWithWork()) this.worker(device)?.kick();
    const every = this.opts.reconcileEveryMs ?? 15 * 60_000;
    if (every > 0) {
      this.#timer = setInterval(() => this.#reconcile(), every);
      this.#timer.unref();
    }
  }

  /** The inbound feed applied an event durably: orders it changed go to their analyzers. */
  inboundApplied(event: InboundEvent): void {
    if (event.kind !== 'order' && event.kind !== 'merge') return;
    this.#reconcile();
  }

  /** Never throws: it runs from the inbound feed and from a timer, where a throw would end the process. */
  #reconcile(): void {
    try {
      this.book.reconcile();
    } catch (err) {
      this.#log.error({ err }, 'orders could not be dispatched; they are dispatched again at the next change or start');
    }
  }

  /** An answer to a host query gave the analyzer an order: audited like a download. */
  given(device: string, work: WorkOrder): void {
    const patient = auditPatient(work);
    const reason = `given to the analyzer in answer to its query: specimen ${work.specimenId}, tests ${testsText(work)}`;
    this.opts.audit.record({ who: 'system', action: 'order', device, patient, reason }).catch((err: unknown) => {
      this.#log.error({ err, device }, 'the audit entry of an order given in a query answer could not be written');
    });
  }

  /** The worklist a session of this device answers host queries from; undefined when it takes none. */
  worklistFor(deviceId: string): Worklist | undefined {
    const device = this.book.queryDevice(deviceId);
    return device ? this.book.worklist(device) : undefined;
  }

  /** The device's settings changed on the page: recent open orders are dispatched to it again. */
  devicesChanged(deviceId: string): void {
    try {
      const changed = this.book.redispatch(deviceId);
      if (changed > 0) this.#log.info({ device: deviceId, orders: changed }, 'open orders dispatched again after a change of the device');
    } catch (err) {
      this.#log.error({ err, device: deviceId }, 'open orders could not be dispatched again after a change of the device');
    }
    this.worker(deviceId)?.kick();
  }

  /** A session of the device opened: a download waiting for it goes now. */
  sessionOpened(deviceId: string): void {
    this.worker(deviceId)?.linkUp();
  }

  noteReading(stored: StoredReading): void {
    try {
      this.book.noteReading(stored);
    } catch (err) {
      this.#log.error({ err }, 'a result could not be marked on its order');
    }
  }

  /** The download worker of a device that takes downloads; undefined for any other. */
  worker(deviceId: string): DownloadWorker | undefined {
    const device = this.opts.devices().find((d) => d.id === deviceId);
    const existing = this.#workers.get(deviceId);
    if (!device || !takesDownloads(device)) {
      // Removed, disabled or switched to query since: its downloads wait until it takes them again.
      // The worker is kept: a send it has in flight settles in it, never alongside a second worker.
      existing?.stop();
      return undefined;
    }
    if (existing) {
      existing.resume();
      return existing;
    }
    const worker = new DownloadWorker({
      device: deviceId,
      book: this.book,
      download: (order) => this.opts.download(deviceId, order),
      recorded: (job, outcome) => this.#recorded(job, outcome),
      log: this.#log,
      now: this.#now,
    });
    this.#workers.set(deviceId, worker);
    return worker;
  }

  async #recorded(job: DownloadJob, outcome: DownloadOutcome): Promise<void> {
    const patient = auditPatient(job.order);
    const what = `${job.order.action} order, specimen ${job.order.specimenId}, tests ${testsText(job.order)}`;
    if (outcome.outcome === 'accepted') {
      this.#log.info({ device: job.device, action: job.order.action, tests: job.order.tests.length }, 'order sent to the analyzer');
      await this.opts.audit.record({ who: 'system', action: 'order', device: job.device, patient, reason: `${what}: accepted by the analyzer` });
    } else if (outcome.outcome === 'rejected') {
      // The analyzer's words may quote the order: at debug only.
      this.#log.warn({ device: job.device, action: job.order.action }, 'the analyzer refused an order download: kept as a dead letter');
      this.#log.debug({ device: job.device, reason: outcome.reason }, 'order download refusal');
      await this.opts.audit.record({
        who: 'system',
        action: 'order',
        device: job.device,
        patient,
        reason: `${what}: rejected by the analyzer: ${outcome.reason}`,
      });
    } else {
      this.#log.debug({ device: job.device, attempts: job.attempts + 1, reason: outcome.reason }, 'order download to try again');
    }
  }

  #context() {
    return {
      devices: this.opts.devices(),
      patient: (mrn: string, aa?: string) => this.opts.directory.byMrn(mrn, aa),
      conflict: (entry: OrderEntry) => this.book.conflictOn(entry),
      now: this.#now(),
    };
  }

  list(query: OrdersQuery): OrdersPage {
    const ctx = this.#context();
    const views = [...this.opts.directory.state.orders].map(([key, entry]) => orderView(key, entry, this.book.state.orders.get(key), ctx));
    return ordersPage(views, query);
  }

  get(key: string): OrderView {
    const entry = this.opts.directory.state.orders.get(key);
    if (!entry) throw new RequestError(404, `no order "${key}"`);
    return orderView(key, entry, this.book.state.orders.get(key), this.#context());
  }

  /** A rejected download queued again (staff, after fixing the cause); audited. */
  async resend(who: string, key: string, device: string): Promise<OrderView> {
    const view = this.get(key);
    const name = orderName(view);
    const state = view.devices.find((d) => d.device === device)?.state;
    if (state === undefined) throw new RequestError(404, `the order ${name} has nothing for device "${device}"`);
    if (state !== 'rejected') throw new RequestError(409, `the order ${name} is ${state} at device "${device}"; only a rejected download can be sent again`);
    const job = this.book.resend(key, device);
    if (!job) throw new RequestError(409, `the order ${name} has no rejected download for device "${device}"`);
    await this.book.save();
    // Action `order` like every order sent or refused (the README's audit promise), by the numbers staff know.
    await this.opts.audit.record({
      who,
      action: 'order',
      device,
      patient: auditPatient(job.order),
      reason: `${job.order.action} order ${name}, tests ${testsText(job.order)}: queued again by a person after the analyzer refused it`,
    });
    return this.get(key);
  }

  /** For the status strip: downloads the analyzers refused, and orders overdue for a result. */
  problems(): { rejected: number; unresulted: number } {
    const page = this.list({ limit: 0 });
    return { rejected: page.counts.rejected ?? 0, unresulted: page.counts.unresulted ?? 0 };
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    for (const w of this.#workers.values()) w.stop();
    await this.book.close();
  }
}
