// The aECG session: one document per message (an MQTT payload, a file from a watched folder).
// A document that cannot be read is a protocolError and the message resolves (acknowledged: a
// resend would fail the same way; the gateway keeps it for review). A report the listeners could
// not store rejects, so the transport does not acknowledge and the document is offered again.

import type { DeviceLink, DriverSession, MessageMeta, ProtocolErrorListener, ReportListener } from '../../src/model/driver.ts';
import { createHash } from 'node:crypto';
import { RecentMessages } from '../_shared/recent-messages.ts';
import { SessionEvents } from '../_shared/session-events.ts';
import { decodeAecg, documentText } from './decode.ts';

export interface EkgAecgOptions {
  maxDocumentBytes: number;
  attachDocument: boolean;
}

/** What a refused document keeps for review: all of it (the rejects journal caps it), or the head of an oversize one. */
const OVERSIZE_KEPT = 64 * 1024;

export function openEkgAecgSession(link: DeviceLink, options: EkgAecgOptions): DriverSession {
  const events = new SessionEvents(link.log);
  // A document offered again after its acknowledgement was lost (an MQTT redelivery, a file that
  // could not be moved) is the same EKG: stored once. In memory only, like mqtt-json's memory.
  const stored = new RecentMessages(200);
  let closed = false;

  return {
    receive(chunk: Uint8Array): void {
      // Byte streams carry no document boundaries: this driver needs a message transport.
      if (closed || chunk.byteLength === 0) return;
      events.protocolError('ekg-aecg takes whole documents (MQTT or a watched folder), not a byte stream', '');
    },
    async receiveMessage(payload: Uint8Array, meta: MessageMeta): Promise<void> {
      if (closed) throw new Error('session closed');
      const digest = createHash('sha256').update(payload).digest('base64');
      if (stored.get(digest) !== undefined) {
        link.log.info({ redelivered: meta.redelivered ?? false }, 'the same aECG document again: acknowledged, not stored twice');
        return;
      }
      let result;
      try {
        result = decodeAecg(payload, { maxBytes: options.maxDocumentBytes, attachDocument: options.attachDocument });
      } catch (err) {
        // A decoder bug must not lose the document silently: it is kept for review.
        result = { ok: false as const, reason: `internal decoder error: ${err instanceof Error ? err.message : String(err)}` };
      }
      if (!result.ok) {
        const head = payload.byteLength > OVERSIZE_KEPT ? payload.subarray(0, OVERSIZE_KEPT) : payload;
        events.protocolError(result.reason, documentText(head));
        return;
      }
      for (const note of result.notes) link.log.debug(note);
      link.log.debug({ file: meta.file, topic: meta.topic, bytes: payload.byteLength }, 'aECG document read');
      await events.reportAndWait(result.report);
      stored.remember(digest, digest);
    },
    on(event: 'report' | 'protocolError', cb: ReportListener | ProtocolErrorListener): void {
      if (event === 'report') events.on('report', cb as ReportListener);
      else events.on('protocolError', cb as ProtocolErrorListener);
    },
    close(): void {
      closed = true;
    },
  };
}
