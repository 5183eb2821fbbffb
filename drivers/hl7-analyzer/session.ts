// The session shell: bytes -> MLLP frames -> one message at a time: decode, hand the reports to the
// listeners, wait until they are durable, then ACK. The next message waits for the previous ACK.

import { createHash } from 'node:crypto';
import type { DeviceLink, DriverSession, ProtocolErrorListener, ReportListener } from '../../src/model/driver.ts';
import type { AckCode } from '../../src/hl7/ack-types.ts';
import { buildAck } from '../../src/hl7/ack.ts';
import { encodeFrame, MllpDecoder } from '../../src/mllp/framing.ts';
import { internalError } from '../_shared/refusal.ts';
import { SessionEvents } from '../_shared/session-events.ts';
import { decodeOru, type DecodedOru } from './decode.ts';
import { errorText } from '../../src/model/error-text.ts';

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

/**
 * Messages received and not yet answered. An analyzer sends the next message after the ACK of the
 * previous one (HL7 v2.5.1 chapter 2, original acknowledgment mode), so a longer queue is a peer
 * that does not wait: what does not fit is answered AE at once and the analyzer sends it again.
 */
export const MAX_QUEUED_MESSAGES = 32;
/** The same, in characters: a few large messages (an embedded report) fill it as well. */
export const MAX_QUEUED_CHARS = 32 * 1024 * 1024;
const BUSY = 'gateway busy: too many messages waiting on this connection; send it again after the ACK of the previous one';

export function openHl7AnalyzerSession(link: DeviceLink, options: Hl7AnalyzerOptions): DriverSession {
  const events = new SessionEvents(link.log);
  const decoder = new MllpDecoder();
  const queue: string[] = [];
  let queuedChars = 0;
  /** Messages refused since the queue last had room: one log line per run of refusals. */
  let refusedRun = 0;
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
      link.log.warn({ err }, 'HL7 ACK could not be written; the analyzer will resend');
    }
  }

  async function handle(text: string): Promise<void> {
    const decoded = decodeOru(text);
    if (!decoded.ok) {
      const { code, errorCode, reason, detail } = decoded.rejection;
      // The whole message is kept for review; the gateway logs its bytes and the detail at debug only.
      events.protocolError(decoded.rejection, text);
      // The analyzer sent what the detail quotes: its ACK may say it.
      await acknowledge(text, code, { text: detail ?? reason, errorCode });
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
    link.log.warn({ controlId, err: failure }, 'HL7 results not stored: answered AE so the analyzer resends');
    await acknowledge(text, 'AE', {
      text: `results not stored (${missing} of ${reports.length} orders): ${errorText(failure).slice(0, 200)}`,
      errorCode: '207',
    });
  }

  function enqueue(message: string): void {
    if (queue.length < MAX_QUEUED_MESSAGES && queuedChars + message.length <= MAX_QUEUED_CHARS) {
      if (refusedRun > 0) link.log.info({ refused: refusedRun }, 'HL7 message queue has room again');
      refusedRun = 0;
      queue.push(message);
      queuedChars += message.length;
      return;
    }
    if (refusedRun === 0) link.log.warn({ queued: queue.length, queuedChars }, 'HL7 message queue full: answering AE to further messages until it has room');
    refusedRun++;
    void acknowledge(message, 'AE', { text: BUSY, errorCode: '207' }).catch((err: unknown) => link.log.warn({ err }, 'HL7 busy AE could not be built'));
  }

  async function pump(): Promise<void> {
    if (busy) return;
    busy = true;
    try {
      for (let next = queue.shift(); next !== undefined && !closed; next = queue.shift()) {
        queuedChars -= next.length;
        try {
          await handle(next);
        } catch (err) {
          // A decoder bug must not stall the link: the analyzer gets an AE and resends.
          events.protocolError(internalError(err), next);
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
        // A frame past the limit is not an analyzer at work: free its buffers (the transport logs the close).
        if (out.oversized && link.close) {
          link.close(`MLLP frame over ${decoder.maxFrameBytes} bytes`);
          return;
        }
        for (const message of out.messages) enqueue(message);
      } catch (err) {
        events.protocolError(internalError(err, 'framing'), '');
      }
      if (queue.length > 0) void pump().catch((err: unknown) => link.log.error({ err }, 'HL7 analyzer session failed'));
    },
    on(event: 'report' | 'protocolError', cb: ReportListener | ProtocolErrorListener): void {
      if (event === 'report') events.on('report', cb as ReportListener);
      else events.on('protocolError', cb as ProtocolErrorListener);
    },
    linkDown(): void {
      if (closed) return;
      // Messages not yet answered cannot be answered on this link: the analyzer resends them.
      queue.length = 0;
      queuedChars = 0;
      framingErrors(decoder.end().errors);
    },
    close(): void {
      if (closed) return;
      closed = true;
      queue.length = 0;
      queuedChars = 0;
      decoder.end();
    },
  };
}
