// "What is wrong now" for the page's status strip and navigation badges: the health judgement
// (judge.ts) made with the page's short grace times, told in a person's words and tied to the
// device or destination it is about, plus the held readings that wait for a person. Pure.
// Durations are left to the reader of `since`, so a page can keep them ticking without asking again.

import { type Static, Type } from '@sinclair/typebox';
import type { HealthReport, HealthThresholds } from './judge.ts';

export const ProblemKind = Type.Union([
  Type.Literal('destination-unreachable'),
  Type.Literal('destination-failing'),
  Type.Literal('destination-stalled'),
  Type.Literal('dead-letters'),
  Type.Literal('device-link-down'),
  Type.Literal('readings-held'),
  Type.Literal('orders-rejected'),
  Type.Literal('orders-unresulted'),
  Type.Literal('disk-low'),
  Type.Literal('disk-critical'),
  Type.Literal('storage-writes-failing'),
  Type.Literal('storage-damaged'),
  Type.Literal('qc-rejected'),
]);
export type ProblemKind = Static<typeof ProblemKind>;

export const Problem = Type.Object({
  kind: ProblemKind,
  severity: Type.Union([Type.Literal('failing'), Type.Literal('degraded')]),
  /** Plain words without the duration: "ehr: unreachable", "Scale, room 1: not connected", "3 held readings". */
  text: Type.String(),
  /** When it started (ISO): the page says "for 4 min" from it. */
  since: Type.Optional(Type.String()),
  /**
   * The number that matters: messages waiting, dead letters, held readings, devices not connected
   * (grouped); for a QC rejection the patient results it holds, for grouped ones how many rejections.
   */
  count: Type.Optional(Type.Integer({ minimum: 0 })),
  /** The count in words when it is not already in `text`: "38 waiting". */
  counted: Type.Optional(Type.String()),
  device: Type.Optional(Type.String()),
  destination: Type.Optional(Type.String()),
  /** What a person calls the device or destination: its label, else its ID. */
  name: Type.Optional(Type.String()),
  /** It waits out a backoff now: POST /api/devices/:id/retry or /api/destinations/:id/retry cuts it short. */
  retry: Type.Optional(Type.Boolean()),
  /** qc-rejected: the rejection to review (GET /api/qc/rejections/:id); absent on a grouped item. */
  rejection: Type.Optional(Type.String()),
});
export type Problem = Static<typeof Problem>;

export const StatusView = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('failing')]),
  checkedAt: Type.String(),
  /** Failing ones first. */
  problems: Type.Array(Problem),
});
export type StatusView = Static<typeof StatusView>;

/** What the health report names only by ID, and what each link does right now. */
export interface ProblemContext {
  devices: ReadonlyArray<{
    id: string;
    label?: string;
    /** Waiting out a backoff before its next try, which "retry now" cuts short. */
    retryWaiting: boolean;
    /** When the link first failed in this outage (ISO): what the device card shows too. */
    downSince?: string;
  }>;
  destinations: ReadonlyArray<{ id: string; unreachable?: boolean; lastError?: string; retryWaiting: boolean }>;
  held: number;
  /** Orders an analyzer refused (dead letters) and orders sent or queried with no result in time. */
  orders?: { rejected: number; unresulted: number };
}

/** More devices down than this (a switch or a power strip failing) are one item, not a screenful. */
export const DEVICE_ITEMS_MAX = 3;
/** More QC rejections than this (a bad reagent lot on several tests) are one item too. */
export const QC_ITEMS_MAX = 3;

/** A person looks at the strip while it happens: shorter grace times than an alerting rule's. */
export const PAGE_GRACE = { deviceDownMs: 5_000, destinationStalledMs: 10_000 };

export function pageThresholds(t: HealthThresholds): HealthThresholds {
  return {
    ...t,
    deviceDownMs: Math.min(t.deviceDownMs, PAGE_GRACE.deviceDownMs),
    destinationStalledMs: Math.min(t.destinationStalledMs, PAGE_GRACE.destinationStalledMs),
  };
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export function statusProblems(report: HealthReport, ctx: ProblemContext): StatusView {
  const problems: Problem[] = [];
  const devicesDown: Problem[] = [];
  const qcRejected: Array<{ problem: Problem; held: number }> = [];
  /** Where the devices and the QC rejections go: the report's order (failing first) holds. */
  let devicesAt = -1;
  let qcAt = -1;
  for (const r of report.reasons) {
    const since = r.since === undefined ? {} : { since: r.since };
    switch (r.code) {
      case 'destination-stalled': {
        const id = r.subject ?? '';
        const d = ctx.destinations.find((x) => x.id === id);
        const [kind, words] = d?.unreachable
          ? (['destination-unreachable', 'unreachable'] as const)
          : d?.lastError
            ? (['destination-failing', 'not accepting messages'] as const)
            : (['destination-stalled', 'delivering nothing'] as const);
        const count = r.count ?? 0;
        problems.push({
          kind,
          severity: r.severity,
          text: `${id}: ${words}`,
          ...since,
          count,
          counted: `${count} waiting`,
          destination: id,
          name: id,
          retry: d?.retryWaiting ?? false,
        });
        break;
      }
      case 'dead-letters': {
        const id = r.subject ?? '';
        const count = r.count ?? 0;
        problems.push({
          kind: 'dead-letters',
          severity: r.severity,
          text: `${id}: ${plural(count, 'dead letter', 'dead letters')}`,
          count,
          destination: id,
          name: id,
        });
        break;
      }
      case 'device-link-down': {
        const id = r.subject ?? '';
        const d = ctx.devices.find((x) => x.id === id);
        if (devicesAt < 0) devicesAt = problems.length;
        devicesDown.push({
          kind: 'device-link-down',
          severity: r.severity,
          text: `${d?.label ?? id}: not connected`,
          ...(d?.downSince === undefined ? since : { since: d.downSince }),
          device: id,
          name: d?.label ?? id,
          retry: d?.retryWaiting ?? false,
        });
        break;
      }
      case 'qc-rejected': {
        const id = r.subject ?? '';
        const name = ctx.devices.find((x) => x.id === id)?.label ?? id;
        const held = r.count ?? 0;
        if (qcAt < 0) qcAt = problems.length;
        const problem: Problem = {
          kind: 'qc-rejected',
          severity: r.severity,
          text: `${name}: QC failed for ${r.qc?.test ?? 'a test'} (${r.qc?.rules.join(', ') ?? ''})`,
          ...since,
          count: held,
          ...(held > 0 ? { counted: `${plural(held, 'result', 'results')} held` } : {}),
          device: id,
          name,
          ...(r.qc ? { rejection: r.qc.rejection } : {}),
        };
        qcRejected.push({ problem, held });
        break;
      }
      default:
        problems.push({ kind: r.code, severity: r.severity, text: r.message.charAt(0).toUpperCase() + r.message.slice(1), ...since });
    }
  }
  // The later in the report first, so the earlier position still points where it did (at one position,
  // the QC items go in first and the devices, before them in the report, in front of them).
  const groups = [
    { at: qcAt, items: qcRejected.length > QC_ITEMS_MAX ? [groupedQc(qcRejected)] : qcRejected.map((r) => r.problem) },
    { at: devicesAt, items: devicesDown.length > DEVICE_ITEMS_MAX ? [groupedDevices(devicesDown)] : devicesDown },
  ];
  for (const g of groups.filter((x) => x.at >= 0).sort((a, b) => b.at - a.at)) problems.splice(g.at, 0, ...g.items);
  if (ctx.held > 0) {
    problems.push({ kind: 'readings-held', severity: 'degraded', text: plural(ctx.held, 'held reading', 'held readings'), count: ctx.held });
  }
  const rejected = ctx.orders?.rejected ?? 0;
  if (rejected > 0) {
    problems.push({
      kind: 'orders-rejected',
      severity: 'degraded',
      text: `${plural(rejected, 'order', 'orders')} refused by an analyzer`,
      count: rejected,
    });
  }
  const unresulted = ctx.orders?.unresulted ?? 0;
  if (unresulted > 0) {
    problems.push({ kind: 'orders-unresulted', severity: 'degraded', text: `${plural(unresulted, 'order', 'orders')} without results`, count: unresulted });
  }
  const status = report.status === 'ok' && problems.length > 0 ? 'degraded' : report.status;
  return { status, checkedAt: report.checkedAt, problems };
}

/** The earliest of the items' `since`. */
function earliest(items: readonly Problem[]): { since?: string } {
  const since = items.map((p) => p.since).filter((x): x is string => x !== undefined);
  since.sort((a, b) => Date.parse(a) - Date.parse(b));
  return since[0] === undefined ? {} : { since: since[0] };
}

/** "5 QC rejections", since the first, with the patient results they hold together. */
function groupedQc(rejected: ReadonlyArray<{ problem: Problem; held: number }>): Problem {
  const held = rejected.reduce((n, r) => n + r.held, 0);
  return {
    kind: 'qc-rejected',
    severity: 'degraded',
    text: `${rejected.length} QC rejections`,
    ...earliest(rejected.map((r) => r.problem)),
    count: rejected.length,
    ...(held > 0 ? { counted: `${plural(held, 'result', 'results')} held` } : {}),
  };
}

/** "12 devices not connected", since the first of them went down, as bad as the worst. */
function groupedDevices(down: readonly Problem[]): Problem {
  return {
    kind: 'device-link-down',
    severity: down.some((p) => p.severity === 'failing') ? 'failing' : 'degraded',
    text: `${down.length} devices not connected`,
    ...earliest(down),
    count: down.length,
  };
}
