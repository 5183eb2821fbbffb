// The aECG session: one document per message (an MQTT payload, a file from a watched folder).
// A document that cannot be read is a protocolError and the message resolves (acknowledged: a
// resend would fail the same way; the gateway keeps it for review). A report the listeners could
// not store rejects, so the transport does not acknowledge and the document is offered again.

import type { DeviceLink, DriverSession, MessageMeta, ProtocolErrorListener, ReportListener } from '../../src/model/driver.ts';
import { createHash } from 'node:crypto';
import { internalError } from '../_shared/refusal.ts';
import { SessionEvents } from '../_shared/session-events.ts';
import { decodeAecg, documentText, type DocumentId } from './decode.ts';

export interface EkgAecgOptions {
  maxDocumentBytes: number;
  attachDocument: boolean;
}

/** What a refused document keeps for review: all of it (the rejects journal caps it), or the head of an oversize one. */
const OVERSIZE_KEPT = 64 * 1024;

/**
 * The duplicate key of a document: its id (AnnotatedECG/id) and its bytes. A document offered again
 * (an MQTT redelivery, a file that could not be moved, a cart that resends) is the same bytes; the
 * same id with other bytes is stored as a new reading, never dropped on a guess.
 */
function resendKey(id: DocumentId | undefined, payload: Uint8Array): string {
  const digest = createHash('sha256').update(payload).digest('base64');
  return JSON.stringify(id === undefined ? [digest] : [id.root, id.extension ?? '', digest]);
}

export function openEkgAecgSession(link: DeviceLink, options: EkgAecgOptions): DriverSession {
  const events = new SessionEvents(link.log);
  let closed = false;

  return {
    receive(chunk: Uint8Array): void {
      // Byte streams carry no document boundaries: this driver needs a message transport.
      if (closed || chunk.byteLength === 0) return;
      events.protocolError('ekg-aecg takes whole documents (MQTT or a watched folder), not a byte stream', '');
    },
    async receiveMessage(payload: Uint8Array, meta: MessageMeta): Promise<void> {
      if (closed) throw new Error('session closed');
      let result;
      try {
        result = decodeAecg(payload, { maxBytes: options.maxDocumentBytes, attachDocument: options.attachDocument });
      } catch (err) {
        // A decoder bug must not lose the document silently: it is kept for review.
        result = { ok: false as const, ...internalError(err) };
      }
      if (!result.ok) {
        const head = payload.byteLength > OVERSIZE_KEPT ? payload.subarray(0, OVERSIZE_KEPT) : payload;
        events.protocolError(result, documentText(head));
        return;
      }
      for (const note of result.notes) link.log.debug(note);
      const key = resendKey(result.documentId, payload);
      const first = link.resends.recall(key);
      if (first !== undefined) {
        link.log.info(
          { redelivered: meta.redelivered ?? false, reading: first.readingId, firstStoredAt: first.at },
          'aECG document received again (same document id and bytes): acknowledged, not stored twice',
        );
        return;
      }
      link.log.debug({ file: meta.file, topic: meta.topic, bytes: payload.byteLength }, 'aECG document read');
      await events.reportAndWait({ ...result.report, resendKey: key });
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
