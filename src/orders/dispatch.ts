// Which analyzer gets what of an order: per device with `orders` settings, the work in the
// analyzer's own codes (new, add, cancel) or why it gets none, in words for the page. Pure.

import { mappingsOf } from '../config/code-mappings.ts';
import type { DeviceConfigT } from '../config/schema.ts';
import type { DeviceOrdersT } from '../model/order-settings.ts';
import type { LocalCode, PatientRef } from '../model/reading.ts';
import type { OrderCapabilities, WorkAction, WorkOrder, WorkTest } from '../model/work-order.ts';
import type { OrderEntry } from '../patients/types.ts';
import type { BookOrder, DeviceRecord } from './book-state.ts';
import type { OrderDeviceState, OrderEventView } from './order-view.ts';

/** A device that takes orders, as the dispatcher needs it. */
export interface OrdersDevice {
  id: string;
  label?: string;
  orders: DeviceOrdersT;
  capabilities: OrderCapabilities;
  codeMap?: DeviceConfigT['codeMap'];
}

export interface QueuedWork {
  order: WorkOrder;
  /** The device's state once the analyzer accepts it. */
  after: OrderDeviceState;
}

export type DeviceDecision =
  | { device: string; unchanged: true }
  | {
      device: string;
      unchanged?: false;
      record: DeviceRecord;
      /** Drop this order's downloads still waiting for this device (replaced, or no longer wanted). */
      dropQueued: boolean;
      queue: QueuedWork[];
      event?: Omit<OrderEventView, 'at' | 'device'>;
    };

export interface SpecimenWork {
  given: readonly string[];
  tests: readonly string[];
}

export interface DispatchInput {
  order: OrderEntry;
  /** The patient as the directory has them now, else as the order named them. */
  patient: PatientRef;
  previous: BookOrder | undefined;
  devices: readonly OrdersDevice[];
  /**
   * Per device, the other open orders on this order's specimen: the codes the analyzer has of them
   * or that are queued for it (`given`), and the codes they want (`tests`). One tube, several orders.
   */
  siblings?: ReadonlyMap<string, SpecimenWork>;
  /** A specimen ID of the order that open orders of another patient name too: nothing goes for it (conflictReason). */
  conflict?: string;
  /** Decide again even when nothing the order says changed (what another order on the tube was to send never went). */
  force?: boolean;
  /** ISO 8601. */
  now: string;
}

/** The device takes downloads: it has orders settings, its mode asks for them and its driver can. */
export const takesDownloads = (d: {
  orders?: Pick<DeviceOrdersT, 'mode'> | undefined;
  capabilities?: Pick<OrderCapabilities, 'download'> | undefined;
}): boolean => d.orders !== undefined && d.orders.mode !== 'query' && d.capabilities?.download === true;

/** Why no analyzer gets an order whose tube another patient's open order names too (a reused or mistyped barcode). */
const CONFLICT = ' is also ordered for another patient: check the orders';
export const conflictReason = (specimenId: string): string => `specimen ${specimenId}${CONFLICT}`;
export const isConflictReason = (reason: string | undefined): boolean => reason?.startsWith('specimen ') === true && reason.endsWith(CONFLICT);

/** The device asks (host query): its mode allows it and its driver can. */
export const takesQueries = (d: OrdersDevice): boolean => d.orders.mode !== 'download' && d.capabilities.query;

/** The analyzer codes for one ordered test: `orders.tests`, else the code map in reverse; [] when it does none. */
export function analyzerCodes(device: Pick<OrdersDevice, 'orders' | 'codeMap'>, ordered: LocalCode): string[] {
  const tests = device.orders.tests;
  if (tests) {
    // Own keys only: an EHR code such as "constructor" must not find Object.prototype's member.
    const to = Object.hasOwn(tests, ordered.code) ? tests[ordered.code] : undefined;
    return to === undefined ? [] : Array.isArray(to) ? [...to] : [to];
  }
  return Object.entries(device.codeMap ?? {})
    .filter(([, m]) => mappingsOf(m).some((x) => x.loinc === ordered.code))
    .map(([code]) => code);
}

/** The work for this device: its tests (with what each was ordered as), or why none. */
export function workFor(device: OrdersDevice, order: OrderEntry): { tests: WorkTest[] } | { reason: string } {
  if (order.specimenId === undefined || order.specimenId === '') {
    return { reason: 'the order names no specimen ID (SPM-2 or OBR-20): the analyzer could not match it to a tube' };
  }
  const types = device.orders.specimenTypes;
  if (order.specimenType !== undefined && types !== undefined && !types.some((t) => t.toUpperCase() === order.specimenType?.toUpperCase())) {
    return { reason: `specimen type ${order.specimenType} is not one this analyzer takes (${types.join(', ')})` };
  }
  const tests: WorkTest[] = [];
  for (const ordered of order.tests) {
    for (const code of analyzerCodes(device, ordered)) {
      if (!tests.some((t) => t.code === code)) tests.push({ code, ordered: { ...ordered } });
    }
  }
  if (tests.length === 0) {
    const codes = order.tests.map((t) => t.code).join(', ') || 'none';
    return { reason: `none of the ordered tests (${codes}) is done by this analyzer` };
  }
  return { tests };
}

/** The WorkOrder for `tests` of this order. */
export function workOrder(action: WorkAction, device: OrdersDevice, order: OrderEntry, patient: PatientRef, tests: WorkTest[]): WorkOrder {
  const work: WorkOrder = { action, specimenId: order.specimenId ?? '', patient: workPatient(patient), tests };
  const type = order.specimenType ?? device.orders.specimenTypes?.[0];
  if (type !== undefined) work.specimenType = type;
  if (order.placer !== undefined) work.placer = order.placer;
  if (order.filler !== undefined) work.filler = order.filler;
  if (order.priority !== undefined) work.priority = order.priority;
  if (order.orderedAt !== undefined) work.orderedAt = order.orderedAt;
  return work;
}

/** The patient as a WorkOrder carries them. */
export function workPatient(patient: PatientRef): WorkOrder['patient'] {
  const p: WorkOrder['patient'] = { mrn: patient.mrn };
  if (patient.assigningAuthority !== undefined) p.assigningAuthority = patient.assigningAuthority;
  if (patient.family !== undefined) p.family = patient.family;
  if (patient.given !== undefined) p.given = patient.given;
  if (patient.dob !== undefined) p.birthDate = patient.dob;
  if (patient.sex !== undefined) p.sex = patient.sex;
  return p;
}

/** Every specimen ID the order names (a query may have been answered under any of them). */
export const tubesOf = (order: OrderEntry): string[] => [order.specimenId ?? '', ...(order.specimenIds ?? [])];

const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x));
const minus = (a: readonly string[], b: readonly string[]): string[] => a.filter((x) => !b.includes(x));

/** What each device with orders settings gets of this order now, against what it was given before. */
export function dispatchOrder(input: DispatchInput): DeviceDecision[] {
  return input.devices.map((device) => decide(input, device));
}

function decide(input: DispatchInput, device: OrdersDevice): DeviceDecision {
  const { order, patient, now } = input;
  const prev = input.previous?.devices.get(device.id);
  const given = prev?.given ?? [];
  const work = order.status !== 'open' ? undefined : input.conflict !== undefined ? { reason: conflictReason(input.conflict) } : workFor(device, order);
  const tests = work && 'tests' in work ? work.tests : [];
  const target = tests.map((t) => t.code);
  const statusSame = input.previous?.status === order.status;
  // The analyzer holds this order under another tube or patient (a recollected specimen, an order
  // moved to the right patient): what it has is taken back and given again under the right one.
  const moved =
    prev !== undefined &&
    given.length > 0 &&
    ((prev.givenSpecimen !== undefined && !tubesOf(order).includes(prev.givenSpecimen)) || (prev.givenMrn !== undefined && prev.givenMrn !== patient.mrn));
  if (
    prev &&
    !input.force &&
    statusSame &&
    !moved &&
    sameSet(prev.tests, target) &&
    (target.length > 0 || prev.state !== 'not-sent' || prev.reason === reasonOf(work))
  ) {
    return { device: device.id, unchanged: true };
  }
  // Results went out for it already: a conflict found later takes nothing back from the analyzer.
  if (input.conflict !== undefined && prev?.state === 'resulted') return { device: device.id, unchanged: true };
  const cancelled = order.status === 'cancelled';
  const ranIt = prev !== undefined && (prev.state === 'resulted' || (prev.readings?.length ?? 0) > 0);
  if (cancelled && prev && (ranIt || prev.state === 'not-sent')) {
    // Results went out (some or all: the tube was run, what the EHR must reconcile), or it never had
    // the order (its reason stays): nothing to take back from the analyzer.
    if (statusSame) return { device: device.id, unchanged: true };
    if (!ranIt) return { device: device.id, record: { ...prev }, dropQueued: true, queue: [] };
    const record: DeviceRecord = { ...prev, state: 'resulted', since: prev.state === 'resulted' ? prev.since : now };
    return { device: device.id, record, dropQueued: true, queue: [], event: { what: 'cancelled', detail: LATE_CANCEL } };
  }
  const base = (state: OrderDeviceState, extra: Partial<DeviceRecord> = {}): DeviceRecord => {
    const record: DeviceRecord = { state, tests: target, given, since: prev?.state === state ? prev.since : now, ...extra };
    if (prev?.readings) record.readings = prev.readings;
    // Held results stay on the line until a person settles them, whatever the EHR changes meanwhile.
    if (prev?.held) record.held = prev.held;
    if (prev?.sentAt) record.sentAt = prev.sentAt;
    if (record.given.length > 0 && prev?.givenSpecimen !== undefined) record.givenSpecimen = prev.givenSpecimen;
    if (record.given.length > 0 && prev?.givenMrn !== undefined) record.givenMrn = prev.givenMrn;
    return record;
  };

  if (!takesDownloads(device)) {
    // Query only: the analyzer learns of it when it asks; what it was told before cannot be taken back.
    if (target.length === 0) {
      if (cancelled && prev && prev.state !== 'not-sent') {
        return { device: device.id, record: base('cancelled'), dropQueued: true, queue: [], event: { what: 'cancelled' } };
      }
      const reason = reasonOf(work) ?? 'the order was cancelled';
      return { device: device.id, record: base('not-sent', { reason }), dropQueued: true, queue: [], event: { what: 'not-sent', detail: reason } };
    }
    const state = prev?.state === 'queried' || prev?.state === 'resulted' ? prev.state : 'waiting';
    const reason = state === 'waiting' ? { reason: 'waiting for the analyzer to ask for this specimen (host query)' } : {};
    // Who changed it (the EHR, a technician) is the order's own event; this says what the analyzer will be told.
    const event = prev && !sameSet(prev.tests, target) ? { event: { what: 'queued' as const, detail: `${target.join(', ')} when it asks` } } : {};
    return { device: device.id, record: base(state, reason), dropQueued: true, queue: [], ...event };
  }

  const pick = (codes: readonly string[]): WorkTest[] => codes.map((code) => tests.find((t) => t.code === code) ?? { code });
  const others = input.siblings?.get(device.id) ?? { given: [], tests: [] };
  const queue: QueuedWork[] = [];
  if (moved && prev) {
    // Taken back under the tube and patient it holds (not those of the order now), then given again.
    const old: OrderEntry = { ...order, specimenId: prev.givenSpecimen ?? order.specimenId ?? '' };
    queue.push({
      order: workOrder('cancel', device, old, { mrn: prev.givenMrn ?? patient.mrn }, pick(given)),
      after: target.length === 0 ? 'cancelled' : 'sent',
    });
  }
  // Codes another order on this tube already gave the analyzer (or has queued for it) are not sent again.
  const shared = target.filter((c) => others.given.includes(c));
  const have = moved ? shared : [...new Set([...given, ...shared])];
  const add = minus(target, have);
  const remove = moved ? [] : minus(have, target);
  // Codes another order on this tube still wants stay on the analyzer.
  const takeBack = minus(remove, others.tests);
  const onTube = have.length > 0 || others.given.length > 0;
  if (add.length > 0) queue.push({ order: workOrder(onTube ? 'add' : 'new', device, order, patient, pick(add)), after: 'sent' });
  if (takeBack.length > 0)
    queue.push({ order: workOrder('cancel', device, order, patient, pick(takeBack)), after: target.length === 0 ? 'cancelled' : 'sent' });
  // `given` changes when the analyzer accepts; codes another order on the tube shares change here.
  const held = moved ? given : minus(have, minus(remove, takeBack));
  const record = (state: OrderDeviceState, extra: Partial<DeviceRecord> = {}): DeviceRecord => ({ ...base(state, extra), given: held });

  if (queue.length > 0) {
    const state: OrderDeviceState = add.length === 0 && target.length === 0 ? 'cancel-waiting' : 'waiting';
    // Queued, not yet done: the analyzer's acceptance is the "sent" or "cancelled" event (order-book.ts).
    const detail = queue.map((q) => `${q.order.action} ${q.order.tests.map((t) => t.code).join(', ')}`).join('; ');
    const why = input.conflict !== undefined ? { reason: conflictReason(input.conflict) } : {};
    return { device: device.id, record: record(state, why), dropQueued: true, queue, event: { what: 'queued', detail } };
  }
  // Nothing for the analyzer to learn: it has exactly what it should (maybe nothing).
  if (target.length > 0) {
    const state = prev && ['sent', 'queried', 'resulted'].includes(prev.state) ? prev.state : 'sent';
    return { device: device.id, record: record(state), dropQueued: true, queue: [] };
  }
  if (cancelled && prev && prev.state !== 'not-sent') {
    // Cancelled before it went out: the queued download is dropped and nothing is sent.
    return { device: device.id, record: record('cancelled'), dropQueued: true, queue: [], event: { what: 'cancelled', detail: 'before it was sent' } };
  }
  const reason = reasonOf(work) ?? 'the order was cancelled';
  return { device: device.id, record: record('not-sent', { reason }), dropQueued: true, queue: [], event: { what: 'not-sent', detail: reason } };
}

/** The event of a cancel that came after this analyzer's results went out. */
export const LATE_CANCEL = 'cancelled by the EHR after results were sent';

function reasonOf(work: { tests: WorkTest[] } | { reason: string } | undefined): string | undefined {
  return work && 'reason' in work ? work.reason : undefined;
}
