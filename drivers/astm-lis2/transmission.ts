// Frame text -> records -> messages -> reports and host queries (answered after EOT), for one
// transmission at a time. A record continued with ETB is joined before it is read. The frame that
// completes a message (its L record) is accepted only once every report of the message was made
// durable; until then nothing of the frame is taken in, so the analyzer's retransmission of that
// frame finds the same state.

import type { DeviceReport, ResendMemory } from '../../src/model/driver.ts';
import type { Logger } from '../../src/model/logger.ts';
import { internalError } from '../_shared/refusal.ts';
import type { SessionEvents } from '../_shared/session-events.ts';
import { decodeMessage, type DecodeResult } from './decode.ts';
import type { Verdict } from './link-receiver.ts';
import type { HostQuery } from './query.ts';
import { recordType } from './records.ts';

/** A record continued over this many chars of ETB frames is refused (a runaway sender). */
const MAX_RECORD = 1_000_000;

export interface TransmissionOptions {
  events: SessionEvents;
  log: Logger;
  textEncoding: 'latin1' | 'utf8';
  /** Reports stored before (a transmission sent again after our ACK was lost, also across a restart). */
  resends: ResendMemory;
  /** The Q.3 component holding the specimen id. */
  queryComponent: number;
}

export class Transmission {
  private records: string[] = [];
  /** Text of a record continued by ETB frames. */
  private partial = '';
  /** Reports (by position and text) already durable in an earlier attempt at the same frame. */
  private readonly stored = new Set<string>();
  /** Decode problems already reported for the text being committed (a retry does not repeat them). */
  private reportedFor: string | undefined;
  private generation = 0;
  /** Host queries of the messages acknowledged so far, answered after EOT. */
  private queries: HostQuery[] = [];
  /** Host queries of the text being committed, taken in with it. */
  private attemptQueries: HostQuery[] = [];

  constructor(private readonly o: TransmissionOptions) {}

  /** Whether anything of the open transmission was taken in and not yet delivered. */
  get hasContent(): boolean {
    return this.records.length > 0 || this.partial.length > 0;
  }

  frame(text: string, final: boolean): Verdict | Promise<Verdict> {
    const combined = this.partial + text;
    if (combined.length > MAX_RECORD) {
      this.o.events.protocolError(`record continued over ${MAX_RECORD} chars: frame refused`, '');
      return 'nak';
    }
    if (!final) {
      this.partial = combined;
      return 'ack';
    }
    const all = [...this.records, ...this.split(combined)];
    let lastL = -1;
    all.forEach((r, i) => {
      if (recordType(r) === 'L') lastL = i;
    });
    if (lastL < 0) {
      this.records = all;
      this.partial = '';
      return 'ack';
    }
    const complete = all.slice(0, lastL + 1);
    const rest = all.slice(lastL + 1);
    const accept = (): Verdict => {
      this.queries.push(...this.attemptQueries);
      this.attemptQueries = [];
      this.records = rest;
      this.partial = '';
      this.stored.clear();
      this.reportedFor = undefined;
      return 'ack';
    };
    const committed = this.commit(complete);
    if (committed === true) return accept();
    const generation = this.generation;
    return committed.then((ok) => (ok && generation === this.generation ? accept() : 'nak'));
  }

  /** EOT: what the transmission delivered, and the host queries it asked, to answer now. */
  end(): { done: void | Promise<void>; queries: HostQuery[] } {
    const done = this.endRecords();
    const queries = [...this.queries, ...this.attemptQueries];
    this.queries = [];
    this.attemptQueries = [];
    return { done, queries };
  }

  /** A message without its L record is delivered here; one cut inside a record is not. */
  private endRecords(): void | Promise<void> {
    if (this.partial.length > 0) {
      this.o.events.protocolError('transmission ended inside a record (after an ETB frame): nothing of it was delivered', '');
      this.reset();
      return;
    }
    if (this.records.length === 0) {
      this.reset();
      return;
    }
    this.o.log.info('transmission ended without an L terminator record: its records are delivered at EOT');
    const records = this.records;
    this.reset();
    const committed = this.commit(records);
    if (committed === true) return;
    return committed.then((ok) => {
      // EOT takes no reply, so the analyzer cannot be told; the device runner logged the failure.
      if (!ok) this.o.log.error('results of a transmission without L could not all be stored; the analyzer considers them sent');
    });
  }

  /** The open transmission ends undelivered: its queries are not answered either (the analyzer sends it again). */
  discard(): void {
    this.queries = [];
    this.attemptQueries = [];
    this.reset();
  }

  private reset(): void {
    this.records = [];
    this.partial = '';
    this.stored.clear();
    this.reportedFor = undefined;
    this.generation++;
  }

  private split(text: string): string[] {
    const out: string[] = [];
    for (const piece of text.split('\r')) {
      const record = piece.replace(/^\n+/, '');
      if (record === '') continue;
      out.push(this.o.textEncoding === 'utf8' ? Buffer.from(record, 'latin1').toString('utf8') : record);
    }
    return out;
  }

  /** Decodes the messages in `records` and emits their reports: true when nothing needs waiting for. */
  private commit(records: string[]): true | Promise<boolean> {
    const key = records.join('\r');
    const firstAttempt = this.reportedFor !== key;
    this.reportedFor = key;
    const reports: DeviceReport[] = [];
    this.attemptQueries = [];
    let message: string[] = [];
    for (const r of records) {
      message.push(r);
      if (recordType(r) === 'L') {
        reports.push(...this.decode(message, firstAttempt));
        message = [];
      }
    }
    if (message.length > 0) reports.push(...this.decode(message, firstAttempt));

    const pending = reports
      .map((report, i) => ({ report, key: `${i}\u0000${report.raw}` }))
      .filter((p) => !this.stored.has(p.key) && !this.storedBefore(p.report, firstAttempt));
    if (pending.length === 0) return true;
    const generation = this.generation;
    const attempts = pending.map(({ report, key: k }) =>
      this.o.events.reportAndWait(report).then(
        () => {
          if (generation === this.generation) this.stored.add(k);
          return true;
        },
        (err: unknown) => {
          this.o.log.warn({ err }, 'a result could not be made durable: the frame is answered NAK');
          return false;
        },
      ),
    );
    return Promise.all(attempts).then((results) => results.every(Boolean));
  }

  /** Whether the report was stored from an earlier transmission; said once per attempt, without patient data. */
  private storedBefore(report: DeviceReport, say: boolean): boolean {
    const first = report.resendKey === undefined ? undefined : this.o.resends.recall(report.resendKey);
    if (first === undefined) return false;
    if (say) this.o.log.info({ reading: first.readingId, firstStoredAt: first.at }, 'ASTM results received again: acknowledged, not stored twice');
    return true;
  }

  private decode(message: string[], report: boolean): DeviceReport[] {
    let result: DecodeResult;
    try {
      result = decodeMessage(message, this.o.queryComponent);
    } catch (err) {
      // A decoder bug must not take the link down; the message is named and skipped.
      this.o.events.protocolError(internalError(err), '');
      return [];
    }
    if (report) {
      for (const p of result.problems) this.o.events.protocolError(p, p.bytes);
      for (const n of result.notes) this.o.log[n.level](n.msg);
    }
    this.attemptQueries.push(...result.queries);
    return result.reports;
  }
}
