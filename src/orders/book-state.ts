// The order book as a value: per order (the directory's key) what each analyzer was given and where
// it stands, and the durable download queue. Pure: the stateful shell is order-book.ts.

import { isRecord } from '../model/is-record.ts';
import type { WorkOrder } from '../model/work-order.ts';
import type { OrderDeviceState, OrderEventView } from './order-view.ts';

/** Where one order stands with one analyzer. */
export interface DeviceRecord {
  state: OrderDeviceState;
  /** The analyzer's codes it should have now (empty when none of the order is for it). */
  tests: string[];
  /** The analyzer's codes it has accepted (a download) or was given (a query answer). */
  given: string[];
  reason?: string;
  since: string;
  attempts?: number;
  nextAttemptAt?: string;
  readings?: string[];
  /** When it was sent or queried last: `unresulted` counts from here. */
  sentAt?: string;
  /** The specimen ID and MRN the analyzer holds `given` under; absent: as the order says (older books). */
  givenSpecimen?: string;
  givenMrn?: string;
  /** The analyzer's codes results came back for; `state` is `resulted` once they cover `tests`. */
  resultedTests?: string[];
  /** Its results for this order that were held instead of sent, and why; absent in books written before (none known). */
  held?: Array<{ reading: string; reason: string }>;
}

export interface BookOrder {
  /** The directory entry's `updatedAt` last dispatched: a newer one is dispatched again. */
  dispatched: string;
  /** The order status last dispatched. */
  status: 'open' | 'cancelled';
  receivedAt: string;
  devices: Map<string, DeviceRecord>;
  /** Newest last, at most MAX_EVENTS. */
  events: OrderEventView[];
}

/** One download waiting for its analyzer, in queue order per device. */
export interface DownloadJob {
  id: string;
  key: string;
  device: string;
  order: WorkOrder;
  /** The device's state once the analyzer accepts it. */
  after: OrderDeviceState;
  attempts: number;
  queuedAt: string;
  nextAttemptAt?: string;
  lastFailure?: string;
  /** Tries in a row the analyzer answered without taking it (download-judge.ts); absent: none. */
  refusedTries?: number;
  /** The analyzer refused it: a dead letter until a person resends it. */
  dead?: true;
}

export interface BookState {
  orders: Map<string, BookOrder>;
  queue: DownloadJob[];
}

export const MAX_EVENTS = 50;

export function emptyBook(): BookState {
  return { orders: new Map(), queue: [] };
}

/** Appends an event, keeping the newest MAX_EVENTS. */
export function withEvent(events: readonly OrderEventView[], event: OrderEventView): OrderEventView[] {
  const next = [...events, event];
  return next.length > MAX_EVENTS ? next.slice(next.length - MAX_EVENTS) : next;
}

/** The JSON document on disk. */
export interface OrdersDoc {
  version: 1;
  orders: Array<Omit<BookOrder, 'devices'> & { key: string; devices: Array<DeviceRecord & { device: string }> }>;
  queue: DownloadJob[];
}

export function toDoc(state: BookState): OrdersDoc {
  return {
    version: 1,
    orders: [...state.orders].map(([key, o]) => ({ ...o, key, devices: [...o.devices].map(([device, r]) => ({ ...r, device })) })),
    queue: state.queue,
  };
}

/** Reads the document back; throws naming the file and what is wrong (never quoting patient data). */
export function fromDoc(file: string, value: unknown): BookState {
  if (!isRecord(value)) throw new Error(`${file}: the orders document is not a JSON object`);
  if (value.version !== 1) throw new Error(`${file}: unsupported orders version ${JSON.stringify(value.version)} (expected 1)`);
  if (!Array.isArray(value.orders) || !Array.isArray(value.queue)) throw new Error(`${file}: "orders" and "queue" must be arrays`);
  const orders = new Map<string, BookOrder>();
  value.orders.forEach((o: unknown, i) => {
    if (!isRecord(o) || typeof o.key !== 'string' || typeof o.dispatched !== 'string' || !Array.isArray(o.devices) || !Array.isArray(o.events)) {
      throw new Error(`${file}: orders[${i}] is not an order record`);
    }
    const devices = new Map<string, DeviceRecord>();
    for (const d of o.devices as unknown[]) {
      if (!isRecord(d) || typeof d.device !== 'string' || typeof d.state !== 'string')
        throw new Error(`${file}: orders[${i}] has a device record without device or state`);
      const { device, ...record } = d as unknown as DeviceRecord & { device: string };
      devices.set(device, record);
    }
    const { key, devices: _, ...rest } = o as unknown as OrdersDoc['orders'][number];
    orders.set(key, { ...rest, devices });
  });
  const queue = value.queue.map((j: unknown, i) => {
    if (!isRecord(j) || typeof j.id !== 'string' || typeof j.key !== 'string' || typeof j.device !== 'string' || !isRecord(j.order)) {
      throw new Error(`${file}: queue[${i}] is not a download job`);
    }
    return j as unknown as DownloadJob;
  });
  return { orders, queue };
}
