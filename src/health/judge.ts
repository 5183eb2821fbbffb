// Whether the gateway is doing its job, judged from a snapshot of facts: ok, degraded (it works, but
// something needs a person) or failing (readings are not reaching where they should, or soon will
// not). Pure: the facts are gathered elsewhere (gather.ts). Reasons carry device and destination
// IDs and numbers only, never what a device or the EHR sent (an EHR's error text may name a patient).

import type { QcProblem } from '../qc/qc-api.ts';
import type { LinkState } from '../transports/types.ts';

export type HealthStatus = 'ok' | 'degraded' | 'failing';
export type Severity = Exclude<HealthStatus, 'ok'>;

export type HealthReasonCode =
  | 'destination-stalled'
  | 'dead-letters'
  | 'device-link-down'
  | 'disk-low'
  | 'disk-critical'
  | 'storage-writes-failing'
  | 'storage-damaged'
  | 'qc-rejected';

export interface HealthReason {
  /** Stable, for machines (alerting rules, scripts). */
  code: HealthReasonCode;
  severity: Severity;
  /** The device or destination ID the reason is about, when it is about one. */
  subject?: string;
  /** For people. */
  message: string;
  /** Since when, when known (ISO). */
  since?: string;
  /** How many messages it concerns: waiting (destination-stalled), refused (dead-letters); readings held (qc-rejected). */
  count?: number;
  /** qc-rejected: which rejection (GET /api/qc/rejections/:id), test, control lot and Westgard rules; codes only. */
  qc?: { rejection: string; test: string; lot: string; rules: string[] };
}

export interface HealthReport {
  status: HealthStatus;
  checkedAt: string;
  /** Failing ones first; empty when ok. */
  reasons: HealthReason[];
}

export interface HealthFacts {
  /** ms since the epoch, as all times here. */
  now: number;
  /** The gateway's start: nothing before it is known about deliveries and links. */
  startedAt: number;
  destinations: Array<{ id: string; queued: number; dead: number; oldestQueuedAt?: number; lastDeliveredAt?: number }>;
  /** Enabled devices only: a disabled device has no link to be down. */
  devices: Array<{ id: string; up: boolean; state: LinkState; downSince?: number }>;
  /** Undefined when it could not be read. */
  disk?: { free: number; size: number };
  storage: { writesFailing: boolean; damaged?: { movedTo: string; reason: string; at: string } };
  /** Unreviewed QC rejections: patient results of that analyzer and test are not to be trusted until reviewed. */
  qc?: readonly QcProblem[];
}

export interface HealthThresholds {
  /** Messages wait and nothing was delivered for this long: failing. */
  destinationStalledMs: number;
  /** An enabled device's link down for this long: degraded. */
  deviceDownMs: number;
  /** Free space of the data folder's file system below this share (0..1): degraded. */
  diskLowFraction: number;
  /** Below this share: failing (the store soon cannot write, and devices are then not acknowledged). */
  diskCriticalFraction: number;
}

export function judgeHealth(facts: HealthFacts, t: HealthThresholds): HealthReport {
  const reasons: HealthReason[] = [];
  const iso = (ms: number) => new Date(ms).toISOString();

  for (const d of facts.destinations) {
    if (d.queued > 0) {
      // Progress is a delivery; a line that was empty until its oldest message came, or a gateway
      // that started since, has not been stuck for longer than that.
      const since = Math.max(d.lastDeliveredAt ?? -Infinity, d.oldestQueuedAt ?? facts.now, facts.startedAt);
      if (facts.now - since >= t.destinationStalledMs) {
        reasons.push({
          code: 'destination-stalled',
          severity: 'failing',
          subject: d.id,
          message: `destination ${d.id} has delivered nothing for ${duration(facts.now - since)} while ${d.queued} message(s) wait`,
          since: iso(since),
          count: d.queued,
        });
      }
    }
    if (d.dead > 0) {
      reasons.push({
        code: 'dead-letters',
        severity: 'degraded',
        subject: d.id,
        message: `destination ${d.id} refused ${d.dead} message(s) (dead letters): review them and resend or discard`,
        count: d.dead,
      });
    }
  }

  for (const d of facts.devices) {
    if (d.up) continue;
    const since = d.downSince ?? facts.startedAt;
    if (facts.now - since >= t.deviceDownMs) {
      reasons.push({
        code: 'device-link-down',
        severity: 'degraded',
        subject: d.id,
        message: `device ${d.id} link is ${d.state}, not up for ${duration(facts.now - since)}`,
        since: iso(since),
      });
    }
  }

  if (facts.disk && facts.disk.size > 0) {
    const share = facts.disk.free / facts.disk.size;
    const critical = share < t.diskCriticalFraction;
    if (critical || share < t.diskLowFraction) {
      reasons.push({
        code: critical ? 'disk-critical' : 'disk-low',
        severity: critical ? 'failing' : 'degraded',
        message: `the data folder's disk has ${(share * 100).toFixed(1)}% free (${megabytes(facts.disk.free)} MB)`,
      });
    }
  }

  if (facts.storage.writesFailing) {
    reasons.push({
      code: 'storage-writes-failing',
      severity: 'failing',
      message: 'state writes are failing: devices are not acknowledged and nothing is sent until they work again',
    });
  }
  if (facts.storage.damaged) {
    reasons.push({
      code: 'storage-damaged',
      severity: 'degraded',
      message: `the database was damaged and moved aside at start, to ${facts.storage.damaged.movedTo}: what it held is not in the running gateway`,
      since: facts.storage.damaged.at,
    });
  }

  for (const q of facts.qc ?? []) reasons.push(qcReason(q));

  reasons.sort(byWeight);
  const status: HealthStatus = reasons.some((r) => r.severity === 'failing') ? 'failing' : reasons.length > 0 ? 'degraded' : 'ok';
  return { status, checkedAt: iso(facts.now), reasons };
}

/** Degraded, not failing: the gateway works, and while a person reviews, the test's patient results wait (or are flagged). */
function qcReason(q: QcProblem): HealthReason {
  const rules = q.rules.join(', ');
  const held = q.held > 0 ? `; ${q.held} patient result(s) of that test held until it is reviewed` : '';
  return {
    code: 'qc-rejected',
    severity: 'degraded',
    subject: q.device,
    message: `device ${q.device}: quality control failed for ${q.test} on lot ${q.lot} (${rules})${held}: review it`,
    since: q.since,
    count: q.held,
    qc: { rejection: q.rejection, test: q.test, lot: q.lot, rules: [...q.rules] },
  };
}

function byWeight(a: HealthReason, b: HealthReason): number {
  if (a.severity !== b.severity) return a.severity === 'failing' ? -1 : 1;
  return a.code.localeCompare(b.code) || (a.subject ?? '').localeCompare(b.subject ?? '');
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h`;
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(0);
}
