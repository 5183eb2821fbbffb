// The session shell: bytes -> MLLP frames -> one message at a time: decode, hand the reports to the
// listeners, wait until they are durable, then ACK. The next message waits for the previous ACK.
// Answers to orders we sent go to the order sender at once, and host queries are answered at once
// (the analyzer's wait is short); neither waits behind results being stored.

import { createHash } from 'node:crypto';
import type { DeviceLink, DriverSession, ProtocolErrorListener, ReportListener } from '../../src/model/driver.ts';
import type { WorkOrder } from '../../src/model/work-order.ts';
import type { AckCode } from '../../src/hl7/ack-types.ts';
import { buildAck } from '../../src/hl7/ack.ts';
import { encodeFrame, MllpDecoder } from '../../src/mllp/framing.ts';
import { internalError } from '../_shared/refusal.ts';
import { SessionEvents } from '../_shared/session-events.ts';
import { decodeOru, type DecodedOru } from './decode.ts';
import { errorText } from '../../src/model/error-text.ts';
import { readHeader } from './message-kind.ts';
import { buildOrderMessage, type OrderStructure } from './order-message.ts';
import { OrderSender } from './order-sender.ts';
import { HostQueries } from './host-query.ts';

export interface Hl7AnalyzerOptions {
  /** Whether a message received again is recognised (`link.resends`); off only when the settings say so. */
  detectResends: boolean;
  ackSendingApplication?: string;
  ackSendingFacility?: string;
  /** How orders are sent (settings `orderMessage`, `orderAckTimeoutMs`, `orderCodingSystem`). */
  orders: { structure: OrderStructure; ackTimeoutMs: number; codingSystem: string };
}

/** Our name in orders when neither the settings nor the analyzer's own messages give one. */
const GATEWAY_NAME = 'MEDGATE';

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
  /** How the analyzer named itself and us in its last message (its MSH-3/4 and MSH-5/6). */
  let analyzer: { application: string; facility: string } | undefined;
  let gatewayAsNamed: { application: string; facility: string } | undefined;

  /** MSH-10 of what we send: ACKs, query answers, orders. At most 20 characters (ST(20) to v2.6). */
  function nextControlId(): string {
    ackSeq++;
    return `MG${link.now().getTime().toString(36)}${ackSeq.toString(36)}`.toUpperCase().slice(0, 20);
  }

  const sender = new OrderSender({
    write: (bytes) => link.write(bytes),
    log: link.log,
    nextControlId,
    timeoutMs: options.orders.ackTimeoutMs,
    badReply: (reason, text) => events.protocolError(reason, text.split(/[\r\n]/)[0] ?? ''),
    build: (order, controlId) =>
      buildOrderMessage(order, {
        structure: options.orders.structure,
        controlId,
        now: link.now(),
        codingSystem: options.orders.codingSystem,
        sender: {
          application: options.ackSendingApplication ?? gatewayAsNamed?.application ?? GATEWAY_NAME,
          facility: options.ackSendingFacility ?? gatewayAsNamed?.facility ?? '',
        },
        receiver: analyzer ?? { application: '', facility: '' },
      }),
  });

  const queries = new HostQueries({
    link,
    events,
    sender,
    acknowledge,
    nextControlId,
    maxPending: MAX_QUEUED_MESSAGES,
    ...(options.ackSendingApplication ? { sendingApp: options.ackSendingApplication } : {}),
    ...(options.ackSendingFacility ? { sendingFacility: options.ackSendingFacility } : {}),
  });

  function framingErrors(errors: string[]): void {
    for (const e of errors) events.protocolError(`MLLP framing: ${e}`, '');
  }

  async function acknowledge(message: string, code: AckCode, reason?: { text: string; errorCode: string }): Promise<void> {
    if (closed) return;
    const ack = buildAck(message, code, {
      ...(reason ?? {}),
      ...(options.ackSendingApplication ? { sendingApp: options.ackSendingApplication } : {}),
      ...(options.ackSendingFacility ? { sendingFacility: options.ackSendingFacility } : {}),
      controlId: nextControlId(),
      now: link.now(),
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

  /** Replies and queries are taken at once; everything else waits its turn in the queue. */
  function take(message: string): void {
    const header = readHeader(message);
    if (header.sender) analyzer = header.sender;
    if (header.receiver && (header.receiver.application !== '' || header.receiver.facility !== '')) gatewayAsNamed = header.receiver;
    if (header.kind === 'reply') {
      sender.reply(message);
      return;
    }
    if (header.kind === 'query') {
      const receivedAt = performance.now();
      void queries.answer(message, receivedAt).catch((err: unknown) => {
        // A worklist or builder bug must not leave the analyzer waiting for nothing.
        events.protocolError(internalError(err), '');
        void acknowledge(message, 'AE', { text: 'internal error in the gateway', errorCode: '207' });
      });
      return;
    }
    enqueue(message);
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
      if (chunk.length > 0) sender.heard();
      try {
        const out = decoder.push(chunk);
        framingErrors(out.errors);
        // A frame past the limit is not an analyzer at work: free its buffers (the transport logs the close).
        if (out.oversized && link.close) {
          link.close(`MLLP frame over ${decoder.maxFrameBytes} bytes`);
          return;
        }
        for (const message of out.messages) take(message);
      } catch (err) {
        events.protocolError(internalError(err, 'framing'), '');
      }
      if (queue.length > 0) void pump().catch((err: unknown) => link.log.error({ err }, 'HL7 analyzer session failed'));
    },
    on(event: 'report' | 'protocolError', cb: ReportListener | ProtocolErrorListener): void {
      if (event === 'report') events.on('report', cb as ReportListener);
      else events.on('protocolError', cb as ProtocolErrorListener);
    },
    download(order: WorkOrder) {
      if (closed) return Promise.resolve({ outcome: 'retry', reason: 'the analyzer session is closed' });
      return sender.send(order);
    },
    linkUp(): void {
      if (!closed) sender.linkUp();
    },
    linkDown(): void {
      if (closed) return;
      sender.linkDown('the connection to the analyzer was lost before it acknowledged the order');
      // Messages not yet answered cannot be answered on this link: the analyzer resends them.
      queue.length = 0;
      queuedChars = 0;
      framingErrors(decoder.end().errors);
    },
    close(): void {
      if (closed) return;
      closed = true;
      sender.linkDown('the analyzer session closed before the analyzer acknowledged the order');
      queue.length = 0;
      queuedChars = 0;
      decoder.end();
    },
  };
}
