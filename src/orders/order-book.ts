// The order book as the gateway holds it: the pure state (book-state.ts) kept in <dataDir>/orders.json,
// changed by dispatching the directory's orders (dispatch.ts), by the download worker's outcomes,
// by host queries and by results coming back. Every change is saved (coalesced, fsync'd).

import { join } from 'node:path';
import { silentLogger, type Logger } from '../model/logger.ts';
import { DEFAULT_ANSWER_WITHIN_MS } from '../model/order-settings.ts';
import type { PatientRef } from '../model/reading.ts';
import type { DownloadOutcome, WorkOrder, WorkTest, Worklist, WorklistAnswer } from '../model/work-order.ts';
import type { PatientDirectoryStore } from '../patients/directory.ts';
import { sameId, sameOrderPatient } from '../patients/same-patient.ts';
import type { OrderEntry } from '../patients/types.ts';
import { DurableDocument, type DocumentAdapter } from '../store/durable-document.ts';
import type { StoredReading } from '../store/types.ts';
import { emptyBook, fromDoc, toDoc, withEvent, type BookOrder, type BookState, type DeviceRecord, type DownloadJob, type OrdersDoc } from './book-state.ts';
import {
  dispatchOrder,
  isConflictReason,
  conflictReason,
  takesDownloads,
  takesQueries,
  tubesOf,
  workFor,
  workOrder,
  workPatient,
  type OrdersDevice,
  type SpecimenWork,
} from './dispatch.ts';

export const ORDERS_FILE = 'orders.json';

export function ordersFile(dataDir: string): string {
  return join(dataDir, ORDERS_FILE);
}

export type BookDirectory = Pick<PatientDirectoryStore, 'state' | 'byMrn' | 'orderBySpecimen' | 'ordersBySpecimen'>;

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
  /** An answer to a host query went out with this work (the audit journal records it). */
  onGiven?(device: string, work: WorkOrder): void;
  adapter?: DocumentAdapter<OrdersDoc>;
}

/** How far back a change of a device's settings looks for open orders to send it. */
export const REDISPATCH_HOURS = 24;

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
  /** Of those, the ones to decide again even if the order did not change (#orphaned). */
  readonly #forced = new Set<string>();
  /** Directory entries dispatched as they are (the directory never changes an entry in place). */
  readonly #seen = new WeakSet<object>();
  #started = false;
  /** The directory's key of each order entry, for the directory state it was built from. */
  #keys: { of: object; keys: Map<OrderEntry, string> } | undefined;

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
    // A tube no longer shared with another patient's order (one cancelled, moved, merged): its orders go now.
    for (const [key, o] of [...this.#state.orders]) {
      if (orders.get(key)?.status === 'open' && [...o.devices.values()].some((r) => isConflictReason(r.reason))) this.dispatch(key);
    }
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
  dispatch(key: string, changedDevice?: string, cascade = true, force = false): boolean {
    const entry = this.opts.directory.state.orders.get(key);
    if (!entry) return false;
    if (this.#state.queue.some((j) => j.key === key && this.#inFlight.has(j.id))) {
      // What is on the wire decides what the analyzer has: look again once it is answered.
      this.#deferred.add(key);
      if (force) this.#forced.add(key);
      return false;
    }
    const now = this.#now();
    const at = now.toISOString();
    const previous = this.#state.orders.get(key);
    const patient = this.#patientOf(entry);
    const siblings = this.#siblings(key, entry);
    const conflict = this.conflictOn(entry);
    const decisions = dispatchOrder({
      order: entry,
      patient,
      previous,
      devices: this.opts.devices(),
      now: at,
      siblings,
      ...(conflict === undefined ? {} : { conflict }),
      ...(force ? { force } : {}),
    });
    const order: BookOrder = previous
      ? { ...previous, devices: new Map(previous.devices), dispatched: entry.updatedAt, status: entry.status }
      : { dispatched: entry.updatedAt, status: entry.status, receivedAt: at, devices: new Map(), events: [{ at, what: 'received' }] };
    const news = decisions.some((d) => !d.unchanged);
    // "Changed by the EHR" only for a new version of the order; a technician's change of an analyzer is told as that.
    const byEhr = previous !== undefined && previous.dispatched !== entry.updatedAt;
    if (previous && previous.status !== entry.status && entry.status === 'cancelled') order.events = withEvent(order.events, { at, what: 'cancelled' });
    else if (byEhr && news) order.events = withEvent(order.events, { at, what: 'changed' });
    const touched = decisions.find((d) => !d.unchanged && d.device === changedDevice);
    if (previous && !byEhr && touched) {
      const detail = previous.devices.has(touched.device) ? 'its settings changed' : 'set up to take orders';
      order.events = withEvent(order.events, { at, device: touched.device, what: 'device-changed', detail });
    }
    const queued = new Set<string>();
    const orphaned: Array<[string, string[]]> = [];
    for (const d of decisions) {
      if (d.unchanged) continue;
      if (d.dropQueued) {
        const dropped = this.#state.queue.filter((j) => j.key === key && j.device === d.device && !j.dead && j.order.action !== 'cancel');
        const again = d.queue.flatMap((q) => (q.order.action === 'cancel' ? [] : q.order.tests.map((t) => t.code)));
        orphaned.push([d.device, dropped.flatMap((j) => j.order.tests.map((t) => t.code)).filter((c) => !again.includes(c))]);
        this.#state.queue = this.#state.queue.filter((j) => !(j.key === key && j.device === d.device));
      }
      for (const q of d.queue) {
        this.#state.queue.push({ id: jobId(now), key, device: d.device, order: q.order, after: q.after, attempts: 0, queuedAt: at });
        queued.add(d.device);
      }
      order.devices.set(d.device, d.record);
      if (d.event) order.events = withEvent(order.events, { at, device: d.device, ...d.event });
    }
    this.#state.orders.set(key, order);
    // A look again that changed nothing (a device's label edited) is neither written nor announced.
    if (!previous || news || previous.dispatched !== entry.updatedAt || previous.status !== entry.status) {
      this.#saveSoon();
      this.#changed(key);
    }
    for (const device of queued) this.opts.onQueued?.(device);
    for (const [device, codes] of orphaned) this.#orphaned(key, entry, device, codes);
    // Another patient's order on the tube now: what the others gave or queued is taken back too.
    if (cascade && conflict !== undefined) {
      for (const id of tubesOf(entry)) for (const other of this.#openOrdersOn(id)) if (other.key !== key) this.dispatch(other.key, undefined, false);
    }
    return true;
  }

  /**
   * A device's orders settings changed (added, edited on the page): open orders from the last
   * REDISPATCH_HOURS are dispatched again, so what it now takes goes to it. Older ones are left: a
   * newly configured analyzer is not flooded with last month's orders. Returns how many changed.
   */
  redispatch(deviceId: string): number {
    if (!this.opts.devices().some((d) => d.id === deviceId)) return 0;
    const after = this.#now().getTime() - REDISPATCH_HOURS * 3_600_000;
    let changed = 0;
    for (const [key, entry] of this.opts.directory.state.orders) {
      if (entry.status !== 'open' || !(Date.parse(entry.updatedAt) >= after)) continue;
      const before = this.#state.orders.get(key)?.devices.get(deviceId);
      if (this.dispatch(key, deviceId) && this.#state.orders.get(key)?.devices.get(deviceId) !== before) changed++;
    }
    return changed;
  }

  #patientOf(entry: OrderEntry): PatientRef {
    return this.opts.directory.byMrn(entry.mrn, entry.assigningAuthority)?.patient ?? entry.patient ?? { mrn: entry.mrn };
  }

  /** The open orders the directory files under this specimen ID (one tube may carry several), by its index. */
  #openOrdersOn(specimenId: string): Array<{ key: string; entry: OrderEntry }> {
    const id = specimenId.trim();
    if (id === '') return [];
    return this.opts.directory.ordersBySpecimen(id).flatMap((entry) => {
      const key = entry.status === 'open' ? this.#keyOf(entry) : undefined;
      return key === undefined ? [] : [{ key, entry }];
    });
  }

  /**
   * Codes this order was to send the analyzer will not go (its download dropped or refused): an
   * order of the same patient on the tube that counted on them as sent (dispatch.ts `shared`)
   * forgets them and is decided again, so they go with it.
   */
  #orphaned(key: string, entry: OrderEntry, device: string, codes: readonly string[]): void {
    if (codes.length === 0 || entry.specimenId === undefined) return;
    for (const other of this.#openOrdersOn(entry.specimenId)) {
      const order = this.#state.orders.get(other.key);
      const record = order?.devices.get(device);
      if (other.key === key || !order || !record || !this.#samePatient(entry, other.entry)) continue;
      if (!record.given.some((c) => codes.includes(c))) continue;
      order.devices.set(device, { ...record, given: record.given.filter((c) => !codes.includes(c)) });
      this.dispatch(other.key, undefined, false, true);
    }
  }

  /** The pipeline's rule too (patients/same-patient.ts): a tube the book calls shared is one the pipeline files, never holds. */
  #samePatient(a: OrderEntry, b: OrderEntry): boolean {
    return sameOrderPatient((mrn, aa) => this.opts.directory.byMrn(mrn, aa), a, b);
  }

  /**
   * The first specimen ID of this open order that an open order of another patient names too (a
   * barcode reused or mistyped): neither may go to an analyzer, nor be told in a query answer.
   */
  conflictOn(entry: OrderEntry): string | undefined {
    if (entry.status !== 'open') return undefined;
    return tubesOf(entry).find((id) => this.#openOrdersOn(id).some((o) => !this.#samePatient(entry, o.entry)));
  }

  /** Open orders of more than one patient name this specimen ID. */
  #conflictAt(specimenId: string): boolean {
    const open = this.#openOrdersOn(specimenId);
    const first = open[0];
    return first !== undefined && open.some((o) => !this.#samePatient(first.entry, o.entry));
  }

  /** Per device, what the other open orders of the same patient on this specimen gave (or queued for) the analyzer, and want. */
  #siblings(key: string, entry: OrderEntry): Map<string, SpecimenWork> {
    const specimenId = entry.specimenId;
    const work = new Map<string, { given: string[]; tests: string[] }>();
    const of = (device: string) => {
      let w = work.get(device);
      if (!w) work.set(device, (w = { given: [], tests: [] }));
      return w;
    };
    for (const other of this.#openOrdersOn(specimenId ?? '')) {
      if (other.key === key || !this.#samePatient(entry, other.entry)) continue;
      for (const [device, r] of this.#state.orders.get(other.key)?.devices ?? []) {
        of(device).tests.push(...r.tests);
        if (r.givenSpecimen === undefined || r.givenSpecimen === specimenId) of(device).given.push(...r.given);
      }
      for (const j of this.#state.queue) {
        if (j.key === other.key && !j.dead && j.order.action !== 'cancel') of(j.device).given.push(...j.order.tests.map((t) => t.code));
      }
    }
    return work;
  }

  /**
   * The next download for this device (queue order), skipping dead letters and one on the wire; a
   * new or add carries the order's specimen and patient as the directory has them now.
   */
  nextJob(device: string): DownloadJob | undefined {
    const job = this.#state.queue.find((j) => j.device === device && !j.dead && !this.#inFlight.has(j.id));
    const entry = job && job.order.action !== 'cancel' ? this.opts.directory.state.orders.get(job.key) : undefined;
    if (job && entry?.status === 'open' && entry.specimenId) {
      // New or add by what the analyzer holds for the tube now, never by what was queued (and may have been dropped since).
      const action = this.#holds(device, entry.specimenId, job.key) ? 'add' : 'new';
      job.order = { ...job.order, action, specimenId: entry.specimenId, patient: workPatient(this.#patientOf(entry)) };
    }
    return job;
  }

  /** The analyzer accepted work for this specimen (this order's or another's) that it was not told to cancel. */
  #holds(device: string, specimenId: string, key: string): boolean {
    const keys = new Set([key, ...this.opts.directory.ordersBySpecimen(specimenId).flatMap((e) => this.#keyOf(e) ?? [])]);
    return [...keys].some((k) => {
      const record = this.#state.orders.get(k)?.devices.get(device);
      if (!record || record.given.length === 0) return false;
      // Codes only counted as shared with another order (never sent under this one) carry no tube: they say nothing.
      const entry = this.opts.directory.state.orders.get(k);
      return record.givenSpecimen === undefined ? record.sentAt !== undefined && entry?.specimenId === specimenId : record.givenSpecimen === specimenId;
    });
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
        const entry = this.opts.directory.state.orders.get(job.key);
        const conflict = entry && next.state === 'cancelled' ? this.conflictOn(entry) : undefined;
        if (conflict !== undefined) next.reason = conflictReason(conflict);
        if (job.order.action !== 'cancel') {
          next.sentAt = at;
          next.givenSpecimen = job.order.specimenId;
          next.givenMrn = job.order.patient.mrn;
        } else if (given.length === 0) {
          delete next.givenSpecimen;
          delete next.givenMrn;
        }
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
      const entry = this.opts.directory.state.orders.get(job.key);
      if (entry && job.order.action !== 'cancel') {
        this.#orphaned(
          job.key,
          entry,
          job.device,
          job.order.tests.map((t) => t.code),
        );
      }
    }
    await this.save();
    this.#changed(job.key);
    if (this.#deferred.delete(job.key)) this.dispatch(job.key, undefined, true, this.#forced.delete(job.key));
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
      // Open orders of two patients on one tube: which patient's it is, a person must say first.
      const found = this.#conflictAt(id) ? [] : this.#workOn(id, device);
      const newest = found.at(-1);
      if (!newest) {
        answer.unknown.push(id);
        continue;
      }
      // One tube, one answer: the tests of every open order on it, under the newest order's numbers.
      const tests: WorkTest[] = [];
      for (const f of found) for (const t of f.tests) if (!tests.some((x) => x.code === t.code)) tests.push(t);
      answer.orders.push({ ...workOrder('new', device, newest.entry, this.#patientOf(newest.entry), tests), specimenId: id });
      for (const { key, entry, tests: own } of found) {
        const order = this.#bookOrder(key, entry, at);
        const record = order.devices.get(device.id);
        const codes = own.map((t) => t.code);
        // Asked and answered from here: the status shows it at once; answered() says if the answer did not go out.
        const keep = record?.state === 'resulted' || record?.state === 'sent';
        const next: DeviceRecord = {
          ...(record ?? { given: [] }),
          state: keep && record ? record.state : 'queried',
          since: keep && record ? record.since : at,
          tests: codes,
          given: [...new Set([...(record?.given ?? []), ...codes])],
          sentAt: at,
          givenSpecimen: id,
          givenMrn: this.#patientOf(entry).mrn,
        };
        delete next.reason;
        order.devices.set(device.id, next);
        order.events = withEvent(order.events, { at, device: device.id, what: 'queried', detail: `given ${codes.join(', ')}` });
        this.#changed(key);
      }
    }
    if (answer.orders.length > 0) this.#saveSoon();
    return answer;
  }

  /**
   * The open orders on this specimen with work for this device, oldest first, each with its tests
   * worked out now from the device's settings as they are (an order that came before them included).
   */
  #workOn(specimenId: string, device: OrdersDevice): Array<{ key: string; entry: OrderEntry; tests: WorkTest[] }> {
    const found: Array<{ key: string; entry: OrderEntry; tests: WorkTest[] }> = [];
    for (const { key, entry } of this.#openOrdersOn(specimenId)) {
      const state = this.#state.orders.get(key)?.devices.get(device.id)?.state;
      if (state === 'cancel-waiting' || state === 'cancelled') continue;
      const work = workFor(device, entry);
      if ('tests' in work) found.push({ key, entry, tests: work.tests });
    }
    return found.sort((a, b) => (a.entry.updatedAt < b.entry.updatedAt ? -1 : a.entry.updatedAt > b.entry.updatedAt ? 1 : 0));
  }

  /** The book's record of this order, made now for one the book has none of. */
  #bookOrder(key: string, entry: OrderEntry, at: string): BookOrder {
    let order = this.#state.orders.get(key);
    if (!order) {
      order = { dispatched: entry.updatedAt, status: entry.status, receivedAt: at, devices: new Map(), events: [{ at, what: 'received' }] };
      this.#state.orders.set(key, order);
    }
    return order;
  }

  /** The book's record of the order the directory files this specimen under. */
  #bookedFor(specimenId: string): { key: string; order: BookOrder } | undefined {
    const entry = specimenId === '' ? undefined : this.opts.directory.orderBySpecimen(specimenId);
    const key = entry && this.#keyOf(entry);
    const order = key === undefined ? undefined : this.#state.orders.get(key);
    return key !== undefined && order ? { key, order } : undefined;
  }

  #keyOf(entry: OrderEntry): string | undefined {
    const orders = this.opts.directory.state.orders;
    if (this.#keys?.of !== orders) this.#keys = { of: orders, keys: new Map([...orders].map(([key, o]) => [o, key])) };
    return this.#keys.keys.get(entry);
  }

  #answered(device: string, answer: WorklistAnswer, result: { sent: true } | { sent: false; reason: string }): void {
    const at = this.#now().toISOString();
    const config = this.opts.devices().find((d) => d.id === device);
    for (const work of answer.orders) {
      const found = config ? this.#workOn(work.specimenId, config) : [];
      for (const { key } of found) {
        const order = this.#state.orders.get(key);
        const record = order?.devices.get(device);
        if (!order || !record) continue;
        if (!result.sent) {
          // The analyzer gave up waiting: it has nothing, and asks again when the tube is scanned again.
          const reason = `the answer to its query did not go out: ${result.reason}`;
          if (record.state === 'queried') order.devices.set(device, { ...record, state: 'waiting', since: at, given: [], reason });
          order.events = withEvent(order.events, { at, device, what: 'retry', detail: reason });
        } else if (config && takesDownloads(config)) {
          // Mode both: the answer gave the analyzer these tests; the same download queued must not go as well.
          this.#state.queue = this.#state.queue.filter(
            (j) =>
              !(
                j.key === key &&
                j.device === device &&
                j.order.action !== 'cancel' &&
                !this.#inFlight.has(j.id) &&
                j.order.tests.every((t) => record.given.includes(t.code))
              ),
          );
        }
        this.#changed(key);
      }
      if (result.sent) this.#given(device, work);
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

  #given(device: string, work: WorkOrder): void {
    try {
      this.opts.onGiven?.(device, work);
    } catch (err) {
      this.#log.error({ err }, 'an order-given listener failed');
    }
  }

  /**
   * A reading filed under its order and on its way to the EHR (queued or delivered, never held or
   * discarded): the orders on its specimen whose tests for this device it answers become `resulted`.
   */
  noteReading(stored: StoredReading): boolean {
    if (stored.status === 'held') return this.#noteHeld(stored);
    // Settled by a person (released or discarded): no order says it is held any more.
    const settled = this.#settleHeld(stored);
    if (stored.status !== 'queued' && stored.status !== 'delivered') return settled;
    const reading = stored.reading;
    const device = reading.deviceId;
    // Filed by its order, or released by a person for a patient whose open order is on the tube.
    const byPerson = stored.patientSource !== 'order';
    if (byPerson && (stored.patient === undefined || !this.opts.devices().some((d) => d.id === device))) return settled;
    const codes = measuredCodes(reading);
    const marked = this.#answeredBy(stored, byPerson ? stored.patient : undefined);
    const at = this.#now().toISOString();
    for (const { key, order, record } of marked) {
      const readings = [...new Set([...(record?.readings ?? []), reading.id])];
      const hit = record?.tests.filter((c) => codes.has(c)) ?? [];
      const done = [...new Set([...(record?.resultedTests ?? []), ...hit])];
      // Some ordered tests still to come (GLU came, CREA did not): it stays sent, so it is listed unresulted in time.
      const missing = hit.length === 0 ? [] : (record?.tests ?? []).filter((c) => !done.includes(c));
      const state = record && missing.length > 0 ? record.state : 'resulted';
      const next: DeviceRecord = record
        ? { ...record, state, since: record.state === state ? record.since : at, readings }
        : { state: 'resulted', tests: [], given: [], since: at, readings };
      if (hit.length > 0) next.resultedTests = done;
      delete next.reason;
      order.devices.set(device, next);
      const detail = missing.length > 0 ? `reading ${reading.id}; still to come: ${missing.join(', ')}` : `reading ${reading.id}`;
      order.events = withEvent(order.events, { at, device, what: 'resulted', detail });
      this.#changed(key);
    }
    if (marked.length > 0) this.#saveSoon();
    return marked.length > 0;
  }

  /**
   * The orders on a reading's specimen it answers (by the tests its analyzer was given), with this
   * device's record of each; with `patient`, only open orders of that patient (a person named them).
   */
  #answeredBy(stored: StoredReading, patient?: PatientRef): Array<{ key: string; order: BookOrder; record: DeviceRecord | undefined }> {
    const reading = stored.reading;
    const device = reading.deviceId;
    const specimen = reading.specimen?.id?.trim() ?? '';
    const codes = measuredCodes(reading);
    const named = patient && (this.opts.directory.byMrn(patient.mrn, patient.assigningAuthority)?.patient ?? patient);
    const open = this.#openOrdersOn(specimen).flatMap(({ key, entry }) => {
      const order = this.#state.orders.get(key);
      if (named && !sameId(named, this.#patientOf(entry))) return [];
      return order ? [{ key, order, record: order.devices.get(device) }] : [];
    });
    const answering = open.filter((o) => o.record?.tests.some((c) => codes.has(c)));
    const given = open.filter((o) => (o.record?.given.length ?? 0) > 0);
    const booked = named ? undefined : this.#bookedFor(specimen);
    return answering.length > 0 ? answering : given.length > 0 ? given : booked ? [{ ...booked, record: booked.order.devices.get(device) }] : [];
  }

  /**
   * A result for an order's tube that was held instead of sent (the order's patient not in the
   * directory, a value to check): the order says so, with why, until a person settles it.
   */
  #noteHeld(stored: StoredReading): boolean {
    const reading = stored.reading;
    // Only analyzers that take orders: a monitor's held reading that happens to name a specimen is none of the book's.
    if (!this.opts.devices().some((d) => d.id === reading.deviceId)) return false;
    const reason = stored.holdReasons.map((r) => r.text).join('; ') || 'held for review';
    const marked = this.#answeredBy(stored).filter((m) => m.record !== undefined);
    const at = this.#now().toISOString();
    for (const { key, order, record } of marked) {
      if (!record || record.held?.some((x) => x.reading === reading.id)) continue;
      order.devices.set(reading.deviceId, { ...record, held: [...(record.held ?? []), { reading: reading.id, reason }] });
      order.events = withEvent(order.events, { at, device: reading.deviceId, what: 'held', detail: `reading ${reading.id}: ${reason}` });
      this.#changed(key);
    }
    if (marked.length > 0) this.#saveSoon();
    return marked.length > 0;
  }

  /** Takes a reading that is no longer held off every order of its tube that listed it held, open or cancelled since; true when one did. */
  #settleHeld(stored: StoredReading): boolean {
    const { id, deviceId } = stored.reading;
    let settled = false;
    const specimen = stored.reading.specimen?.id?.trim() ?? '';
    for (const entry of specimen === '' ? [] : this.opts.directory.ordersBySpecimen(specimen)) {
      const key = this.#keyOf(entry);
      const order = key === undefined ? undefined : this.#state.orders.get(key);
      const record = order?.devices.get(deviceId);
      if (key === undefined || !order || !record?.held?.some((x) => x.reading === id)) continue;
      const next: DeviceRecord = { ...record, held: record.held.filter((x) => x.reading !== id) };
      if (next.held?.length === 0) delete next.held;
      order.devices.set(deviceId, next);
      this.#changed(key);
      settled = true;
    }
    if (settled) this.#saveSoon();
    return settled;
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

/** The analyzer's codes of what a reading measured; only when it names none, what its order record echoes. */
function measuredCodes(reading: StoredReading['reading']): Set<string> {
  const codes = new Set<string>();
  for (const o of reading.observations ?? []) if (o.code.local?.code) codes.add(o.code.local.code);
  if (codes.size === 0) for (const t of [reading.order?.code, ...(reading.order?.tests ?? [])]) if (t?.code) codes.add(t.code);
  return codes;
}
