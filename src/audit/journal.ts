// The audit log of what people did about patients: every bind, unbind, manual assignment, discard,
// override and resend, with who, when, which device, reading and patient, and why.
// Append-only on purpose: this class has no way to change or delete an entry, and the API offers
// none. Entries are fsync'd before record() resolves, so an action reported done is on record.
//
// Retention: none by default. The log is small (a few hundred bytes per person's action) and it is
// the trail of who put which reading in which chart, which outlives the delivered history. A clinic
// that must prune sets retentionDays, and no less than a year is accepted.

import type { Logger } from '../model/logger.ts';
import { History } from '../store/history.ts';

/**
 * `order`: an order the gateway sent to an analyzer (who: system), and how the analyzer answered.
 * `qc-review`: a person reviewed a QC rejection (the corrective action), recorded before it resolves.
 */
export type AuditAction = 'bind' | 'unbind' | 'assign' | 'discard' | 'override' | 'resend' | 'configure' | 'order' | 'qc-review';

export interface AuditEntry {
  /** ISO 8601, UTC. */
  at: string;
  /** The signed-in user (or "system" for what the gateway did on a person's standing instruction). */
  who: string;
  action: AuditAction;
  device?: string;
  reading?: string;
  /** Only the identifier: names and birth dates stay in the chart, not in the audit trail. */
  patient?: { mrn: string; assigningAuthority?: string };
  reason?: string;
}

export type AuditRecord = Omit<AuditEntry, 'at'> & { at?: string };

export interface AuditQuery {
  limit: number;
  /** Only entries strictly before this time (paging: pass the last `at` seen). */
  before?: string;
  device?: string;
  reading?: string;
  /** An MRN: every action on that patient. */
  patient?: string;
  action?: AuditAction;
}

export interface AuditJournalOptions {
  /** Prune day files older than this; default: keep everything. At least MIN_RETENTION_DAYS. */
  retentionDays?: number;
  log?: Logger;
  now?: () => Date;
}

export const AUDIT_ACTIONS: readonly AuditAction[] = ['bind', 'unbind', 'assign', 'discard', 'override', 'resend', 'configure', 'order', 'qc-review'];
export const MIN_RETENTION_DAYS = 365;
const MAX_TEXT = 2000;

export class AuditJournal {
  readonly #journal: History<AuditEntry>;
  readonly #retentionDays: number | undefined;
  readonly #now: () => Date;
  #lastAt = 0;

  constructor(dir: string, opts: AuditJournalOptions = {}) {
    const days = opts.retentionDays;
    if (days !== undefined && (!Number.isInteger(days) || days < MIN_RETENTION_DAYS)) {
      throw new RangeError(`audit retentionDays must be a whole number of at least ${MIN_RETENTION_DAYS} (got ${String(days)})`);
    }
    this.#retentionDays = days;
    this.#journal = new History<AuditEntry>(dir, { retentionDays: days, log: opts.log });
    this.#now = opts.now ?? (() => new Date());
  }

  /** Appends one entry; resolves once it is on disk (fsync'd). Rejects a malformed entry without writing. */
  record(entry: AuditRecord): Promise<void> {
    let clean: AuditEntry;
    try {
      clean = this.#clean(entry);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#journal.append([clean]);
  }

  /** Newest first. */
  recent(query: AuditQuery): Promise<AuditEntry[]> {
    const { device, reading, patient, action } = query;
    const filtered = device !== undefined || reading !== undefined || patient !== undefined || action !== undefined;
    return this.#journal.recent({
      limit: query.limit,
      before: query.before,
      filter: filtered
        ? (e) =>
            (device === undefined || e.device === device) &&
            (reading === undefined || e.reading === reading) &&
            (patient === undefined || e.patient?.mrn === patient) &&
            (action === undefined || e.action === action)
        : undefined,
    });
  }

  /** Deletes day files past the configured retention; without one, deletes nothing. */
  prune(now: Date = this.#now()): Promise<number> {
    return this.#retentionDays === undefined ? Promise.resolve(0) : this.#journal.prune(now);
  }

  /** A fresh object of known fields only: nothing the caller holds can change it before it is written. */
  #clean(e: AuditRecord): AuditEntry {
    const who = required(e.who, 'who');
    if (!AUDIT_ACTIONS.includes(e.action)) throw new TypeError(`audit entry: unknown action ${JSON.stringify(e.action)}`);
    const out: AuditEntry = { at: this.#at(e.at), who, action: e.action };
    if (e.device !== undefined) out.device = required(e.device, 'device');
    if (e.reading !== undefined) out.reading = required(e.reading, 'reading');
    if (e.patient !== undefined) {
      out.patient = { mrn: required(e.patient.mrn, 'patient.mrn') };
      if (e.patient.assigningAuthority !== undefined) out.patient.assigningAuthority = required(e.patient.assigningAuthority, 'patient.assigningAuthority');
    }
    if (e.reason !== undefined) {
      if (typeof e.reason !== 'string' || e.reason.length > MAX_TEXT) throw new TypeError(`audit entry: reason must be text of at most ${MAX_TEXT} characters`);
      out.reason = e.reason;
    }
    return out;
  }

  /** Always UTC ISO, so entries sort as text. Entries made here never share a millisecond, so paging by `before` skips none. */
  #at(given: string | undefined): string {
    if (given !== undefined) {
      const t = typeof given === 'string' ? Date.parse(given) : Number.NaN;
      if (Number.isNaN(t)) throw new TypeError('audit entry: "at" is not a date');
      return new Date(t).toISOString();
    }
    let t = this.#now().getTime();
    // Nudge only within a second: a clock set back further is recorded as it reads.
    if (t <= this.#lastAt && this.#lastAt - t < 1000) t = this.#lastAt + 1;
    this.#lastAt = t;
    return new Date(t).toISOString();
  }
}

function required(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.trim() === '' || v.length > MAX_TEXT)
    throw new TypeError(`audit entry: ${field} must be non-empty text of at most ${MAX_TEXT} characters`);
  return v;
}
