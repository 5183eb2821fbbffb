// The orders as the API and the page see them (order-view.ts), built from the directory's entry and
// the book's record: where each order stands with each analyzer, and the counts for the filters. Pure.

import { DEFAULT_UNRESULTED_AFTER_HOURS } from '../model/order-settings.ts';
import type { DirectoryEntry, OrderEntry } from '../patients/types.ts';
import type { BookOrder } from './book-state.ts';
import { analyzerCodes, takesDownloads, type OrdersDevice } from './dispatch.ts';
import type { NotDoneTestView, OrderDeviceState, OrderDeviceView, OrderOverallState, OrdersPage, OrdersQuery, OrderView } from './order-view.ts';

export interface ViewContext {
  devices: readonly OrdersDevice[];
  /** The directory entry of an MRN (merges followed), for the patient's name. */
  patient(mrn: string, assigningAuthority?: string): DirectoryEntry | undefined;
  /** The order's specimen ID another patient's open order names too (OrderBook.conflictOn). */
  conflict?(entry: OrderEntry): string | undefined;
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
    if (r.held && r.held.length > 0) view.held = r.held.map((x) => ({ ...x }));
    if (device && !takesDownloads(device)) view.viaQuery = true;
    return view;
  });
  const specimenIds = [...new Set([...(entry.specimenId === undefined ? [] : [entry.specimenId]), ...(entry.specimenIds ?? [])])];
  const inDirectory = ctx.patient(entry.mrn, entry.assigningAuthority)?.patient;
  const known = inDirectory ?? entry.patient;
  const name = [known?.family, known?.given].filter((x) => x !== undefined && x !== '').join(', ');
  const view: OrderView = {
    key,
    specimenIds,
    tests: entry.tests.map((t) => ({ ...t })),
    status: entry.status,
    mrn: entry.mrn,
    // The directory stamps an order as it files it, the book a moment later: the earlier is when it came.
    receivedAt: book && book.receivedAt < entry.updatedAt ? book.receivedAt : entry.updatedAt,
    updatedAt: entry.updatedAt,
    devices,
    events: [...(book?.events ?? [])],
    state: orderState(devices),
  };
  if (inDirectory === undefined) view.patientNotInDirectory = true;
  const conflict = ctx.conflict?.(entry);
  if (conflict !== undefined) view.specimenConflict = conflict;
  const notDone = entry.status === 'open' ? testsNoAnalyzerDoes(entry, ctx.devices) : [];
  if (notDone.length > 0) view.notDone = notDone;
  if (entry.placer !== undefined) view.placer = entry.placer;
  if (entry.filler !== undefined) view.filler = entry.filler;
  if (entry.specimenType !== undefined) view.specimenType = entry.specimenType;
  if (name !== '') view.patientName = name;
  return view;
}

/** The ordered tests no analyzer does on the order's specimen type ("4548-4: no analyzer does this test on UR"). */
export function testsNoAnalyzerDoes(
  order: Pick<OrderEntry, 'tests' | 'specimenType'>,
  devices: readonly Pick<OrdersDevice, 'orders' | 'codeMap'>[],
): NotDoneTestView[] {
  if (devices.length === 0) return [];
  const type = order.specimenType?.toUpperCase();
  const takesType = (d: Pick<OrdersDevice, 'orders'>) =>
    type === undefined || d.orders.specimenTypes === undefined || d.orders.specimenTypes.some((t) => t.toUpperCase() === type);
  const reason = order.specimenType === undefined ? 'no analyzer does this test' : `no analyzer does this test on ${order.specimenType}`;
  return order.tests
    .filter((t) => !devices.some((d) => takesType(d) && analyzerCodes(d, t).length > 0))
    .map((t) => ({ code: t.code, ...(t.display === undefined ? {} : { display: t.display }), reason }));
}

/** A query analyzer waiting for a query (nothing sent, nothing queued): it may never ask, if the tube went elsewhere. */
const onlyOffered = (d: Pick<OrderDeviceView, 'state' | 'viaQuery'>) => d.viaQuery === true && d.state === 'waiting';

/** Most urgent first: what needs a person, then work not yet with an analyzer, then work under way, then done. */
const OVERALL: readonly OrderOverallState[] = ['rejected', 'waiting', 'cancel-waiting', 'sent', 'queried', 'resulted', 'cancelled', 'not-sent'];

/**
 * Where the order stands as a whole: the most urgent of its analyzers' states (OVERALL). A query
 * analyzer merely waiting to be asked counts only while no other analyzer has the order: once one
 * was sent it or ran it, the tube is there, and the others may never ask. No analyzer: not sent.
 */
export function orderState(devices: readonly Pick<OrderDeviceView, 'state' | 'viaQuery'>[]): OrderOverallState {
  const underWay = devices.some((d) => d.state === 'sent' || d.state === 'queried' || d.state === 'resulted');
  const states = new Set(devices.filter((d) => !(underWay && onlyOffered(d))).map((d) => d.state));
  return OVERALL.find((s) => states.has(s)) ?? 'not-sent';
}

/** The state the filter goes by: the order's, or with a device filter that analyzer's. */
function stateFor(view: OrderView, device: string | undefined): { state?: OrderDeviceState; unresulted: boolean } {
  if (device === undefined) return { state: view.state, unresulted: view.devices.some((d) => d.unresulted === true) };
  const line = view.devices.find((d) => d.device === device);
  return line ? { state: line.state, unresulted: line.unresulted === true } : { unresulted: false };
}

function matchesSearch(view: OrderView, query: OrdersQuery): boolean {
  if (query.device !== undefined && !view.devices.some((d) => d.device === query.device)) return false;
  const q = query.q?.trim();
  if (q) return view.placer === q || view.filler === q || view.mrn === q || view.specimenIds.includes(q);
  return true;
}

function matchesState(view: OrderView, query: OrdersQuery): boolean {
  if (query.state === undefined) return true;
  const s = stateFor(view, query.device);
  return query.state === 'unresulted' ? s.unresulted : s.state === query.state;
}

/** Newest first; counts per state (each order once, by its state) over the orders the device filter and search match. */
export function ordersPage(views: OrderView[], query: OrdersQuery): OrdersPage {
  const counts: OrdersPage['counts'] = {};
  const searched = views.filter((v) => matchesSearch(v, query));
  for (const v of searched) {
    const s = stateFor(v, query.device);
    if (s.state !== undefined) counts[s.state] = (counts[s.state] ?? 0) + 1;
    if (s.unresulted) counts.unresulted = (counts.unresulted ?? 0) + 1;
  }
  const found = searched
    .filter((v) => matchesState(v, query))
    .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : a.key < b.key ? 1 : -1));
  return { orders: found.slice(0, query.limit ?? 100), total: found.length, counts, all: searched.length };
}
