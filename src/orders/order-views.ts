// The orders as the API and the page see them (order-view.ts), built from the directory's entry and
// the book's record: where each order stands with each analyzer, and the counts for the filters. Pure.

import { DEFAULT_UNRESULTED_AFTER_HOURS } from '../model/order-settings.ts';
import type { DirectoryEntry, OrderEntry } from '../patients/types.ts';
import type { BookOrder } from './book-state.ts';
import type { OrdersDevice } from './dispatch.ts';
import type { OrderDeviceState, OrderDeviceView, OrdersPage, OrdersQuery, OrderView } from './order-view.ts';

export interface ViewContext {
  devices: readonly OrdersDevice[];
  /** The directory entry of an MRN (merges followed), for the patient's name. */
  patient(mrn: string, assigningAuthority?: string): DirectoryEntry | undefined;
  now: Date;
}

/** Sent or queried and no result for longer than the device's `unresultedAfterHours`. */
export function isUnresulted(state: OrderDeviceState, sentAt: string | undefined, hours: number, now: Date): boolean {
  if (state !== 'sent' && state !== 'queried') return false;
  const t = sentAt === undefined ? Number.NaN : Date.parse(sentAt);
  return Number.isFinite(t) && now.getTime() - t > hours * 3_600_000;
}

export function orderView(key: string, entry: OrderEntry, book: BookOrder | undefined, ctx: ViewContext): OrderView {
  const devices: OrderDeviceView[] = [...(book?.devices ?? [])].map(([id, r]) => {
    const device = ctx.devices.find((d) => d.id === id);
    const hours = device?.orders.unresultedAfterHours ?? DEFAULT_UNRESULTED_AFTER_HOURS;
    const view: OrderDeviceView = { device: id, state: r.state, tests: [...r.tests], since: r.since };
    if (device?.label !== undefined) view.deviceLabel = device.label;
    if (r.reason !== undefined) view.reason = r.reason;
    if (r.attempts) view.attempts = r.attempts;
    if (r.nextAttemptAt !== undefined) view.nextAttemptAt = r.nextAttemptAt;
    if (r.readings && r.readings.length > 0) view.readings = [...r.readings];
    if (r.sentAt !== undefined) view.sentAt = r.sentAt;
    if (isUnresulted(r.state, r.sentAt, hours, ctx.now)) view.unresulted = true;
    return view;
  });
  const specimenIds = [...new Set([...(entry.specimenId === undefined ? [] : [entry.specimenId]), ...(entry.specimenIds ?? [])])];
  const known = ctx.patient(entry.mrn, entry.assigningAuthority)?.patient ?? entry.patient;
  const name = [known?.family, known?.given].filter((x) => x !== undefined && x !== '').join(', ');
  const view: OrderView = {
    key,
    specimenIds,
    tests: entry.tests.map((t) => ({ ...t })),
    status: entry.status,
    mrn: entry.mrn,
    receivedAt: book?.receivedAt ?? entry.updatedAt,
    updatedAt: entry.updatedAt,
    devices,
    events: [...(book?.events ?? [])],
  };
  if (entry.placer !== undefined) view.placer = entry.placer;
  if (entry.filler !== undefined) view.filler = entry.filler;
  if (entry.specimenType !== undefined) view.specimenType = entry.specimenType;
  if (name !== '') view.patientName = name;
  return view;
}

function matches(view: OrderView, query: OrdersQuery): boolean {
  if (query.device !== undefined && !view.devices.some((d) => d.device === query.device)) return false;
  if (query.state !== undefined) {
    const want = query.state;
    const ok = view.devices.some(
      (d) => (query.device === undefined || d.device === query.device) && (want === 'unresulted' ? d.unresulted === true : d.state === want),
    );
    if (!ok) return false;
  }
  const q = query.q?.trim();
  if (q) return view.placer === q || view.filler === q || view.mrn === q || view.specimenIds.includes(q);
  return true;
}

/** Newest first; counts per state over every order (an order counts once per state it has). */
export function ordersPage(views: OrderView[], query: OrdersQuery): OrdersPage {
  const counts: OrdersPage['counts'] = {};
  for (const v of views) {
    const states = new Set<OrderDeviceState | 'unresulted'>(v.devices.map((d) => d.state));
    if (v.devices.some((d) => d.unresulted)) states.add('unresulted');
    for (const s of states) counts[s] = (counts[s] ?? 0) + 1;
  }
  const found = views
    .filter((v) => matches(v, query))
    .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : a.key < b.key ? 1 : -1));
  return { orders: found.slice(0, query.limit ?? 100), total: found.length, counts };
}
