// The session shell: bytes -> MLLP frames -> one message at a time: decode, hand the reports to the
// listeners, wait until they are durable, then ACK. The next message waits for the previous ACK.

import { createHash } from 'node:crypto';
import type { DeviceLink, DriverSession, ProtocolErrorListener, ReportListener } from '../../src/model/driver.ts';
import type { AckCode } from '../../src/hl7/ack-types.ts';
import { buildAck } from '../../src/hl7/ack.ts';
import { encodeFrame, MllpDecoder } from '../../src/mllp/framing.ts';
import { SessionEvents } from '../_shared/session-events.ts';
import { decodeOru, type DecodedOru } from './decode.ts';

export interface Hl7AnalyzerOptions {
  /** Whether a message received again is recognised (`link.resends`); off only when the settings say so. */
  detectResends: boolean;
  ackSendingApplication?: string;
  ackSendingFacility?: string;
}

/** The message without its MSH: a resend may carry a new MSH-7, the results are what must match. */
function contentDigest(text: string): string {
  const body = text.replace(/^[\s\uFEFF]*MSH[^\r\n]*/, '');
  return createHash('sha256').update(body).digest('base64');
}

/**
 * The duplicate key of the message's i-th order: the sender (MSH-3, MSH-4), its control ID (MSH-10)
 * and the content, so a reused control ID with other results is a new message.
 */
function resendKey(message: DecodedOru, digest: string, i: number): string {
  return JSON.stringify([message.sender.application, message.sender.facility, message.controlId, digest, i]);
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 200);
}

export function openHl7AnalyzerSession(link: DeviceLink, options: Hl7AnalyzerOptions): DriverSession {
  const events = new SessionEvents(link.log);
  const decoder = new MllpDecoder();
  const queue: string[] = [];
  let busy = false;
  let closed = false;
  let ackSeq = 0;

  function framingErrors(errors: string[]): void {
    for (const e of errors) events.protocolError(`MLLP framing: ${e}`, '');
  }

  async function acknowledge(message: string, code: AckCode, reason?: { text: string; errorCode: string }): Promise<void> {
    if (closed) return;
    const now = link.now();
    ackSeq++;
    const ack = buildAck(message, code, {
      ...(reason ?? {}),
      ...(options.ackSendingApplication ? { sendingApp: options.ackSendingApplication } : {}),
      ...(options.ackSendingFacility ? { sendingFacility: options.ackSendingFacility } : {}),
      controlId: `MG${now.getTime().toString(36)}${ackSeq.toString(36)}`.toUpperCase().slice(0, 20),
      now,
    });
    try {
      await link.write(encodeFrame(ack));
    } catch (err) {
      link.log.warn({ error: errorText(err) }, 'HL7 ACK could not be written; the analyzer will resend');
    }
  }

  async function handle(text: string): Promise<void> {
    const decoded = decodeOru(text);
    if (!decoded.ok) {
      const { code, errorCode, reason } = decoded.rejection;
      // The whole message is kept for review; the gateway logs its bytes at debug only.
      events.protocolError(reason, text);
      await acknowledge(text, code, { text: reason, errorCode });
      return;
    }
    const { controlId, reports, notes } = decoded.value;
    for (const note of notes) link.log.debug(note);
    const digest = contentDigest(text);
    const keyed = options.detectResends ? reports.map((report, i) => ({ ...report, resendKey: resendKey(decoded.value, digest, i) })) : reports;
    // Orders already stored (before a restart, on another connection) are not reported again.
    const firsts = keyed.map((report) => (report.resendKey === undefined ? undefined : link.resends.recall(report.resendKey)));
    const known = firsts.filter((f) => f !== undefined);
    if (known.length > 0) {
      const all = known.length === reports.length;
      link.log.info(
        { controlId, readings: known.map((f) => f.readingId), firstStoredAt: known[0]?.at, orders: reports.length, alreadyStored: known.length },
        all
          ? 'HL7 message received again (same sender, MSH-10 and content): acknowledged, not stored twice'
          : 'HL7 message received again, some of its orders already stored: only the others are stored',
      );
      if (all) {
        await acknowledge(text, 'AA');
        return;
      }
    }
    const pending = keyed.map((report, i) => (firsts[i] !== undefined ? null : events.reportAndWait(report)));
    let stored = known.length;
    let failure: unknown;
    for (const p of pending) {
      if (p === null) continue;
      try {
        await p;
        stored++;
      } catch (err) {
        failure ??= err;
      }
    }
    if (failure === undefined) {
      await acknowledge(text, 'AA');
      return;
    }
    const missing = reports.length - stored;
    link.log.warn({ controlId, error: errorText(failure) }, 'HL7 results not stored: answered AE so the analyzer resends');
    await acknowledge(text, 'AE', {
      text: `results not stored (${missing} of ${reports.length} orders): ${errorText(failure)}`,
      errorCode: '207',
    });
  }

  async function pump(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      for (let next = queue.shift(); next !== undefined && !closed; next = queue.shift()) {
        try {
          await handle(next);
        } catch (err) {
          // A decoder bug must not stall the link: the analyzer gets an AE and resends.
          events.protocolError(`internal decoder error: ${errorText(err)}`, next);
          await acknowledge(next, 'AE', { text: 'internal error in the gateway', errorCode: '207' });
        }
      }
    } finally {
      busy = false;
    }
  }

  return {
    receive(chunk: Uint8Array): void {
      if (closed) return;
      try {
        const out = decoder.push(chunk);
        framingErrors(out.errors);
        queue.push(...out.messages);
      } catch (err) {
        events.protocolError(`internal framing error: ${errorText(err)}`, '');
      }
      if (queue.length > 0) void pump().catch((err: unknown) => link.log.error({ error: errorText(err) }, 'HL7 analyzer session failed'));
    },
    on(event: 'report' | 'protocolError', cb: ReportListener | ProtocolErrorListener): void {
      if (event === 'report') events.on('report', cb as ReportListener);
      else events.on('protocolError', cb as ProtocolErrorListener);
    },
    linkDown(): void {
      if (closed) return;
      // Messages not yet answered cannot be answered on this link: the analyzer resends them.
      queue.length = 0;
      framingErrors(decoder.end().errors);
    },
    close(): void {
      if (closed) return;
      closed = true;
      queue.length = 0;
      decoder.end();
    },
  };
}
