// The ASTM session shell: transport bytes -> E1381 link receiver -> transmission (records,
// messages, durable reports) -> ACK/NAK written back; plus the receiver timer.

import type { DeviceLink, DriverSession, ProtocolErrorListener, ReportListener } from '../../src/model/driver.ts';
import { internalError } from '../_shared/refusal.ts';
import { SessionEvents } from '../_shared/session-events.ts';
import { LinkReceiver, type AbandonReport } from './link-receiver.ts';
import { Transmission } from './transmission.ts';

export interface AstmSessionOptions {
  receiveTimeoutMs: number;
  maxFrameText: number;
  textEncoding: 'latin1' | 'utf8';
}

export function openAstmSession(link: DeviceLink, options: AstmSessionOptions): DriverSession {
  const events = new SessionEvents(link.log);
  const log = link.log;
  const transmission = new Transmission({ events, log, textEncoding: options.textEncoding, resends: link.resends });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const stopTimer = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  const abandoned = (reason: string, report: AbandonReport): void => {
    const hadContent = transmission.hasContent;
    transmission.discard();
    if (report === 'always' || (report === 'if-content' && hadContent)) {
      events.protocolError(`${reason}: nothing of the transmission after its last complete message was delivered`, '');
    } else if (report === 'log' && hadContent) {
      log.warn(`${reason}: the open transmission was discarded`);
    } else {
      log.debug(reason);
    }
  };

  const receiver: LinkReceiver = new LinkReceiver(options.maxFrameText, {
    opened: () => transmission.discard(),
    frame: (text, final) => transmission.frame(text, final),
    ended: () => transmission.end(),
    abandoned,
    reply: (byte) => {
      if (closed) return;
      link.write(Uint8Array.of(byte)).catch((err: unknown) => {
        log.warn({ err }, 'could not write the ASTM reply');
      });
    },
    protocolError: (problem, bytes) => events.protocolError(problem, bytes),
    awaitSender: () => {
      stopTimer();
      if (closed) return;
      timer = setTimeout(() => {
        timer = undefined;
        receiver.timeout(`receiver timeout: no frame or EOT within ${options.receiveTimeoutMs} ms`);
      }, options.receiveTimeoutMs);
    },
    stopAwaiting: stopTimer,
    debug: (msg) => log.debug(msg),
  });

  return {
    receive(chunk: Uint8Array): void {
      if (closed) return;
      try {
        receiver.push(chunk);
      } catch (err) {
        // A bug must not take the link down: say so loudly and start clean at the next ENQ.
        receiver.reset('internal error');
        transmission.discard();
        events.protocolError(internalError(err), '');
      }
    },
    on(event: 'report' | 'protocolError', cb: ReportListener | ProtocolErrorListener): void {
      if (event === 'report') events.on('report', cb as ReportListener);
      else events.on('protocolError', cb as ProtocolErrorListener);
    },
    linkDown(): void {
      stopTimer();
      receiver.reset('link down during a transmission');
    },
    close(): void {
      if (closed) return;
      receiver.reset('session closed during a transmission');
      closed = true;
      stopTimer();
    },
  };
}
