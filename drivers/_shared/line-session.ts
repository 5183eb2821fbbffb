// The stateful shell shared by line-oriented drivers: bytes -> LineSplitter -> onLine, with
// over-long input turned into a protocolError, linkDown dropping the partial line, and a
// receive() that never throws.

import type { DeviceLink, DriverSession, ProtocolErrorListener, ReportListener } from '../../src/model/driver.ts';
import { LineSplitter, DEFAULT_MAX_LINE_LENGTH } from './line-splitter.ts';
import { internalError } from './refusal.ts';
import { SessionEvents } from './session-events.ts';

export interface LineHandlerContext {
  events: SessionEvents;
  link: DeviceLink;
}

export interface LineSessionOptions {
  maxLineLength?: number;
  onLine(line: string, ctx: LineHandlerContext): void;
  onLinkUp?(ctx: LineHandlerContext): void;
  onLinkDown?(ctx: LineHandlerContext): void;
  onClose?(): void;
}

export function createLineSession(link: DeviceLink, options: LineSessionOptions): DriverSession {
  const events = new SessionEvents(link.log);
  const splitter = new LineSplitter(options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH);
  const ctx: LineHandlerContext = { events, link };
  let closed = false;

  return {
    receive(chunk: Uint8Array): void {
      if (closed) return;
      try {
        for (const ev of splitter.push(chunk)) {
          if (ev.kind === 'overflow') {
            events.protocolError(`line over ${ev.maxLength} bytes discarded`, ev.bytes);
          } else {
            options.onLine(ev.line, ctx);
          }
        }
      } catch (err) {
        // A decoder bug must not take the link down; say so loudly and resync.
        splitter.reset();
        events.protocolError(internalError(err), '');
      }
    },
    on(event: 'report' | 'protocolError', cb: ReportListener | ProtocolErrorListener): void {
      if (event === 'report') events.on('report', cb as ReportListener);
      else events.on('protocolError', cb as ProtocolErrorListener);
    },
    linkUp(): void {
      if (!closed) options.onLinkUp?.(ctx);
    },
    linkDown(): void {
      splitter.reset();
      if (!closed) options.onLinkDown?.(ctx);
    },
    close(): void {
      if (closed) return;
      closed = true;
      splitter.reset();
      options.onClose?.();
    },
  };
}
