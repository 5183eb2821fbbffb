// The patient directory as a value: what each inbound event does to it (apply) and what ages out
// (prune). Pure: no clock, no disk; the stateful shell is directory.ts.
//
// Keys are MRNs (one EHR feeds a clinic; the assigning authority is kept and checked on lookup).
// Maps, not plain objects: an MRN is text from outside and must not be able to name a prototype key.

import type { InboundEvent, MergePair, OrderEvent, ParsedOrder, PatientIdentifier } from '../inbound/events.ts';
import type { PatientRef } from '../model/reading.ts';
import type { Visit } from '../model/visit.ts';
import type { DirectoryEntry, OrderEntry } from './types.ts';
import { isRecord } from '../model/is-record.ts';

export interface DirectoryState {
  /** By MRN; an entry with mergedInto is a forwarding address left by a merge. */
  entries: ReadonlyMap<string, DirectoryEntry>;
  /** By an internal key (placer number, else filler number, as first seen). */
  orders: ReadonlyMap<string, OrderEntry>;
}

export const DEFAULT_RETENTION_HOURS = 48;
/** Outpatient feeds often never send A03: an entry with no news for this long leaves anyway. */
export const DEFAULT_ACTIVE_RETENTION_HOURS = 30 * 24;
/** An open order with no news for this long leaves (results can come days after collection). */
export const DEFAULT_ORDER_RETENTION_HOURS = 14 * 24;

export interface RetentionOptions {
  /** Discharged entries, cancelled orders and merge forwarding addresses: hours after their last change. Default 48. */
  retentionHours?: number;
  /** Entries still active. Default 30 days. */
  activeRetentionHours?: number;
  /** Open orders. Default 14 days. */
  orderRetentionHours?: number;
}

export function emptyDirectory(): DirectoryState {
  return { entries: new Map(), orders: new Map() };
}

/** Longest merge chain followed; a longer one (or a loop) resolves to nothing. */
const MAX_MERGE_HOPS = 32;

/** The entry an MRN resolves to, following merges; undefined for an unknown MRN or a broken chain. */
export function resolveEntry(entries: ReadonlyMap<string, DirectoryEntry>, mrn: string): DirectoryEntry | undefined {
  let entry = entries.get(mrn);
  for (let hops = 0; entry?.mergedInto !== undefined; hops++) {
    if (hops >= MAX_MERGE_HOPS) return undefined;
    entry = entries.get(entry.mergedInto);
  }
  return entry;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Demographics: what the message says wins; what it leaves out is kept. */
function mergePatient(old: PatientRef | undefined, incoming: PatientRef): PatientRef {
  return { ...old, ...definedOnly(incoming), mrn: incoming.mrn };
}

function mergeVisit(old: Visit, incoming: Visit): Visit {
  return { ...old, ...definedOnly(incoming) };
}

/** Same visit unless both carry visit numbers and they differ. */
function sameVisit(a: Visit, b: Visit): boolean {
  return a.visitNumber === undefined || b.visitNumber === undefined || a.visitNumber === b.visitNumber;
}

function live(entries: ReadonlyMap<string, DirectoryEntry>, mrn: string): DirectoryEntry | undefined {
  const e = entries.get(mrn);
  return e && e.mergedInto === undefined ? e : undefined;
}

export function apply(state: DirectoryState, event: InboundEvent, now: Date): DirectoryState {
  const at = now.toISOString();
  switch (event.kind) {
    case 'admit': {
      const entries = new Map(state.entries);
      const mrn = event.patient.mrn;
      const old = live(entries, mrn);
      let entry: DirectoryEntry;
      if (!old) {
        // New, or a forwarding address the EHR now admits again: the EHR's latest word wins.
        entry = { patient: { ...event.patient }, visit: { ...event.visit }, status: 'active', updatedAt: at };
      } else if (old.status === 'active' && sameVisit(old.visit, event.visit)) {
        entry = { ...old, patient: mergePatient(old.patient, event.patient), visit: mergeVisit(old.visit, event.visit), updatedAt: at };
      } else {
        entry = {
          patient: mergePatient(old.patient, event.patient),
          visit: { ...event.visit },
          status: 'active',
          updatedAt: at,
          previous: { visit: old.visit, status: old.status },
        };
      }
      // An admitted patient is not discharged, whatever PV1-45 came along.
      const { dischargedAt: _, ...visit } = entry.visit;
      entries.set(mrn, { ...entry, visit });
      return { ...state, entries };
    }

    case 'update': {
      const mrn = event.patient.mrn;
      const old = state.entries.get(mrn);
      if (old?.mergedInto !== undefined) return state; // news about a chart that no longer exists
      const entries = new Map(state.entries);
      if (!old) {
        // A missed admit: with a visit, the patient is known to be here (or to have been).
        if (!event.visit) return state;
        const status = event.visit.dischargedAt ? 'discharged' : 'active';
        entries.set(mrn, { patient: { ...event.patient }, visit: { ...event.visit }, status, updatedAt: at });
        return { ...state, entries };
      }
      const visit = event.visit && sameVisit(old.visit, event.visit) ? mergeVisit(old.visit, event.visit) : old.visit;
      entries.set(mrn, { ...old, patient: mergePatient(old.patient, event.patient), visit, updatedAt: at });
      return { ...state, entries };
    }

    case 'discharge': {
      const mrn = event.patient.mrn;
      const old = state.entries.get(mrn);
      if (old?.mergedInto !== undefined) return state;
      const entries = new Map(state.entries);
      if (old && !sameVisit(old.visit, event.visit)) {
        // The discharge of another (older) visit must not end the current one.
        entries.set(mrn, { ...old, patient: mergePatient(old.patient, event.patient), updatedAt: at });
        return { ...state, entries };
      }
      const visit = mergeVisit(old?.visit ?? {}, event.visit);
      visit.dischargedAt ??= at;
      const entry: DirectoryEntry = { ...old, patient: mergePatient(old?.patient, event.patient), visit, status: 'discharged', updatedAt: at };
      entries.set(mrn, entry);
      return { ...state, entries };
    }

    case 'cancelAdmit': {
      const mrn = event.patient.mrn;
      const old = live(state.entries, mrn);
      if (!old || !sameVisit(old.visit, event.visit)) return state;
      const entries = new Map(state.entries);
      if (old.previous) {
        const { previous, ...rest } = old;
        entries.set(mrn, { ...rest, visit: previous.visit, status: previous.status, updatedAt: at });
      } else {
        entries.delete(mrn); // it came only from the admit being cancelled
      }
      return { ...state, entries };
    }

    case 'merge': {
      let next = state;
      for (const pair of event.merges) next = applyMerge(next, pair, at);
      return next;
    }

    case 'order':
      return applyOrders(state, event, at);
  }
}

function applyMerge(state: DirectoryState, pair: MergePair, at: string): DirectoryState {
  const entries = new Map(state.entries);
  const orders = new Map(state.orders);
  const s = pair.survivor.mrn;
  // A survivor that was itself merged away earlier lives again (the EHR reversed its direction).
  let survivor = live(entries, s);
  for (const prior of pair.prior) {
    const p = prior.mrn;
    if (p === s) continue;
    const priorEntry = live(entries, p);
    if (priorEntry) {
      if (!survivor) {
        survivor = { ...priorEntry, patient: mergePatient(priorEntry.patient, pair.survivor), updatedAt: at };
      } else if (survivor.status === 'discharged' && priorEntry.status === 'active') {
        // The visit in progress was opened under the prior chart: it goes on under the survivor.
        const { previous: _, ...rest } = survivor;
        survivor = { ...rest, visit: priorEntry.visit, status: 'active', updatedAt: at };
      }
    }
    entries.set(p, forwarding(prior, priorEntry ?? entries.get(p), s, at));
    // Shorten chains that ended at the prior MRN.
    for (const [mrn, e] of entries) if (e.mergedInto === p) entries.set(mrn, { ...e, mergedInto: s, updatedAt: at });
    for (const [key, o] of orders) {
      if (o.mrn !== p) continue;
      const moved: OrderEntry = { ...o, mrn: s, patient: mergePatient(o.patient, pair.survivor), updatedAt: at };
      if (pair.survivor.assigningAuthority !== undefined) moved.assigningAuthority = pair.survivor.assigningAuthority;
      else delete moved.assigningAuthority;
      orders.set(key, moved);
    }
  }
  if (survivor) {
    const { mergedInto: _, ...rest } = survivor;
    entries.set(s, { ...rest, patient: mergePatient(survivor.patient, pair.survivor), updatedAt: at });
  } else if (entries.get(s)?.mergedInto !== undefined) {
    // The survivor cannot forward anywhere: its old forwarding address would close a loop.
    entries.delete(s);
  }
  return { entries, orders };
}

/** What stays under a merged-away MRN: its identity and where it went; no visit, so byVisit finds only the survivor. */
function forwarding(prior: PatientIdentifier, old: DirectoryEntry | undefined, survivor: string, at: string): DirectoryEntry {
  const patient: PatientRef = { ...old?.patient, ...definedOnly(prior), mrn: prior.mrn };
  return { patient, visit: {}, status: old?.status ?? 'discharged', updatedAt: at, mergedInto: survivor };
}

function findOrder(orders: ReadonlyMap<string, OrderEntry>, o: ParsedOrder): string | undefined {
  if (o.placer !== undefined) {
    for (const [key, e] of orders) if (e.placer === o.placer) return key;
  }
  if (o.filler !== undefined) {
    for (const [key, e] of orders) if (e.filler === o.filler) return key;
  }
  return undefined;
}

function applyOrders(state: DirectoryState, event: OrderEvent, at: string): DirectoryState {
  const orders = new Map(state.orders);
  for (const o of event.orders) {
    const key = findOrder(orders, o) ?? (o.placer !== undefined ? `P|${o.placer}` : `F|${o.filler ?? ''}`);
    const old = orders.get(key);
    const entry: OrderEntry = {
      ...old,
      mrn: event.patient.mrn,
      patient: mergePatient(old?.patient, event.patient),
      tests: o.tests.length > 0 ? o.tests : (old?.tests ?? []),
      status: o.action === 'cancel' ? 'cancelled' : 'open',
      control: o.control,
      updatedAt: at,
    };
    if (event.patient.assigningAuthority !== undefined) entry.assigningAuthority = event.patient.assigningAuthority;
    else delete entry.assigningAuthority;
    if (o.placer !== undefined) entry.placer = o.placer;
    if (o.filler !== undefined) entry.filler = o.filler;
    if (event.visitNumber !== undefined) entry.visitNumber = event.visitNumber;
    if (o.orderedAt !== undefined) entry.orderedAt = o.orderedAt;
    if (o.specimenType !== undefined) entry.specimenType = o.specimenType;
    if (o.priority !== undefined) entry.priority = o.priority;
    if (o.specimenIds.length > 0) {
      entry.specimenId = o.specimenIds[0];
      if (o.specimenIds.length > 1) entry.specimenIds = [...o.specimenIds];
      else delete entry.specimenIds;
    }
    orders.set(key, entry);
  }
  return { ...state, orders };
}

/** Drops what has aged out; returns the same state object when nothing did. */
export function prune(state: DirectoryState, now: Date, opts: RetentionOptions = {}): { state: DirectoryState; removed: number } {
  const hours = (h: number | undefined, fallback: number): number => now.getTime() - (h ?? fallback) * 3_600_000;
  const doneBefore = hours(opts.retentionHours, DEFAULT_RETENTION_HOURS);
  const activeBefore = hours(opts.activeRetentionHours, DEFAULT_ACTIVE_RETENTION_HOURS);
  const openOrderBefore = hours(opts.orderRetentionHours, DEFAULT_ORDER_RETENTION_HOURS);
  const older = (iso: string, cutoff: number): boolean => {
    const t = Date.parse(iso);
    return Number.isFinite(t) && t < cutoff;
  };

  let removed = 0;
  const entries = new Map(state.entries);
  for (const [mrn, e] of state.entries) {
    if (e.mergedInto !== undefined) continue;
    if (older(e.updatedAt, e.status === 'discharged' ? doneBefore : activeBefore)) {
      entries.delete(mrn);
      removed++;
    }
  }
  // A forwarding address goes once it is old and leads nowhere any more.
  for (const [mrn, e] of state.entries) {
    if (e.mergedInto === undefined || !older(e.updatedAt, doneBefore)) continue;
    if (!resolveEntry(entries, mrn)) {
      entries.delete(mrn);
      removed++;
    }
  }
  const orders = new Map(state.orders);
  for (const [key, o] of state.orders) {
    if (older(o.updatedAt, o.status === 'cancelled' ? doneBefore : openOrderBefore)) {
      orders.delete(key);
      removed++;
    }
  }
  return removed === 0 ? { state, removed } : { state: { entries, orders }, removed };
}

/** The JSON document on disk. */
export interface DirectoryDoc {
  version: 1;
  entries: DirectoryEntry[];
  orders: Array<OrderEntry & { key: string }>;
}

export function toDoc(state: DirectoryState): DirectoryDoc {
  return {
    version: 1,
    entries: [...state.entries.values()],
    orders: [...state.orders].map(([key, o]) => ({ ...o, key })),
  };
}

/** Reads the document back; throws naming the file and what is wrong (never quoting patient data). */
export function fromDoc(file: string, value: unknown): DirectoryState {
  if (!isRecord(value)) throw new Error(`${file}: the directory document is not a JSON object`);
  if (value.version !== 1) throw new Error(`${file}: unsupported directory version ${JSON.stringify(value.version)} (expected 1)`);
  if (!Array.isArray(value.entries) || !Array.isArray(value.orders)) throw new Error(`${file}: "entries" and "orders" must be arrays`);
  const entries = new Map<string, DirectoryEntry>();
  value.entries.forEach((e: unknown, i) => {
    if (!isRecord(e) || !isRecord(e.patient) || typeof e.patient.mrn !== 'string' || typeof e.updatedAt !== 'string') {
      throw new Error(`${file}: entries[${i}] is not a directory entry`);
    }
    const entry = e as unknown as DirectoryEntry;
    entries.set(entry.patient.mrn, entry);
  });
  const orders = new Map<string, OrderEntry>();
  value.orders.forEach((o: unknown, i) => {
    if (!isRecord(o) || typeof o.key !== 'string' || typeof o.mrn !== 'string' || typeof o.updatedAt !== 'string' || !Array.isArray(o.tests)) {
      throw new Error(`${file}: orders[${i}] is not an order entry`);
    }
    const { key, ...order } = o as unknown as OrderEntry & { key: string };
    orders.set(key, order);
  });
  return { entries, orders };
}
