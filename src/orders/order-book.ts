// The order book as the gateway holds it: the pure state (book-state.ts) kept in <dataDir>/orders.json,
// changed by dispatching the directory's orders (dispatch.ts), by the download worker's outcomes,
// by host queries and by results coming back. Every change is saved (coalesced, fsync'd).

import { join } from 'node:path';
import { silentLogger, type Logger } from '../model/logger.ts';
import { DEFAULT_ANSWER_WITHIN_MS } from '../model/order-settings.ts';
import type { DownloadOutcome, Worklist, WorklistAnswer } from '../model/work-order.ts';
import type { PatientDirectoryStore } from '../patients/directory.ts';
import type { OrderEntry } from '../patients/types.ts';
import { DurableDocument, type DocumentAdapter } from '../store/durable-document.ts';
import type { StoredReading } from '../store/types.ts';
import { emptyBook, fromDoc, toDoc, withEvent, type BookOrder, type BookState, type DeviceRecord, type DownloadJob, type OrdersDoc } from './book-state.ts';
import { dispatchOrder, takesQueries, workOrder, type OrdersDevice } from './dispatch.ts';

export const ORDERS_FILE = 'orders.json';

export function ordersFile(dataDir: string): string {
  return join(dataDir, ORDERS_FILE);
}

export type BookDirectory = Pick<PatientDirectoryStore, 'state' | 'byMrn' | 'orderBySpecimen'>;

export interface OrderBookOptions {
  directory: BookDirectory;
  /** The devices with `orders` settings now (a page edit changes them). */
  devices(): OrdersDevice[];
  log?: Logger;
  now?: () => Date;
  /** A download was queued for this device: its worker looks at once. */
  onQueued?(deviceId: string): void;
  /** Where this order stands changed (the page refreshes it). */
  onChange?(key: string): void;
  adapter?: DocumentAdapter<OrdersDoc>;
}

let jobCounter = 0;
const jobId = (now: Date): string => `${now.getTime().toString(36)}-${(jobCounter++).toString(36)}`;

export class OrderBook {
  #state: BookState = emptyBook();
  #document!: DurableDocument<OrdersDoc>;
  readonly #log: Logger;
  readonly #now: () => Date;
  /** Jobs on the wire now; an order with one is dispatched again once it is done. */
  readonly #inFlight = new Set<string>();
  readonly #deferred = new Set<string>();
  /** Directory entries dispatched as they are (the directory never changes an entry in place). */
  readonly #seen = new WeakSet<object>();
  #started = false;

  private constructor(private readonly opts: OrderBookOptions) {
    this.#log = (opts.log ?? silentLogger).child({ component: 'orders' });
    this.#now = opts.now ?? (() => new Date());
  }

  /**
   * Opens the book. A data folder without one (an upgrade, or orders just configured) takes every
   * order the directory holds as dispatched already: nothing is sent for orders that came before.
   */
  static async open(file: string, opts: OrderBookOptions): Promise<OrderBook> {
    const book = new OrderBook(opts);
    const { document, stored } = await DurableDocument.open<OrdersDoc>(file, () => toDoc(book.#state), {
      log: book.#log,
      ...(opts.adapter ? { adapter: opts.adapter } : {}),
    });
    book.#document = document;
    try {
      if (stored !== null) book.#state = fromDoc(file, stored);
      else {
        for (const [key, o] of opts.directory.state.orders) {
          book.#state.orders.set(key, { dispatched: o.updatedAt, status: o.status, receivedAt: o.updatedAt, devices: new Map(), events: [] });
        }
        await document.save();
        book.#log.info({ orders: book.#state.orders.size }, 'order book started: orders already in the directory are taken as dispatched');
      }
    } catch (err) {
      await document.close().catch(() => undefined);
      throw err;
    }
    return book;
  }

  get state(): BookState {
    return this.#state;
  }

  save(): Promise<void> {
    return this.#document.save();
  }

  /** Saves without waiting; a failure is logged (the document retries by itself). */
  #saveSoon(): void {
    this.#document.save().catch((err: unknown) => this.#log.debug({ err }, 'order book write failed; kept in memory'));
  }

  close(): Promise<void> {
    return this.#document.close();
  }

  /** Dispatches every directory order changed since it was last dispatched, and drops what the directory no longer holds. */
  reconcile(): number {
    let changed = 0;
    const orders = this.opts.directory.state.orders;
    for (const [key, entry] of orders) {
      if (this.#seen.has(entry)) continue;
      // The directory replaces an entry it changes: a new object is news, even within one millisecond.
      // Across a restart every object is new, and the stored time tells what changed meanwhile.
      const news = this.#started || this.#state.orders.get(key)?.dispatched !== entry.updatedAt;
      if (!news || this.dispatch(key)) this.#seen.add(entry);
      if (news && this.#seen.has(entry)) changed++;
    }
    this.#started = true;
    for (const key of [...this.#state.orders.keys()]) {
      if (orders.has(key)) continue;
      this.#state.orders.delete(key);
      this.#state.queue = this.#state.queue.filter((j) => j.key !== key);
      changed++;
    }
    if (changed > 0) this.#saveSoon();
    return changed;
  }

  /** Decides what each analyzer gets of one order now; false when the order is not in the directory or must wait. */
  dispatch(key: string): boolean {
    const entry = this.opts.directory.state.orders.get(key);
    if (!entry) return false;
    if (this.#state.queue.some((j) => j.key === key && this.#inFlight.has(j.id))) {
      // What is on the wire decides what the analyzer has: look again once it is answered.
      this.#deferred.add(key);
      return false;
    }
    const now = this.#now();
    const at = now.toISOString();
    const previous = this.#state.orders.get(key);
    const patient = this.opts.directory.byMrn(entry.mrn, entry.assigningAuthority)?.patient ?? entry.patient ?? { mrn: entry.mrn };
    const decisions = dispatchOrder({ order: entry, patient, previous, devices: this.opts.devices(), now: at });
    const order: BookOrder = previous
      ? { ...previous, devices: new Map(previous.devices), dispatched: entry.updatedAt, status: entry.status }
      : { dispatched: entry.updatedAt, status: entry.status, receivedAt: at, devices: new Map(), events: [{ at, what: 'received' }] };
    const news = decisions.some((d) => !d.unchanged);
    if (previous && previous.status !== entry.status && entry.status === 'cancelled') order.events = withEvent(order.events, { at, what: 'cancelled' });
    else if (previous && news) order.events = withEvent(order.events, { at, what: 'changed' });
    const queued = new Set<string>();
    for (const d of decisions) {
      if (d.unchanged) continue;
      if (d.dropQueued) this.#state.queue = this.#state.queue.filter((j) => !(j.key === key && j.device === d.device));
      for (const q of d.queue) {
        this.#state.queue.push({ id: jobId(now), key, device: d.device, order: q.order, after: q.after, attempts: 0, queuedAt: at });
        queued.add(d.device);
      }
      order.devices.set(d.device, d.record);
      if (d.event) order.events = withEvent(order.events, { at, device: d.device, ...d.event });
    }
    this.#state.orders.set(key, order);
    this.#saveSoon();
    this.#changed(key);
    for (const device of queued) this.opts.onQueued?.(device);
    return true;
  }

  /** The next download for this device (queue order), skipping dead letters; undefined when none. */
  nextJob(device: string): DownloadJob | undefined {
    return this.#state.queue.find((j) => j.device === device && !j.dead);
  }

  begin(job: DownloadJob): void {
    this.#inFlight.add(job.id);
  }

  /** Records how the analyzer answered; resolves once that is on disk. */
  async finish(job: DownloadJob, outcome: DownloadOutcome, retryAt?: Date): Promise<void> {
    this.#inFlight.delete(job.id);
    const at = this.#now().toISOString();
    const current = this.#state.queue.find((j) => j.id === job.id);
    const order = this.#state.orders.get(job.key);
    const record = order?.devices.get(job.device);
    if (outcome.outcome === 'accepted') {
      this.#state.queue = this.#state.queue.filter((j) => j.id !== job.id);
      if (order && record) {
        const codes = job.order.tests.map((t) => t.code);
        const given = job.order.action === 'cancel' ? record.given.filter((c) => !codes.includes(c)) : [...new Set([...record.given, ...codes])];
        const more = this.#state.queue.some((j) => j.key === job.key && j.device === job.device);
        const next: DeviceRecord = { ...record, given, attempts: 0 };
        delete next.nextAttemptAt;
        delete next.reason;
        if (!more && next.state !== job.after) {
          next.state = job.after;
          next.since = at;
        }
        if (job.order.action !== 'cancel') next.sentAt = at;
        order.devices.set(job.device, next);
        const what = job.order.action === 'cancel' ? 'cancelled' : 'sent';
        order.events = withEvent(order.events, { at, device: job.device, what, detail: `${job.order.action} ${codes.join(', ')}` });
      }
    } else if (current && outcome.outcome === 'retry') {
      current.attempts++;
      current.lastFailure = outcome.reason;
      if (outcome.answered) current.refusedTries = (current.refusedTries ?? 0) + 1;
      else delete current.refusedTries;
      if (retryAt) current.nextAttemptAt = retryAt.toISOString();
      if (order && record) {
        order.devices.set(job.device, {
          ...record,
          attempts: current.attempts,
          reason: outcome.reason,
          ...(retryAt ? { nextAttemptAt: current.nextAttemptAt } : {}),
        });
        // The first failure of a run, and a change of reason: not one event per attempt.
        if (record.reason !== outcome.reason) order.events = withEvent(order.events, { at, device: job.device, what: 'retry', detail: outcome.reason });
      }
    } else if (current && outcome.outcome === 'rejected') {
      current.attempts++;
      current.dead = true;
      current.lastFailure = outcome.reason;
      delete current.nextAttemptAt;
      if (order && record) {
        const next: DeviceRecord = { ...record, state: 'rejected', since: at, reason: outcome.reason, attempts: current.attempts };
        delete next.nextAttemptAt;
        order.devices.set(job.device, next);
        order.events = withEvent(order.events, { at, device: job.device, what: 'rejected', detail: outcome.reason });
      }
    }
    await this.save();
    this.#changed(job.key);
    if (this.#deferred.delete(job.key)) this.dispatch(job.key);
  }

  #changed(key: string): void {
    try {
      this.opts.onChange?.(key);
    } catch (err) {
      this.#log.error({ err }, 'an order change listener failed');
    }
  }

  /** A rejected download goes back into its device's queue (a person fixed the cause). */
  resend(key: string, device: string): DownloadJob | undefined {
    const job = this.#state.queue.find((j) => j.key === key && j.device === device && j.dead);
    const order = this.#state.orders.get(key);
    const record = order?.devices.get(device);
    if (!job || !order || !record) return undefined;
    const at = this.#now().toISOString();
    delete job.dead;
    delete job.nextAttemptAt;
    delete job.refusedTries;
    job.attempts = 0;
    const next: DeviceRecord = {
      ...record,
      state: job.order.action === 'cancel' && record.tests.length === 0 ? 'cancel-waiting' : 'waiting',
      since: at,
      attempts: 0,
    };
    delete next.reason;
    order.devices.set(device, next);
    order.events = withEvent(order.events, { at, device, what: 'resend' });
    this.#saveSoon();
    this.#changed(key);
    this.opts.onQueued?.(device);
    return job;
  }

  /** The device's session asks about specimens (host query): answered from memory at once. */
  worklist(device: OrdersDevice): Worklist {
    return {
      answerWithinMs: device.orders.answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS,
      query: (specimenIds) => {
        try {
          return this.#query(device, specimenIds);
        } catch (err) {
          // Never rejects: an answer of "no information" is better than none within the analyzer's wait.
          this.#log.error({ err, device: device.id }, 'a host query could not be answered from the order book');
          return { orders: [], unknown: [...specimenIds] };
        }
      },
      answered: (answer, result) => this.#answered(device.id, answer, result),
    };
  }

  #query(device: OrdersDevice, specimenIds: string[]): WorklistAnswer {
    const answer: WorklistAnswer = { orders: [], unknown: [] };
    const at = this.#now().toISOString();
    for (const id of new Set(specimenIds.map((s) => s.trim()).filter((s) => s !== ''))) {
      const found = this.#openOrderFor(id, device.id);
      const order = found && this.#state.orders.get(found.key);
      if (!found || !order) {
        answer.unknown.push(id);
        continue;
      }
      const { entry, record } = found;
      const patient = this.opts.directory.byMrn(entry.mrn, entry.assigningAuthority)?.patient ?? entry.patient ?? { mrn: entry.mrn };
      const tests = record.tests.map((code) => ({ code }));
      answer.orders.push({ ...workOrder('new', device, entry, patient, tests), specimenId: id });
      // Asked and answered from here: the status shows it at once; answered() says if the answer did not go out.
      const keep = record.state === 'resulted' || record.state === 'sent';
      const next: DeviceRecord = { ...record, given: [...record.tests], sentAt: at, ...(keep ? {} : { state: 'queried' as const, since: at }) };
      delete next.reason;
      order.devices.set(device.id, next);
      order.events = withEvent(order.events, { at, device: device.id, what: 'queried', detail: `given ${record.tests.join(', ')}` });
      this.#changed(found.key);
    }
    if (answer.orders.length > 0) this.#saveSoon();
    return answer;
  }

  /** The open order for this specimen with work for this device, by the directory's specimen index. */
  #openOrderFor(specimenId: string, device: string): { key: string; entry: OrderEntry; record: DeviceRecord } | undefined {
    const entry = this.opts.directory.orderBySpecimen(specimenId);
    if (entry?.status !== 'open') return undefined;
    const key = this.#keyOf(entry);
    const record = key === undefined ? undefined : this.#state.orders.get(key)?.devices.get(device);
    if (key === undefined || !record || record.tests.length === 0 || ['not-sent', 'cancelled', 'cancel-waiting'].includes(record.state)) return undefined;
    return { key, entry, record };
  }

  /** The book's record of the order the directory files this specimen under. */
  #bookedFor(specimenId: string): { key: string; order: BookOrder } | undefined {
    const entry = specimenId === '' ? undefined : this.opts.directory.orderBySpecimen(specimenId);
    const key = entry && this.#keyOf(entry);
    const order = key === undefined ? undefined : this.#state.orders.get(key);
    return key !== undefined && order ? { key, order } : undefined;
  }

  #keyOf(entry: OrderEntry): string | undefined {
    for (const [key, o] of this.opts.directory.state.orders) if (o === entry) return key;
    return undefined;
  }

  #answered(device: string, answer: WorklistAnswer, result: { sent: true } | { sent: false; reason: string }): void {
    const at = this.#now().toISOString();
    if (!result.sent) {
      // The analyzer gave up waiting: it has nothing, and asks again when the tube is scanned again.
      for (const work of answer.orders) {
        const found = this.#openOrderFor(work.specimenId, device);
        const order = found && this.#state.orders.get(found.key);
        if (!found || !order) continue;
        const reason = `the answer to its query did not go out: ${result.reason}`;
        if (found.record.state === 'queried') order.devices.set(device, { ...found.record, state: 'waiting', since: at, given: [], reason });
        order.events = withEvent(order.events, { at, device, what: 'retry', detail: reason });
        this.#changed(found.key);
      }
    }
    for (const id of answer.unknown) {
      const booked = this.#bookedFor(id);
      if (!booked) continue;
      const { key, order } = booked;
      const detail = result.sent ? 'told there is no work for this specimen' : `the "no information" answer did not go out: ${result.reason}`;
      order.events = withEvent(order.events, { at, device, what: 'answered-none', detail });
      this.#changed(key);
    }
    this.#saveSoon();
  }

  /** A reading filed under its order: that order's entry for the device becomes `resulted`. */
  noteReading(stored: StoredReading): boolean {
    if (stored.patientSource !== 'order') return false;
    const reading = stored.reading;
    const device = reading.deviceId;
    const booked = this.#bookedFor(reading.specimen?.id?.trim() ?? '');
    if (!booked) return false;
    const { key, order } = booked;
    const at = this.#now().toISOString();
    const record = order.devices.get(device);
    const readings = [...new Set([...(record?.readings ?? []), reading.id])];
    const next: DeviceRecord = record
      ? { ...record, state: 'resulted', since: record.state === 'resulted' ? record.since : at, readings }
      : { state: 'resulted', tests: [], given: [], since: at, readings };
    delete next.reason;
    order.devices.set(device, next);
    order.events = withEvent(order.events, { at, device, what: 'resulted', detail: `reading ${reading.id}` });
    this.#saveSoon();
    this.#changed(key);
    return true;
  }

  /** Devices with a waiting download: their workers look at start. */
  devicesWithWork(): string[] {
    return [...new Set(this.#state.queue.filter((j) => !j.dead).map((j) => j.device))];
  }

  /** Devices that query and are configured now, for the runner. */
  queryDevice(id: string): OrdersDevice | undefined {
    const d = this.opts.devices().find((x) => x.id === id);
    return d && takesQueries(d) ? d : undefined;
  }
}
