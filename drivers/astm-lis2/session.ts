// The ASTM session shell: transport bytes -> E1381 link receiver -> transmission (records,
// messages, durable reports) -> ACK/NAK written back; and, the other way, one outgoing
// transmission at a time (a host-query answer or a download) driven by the pure E1381 sender.
// Bytes go to the sender only while its transmission is on the wire; the analyzer's ENQ always
// wins the line (E1381 contention: the instrument has priority).

import type { DeviceLink, DriverSession, ProtocolErrorListener, ReportListener } from '../../src/model/driver.ts';
import { DEFAULT_ANSWER_WITHIN_MS } from '../../src/model/order-settings.ts';
import type { DownloadOutcome, WorkOrder, WorklistAnswer } from '../../src/model/work-order.ts';
import { errorText } from '../../src/model/error-text.ts';
import { internalError } from '../_shared/refusal.ts';
import { SessionEvents } from '../_shared/session-events.ts';
import { noInformationMessage, orderMessage } from './encode.ts';
import { framesOf } from './framing.ts';
import { LinkReceiver, type AbandonReport } from './link-receiver.ts';
import type { HostQuery } from './query.ts';
import { onWire, step, type SendResult, type SenderConfig, type SenderEvent, type SenderState } from './sender.ts';
import { Transmission } from './transmission.ts';

export interface AstmSessionOptions {
  receiveTimeoutMs: number;
  maxFrameText: number;
  textEncoding: 'latin1' | 'utf8';
  querySpecimenComponent: number;
  sender: SenderConfig;
  /** A download not started (ENQ acknowledged) within this long resolves retry: the analyzer kept the line. */
  downloadStartWithinMs: number;
}

/** The one transmission the gateway has to send. */
interface Outgoing {
  kind: 'download' | 'answer';
  frames: Uint8Array[];
  /** Start (ENQ acknowledged) by then (Date.now() ms) or never: an answer's budget, a download's bound. */
  deadline: number;
  deadlineName: string;
  state: SenderState;
  finish(result: SendResult): void;
}

export function openAstmSession(link: DeviceLink, options: AstmSessionOptions): DriverSession {
  const events = new SessionEvents(link.log);
  const log = link.log;
  const transmission = new Transmission({
    events,
    log,
    textEncoding: options.textEncoding,
    resends: link.resends,
    queryComponent: options.querySpecimenComponent,
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let up = true;
  let out: Outgoing | undefined;
  let senderTimer: ReturnType<typeof setTimeout> | undefined;

  const stopTimer = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  const write = (bytes: Uint8Array, what: string): void => {
    if (closed) return;
    link.write(bytes).catch((err: unknown) => {
      log.warn({ err }, `could not write the ASTM ${what}`);
      // An outgoing transmission cannot go on without its bytes: the link is as good as down.
      if (what !== 'reply') abort('could not write to the analyzer');
    });
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
    receiverMoved();
  };

  const stopSenderTimer = (): void => {
    if (senderTimer !== undefined) clearTimeout(senderTimer);
    senderTimer = undefined;
  };

  /** Runs one sender event; `toReceiver` is called when the byte just given belongs to the receiver. */
  const drive = (event: SenderEvent, toReceiver?: () => void): void => {
    const o = out;
    if (o === undefined) return;
    const next = step(o.state, event, {
      config: options.sender,
      frameCount: o.frames.length,
      now: Date.now(),
      deadline: o.deadline,
      deadlineName: o.deadlineName,
    });
    o.state = next.state;
    for (const e of next.effects) {
      switch (e.type) {
        case 'sendControl':
          write(Uint8Array.of(e.byte), 'control byte');
          break;
        case 'sendFrame': {
          const frame = o.frames[e.index];
          if (frame !== undefined) write(frame, 'frame');
          break;
        }
        case 'setTimer':
          stopSenderTimer();
          senderTimer = setTimeout(() => {
            senderTimer = undefined;
            drive({ type: 'timer' });
          }, e.ms);
          break;
        case 'clearTimer':
          stopSenderTimer();
          break;
        case 'toReceiver':
          toReceiver?.();
          break;
        case 'finish':
          if (out === o) out = undefined;
          o.finish(e.result);
          break;
      }
    }
  };

  /** Ends the outgoing transmission where it stands (link down, closed, replaced): nothing more is written. */
  const abort = (reason: string): void => {
    const o = out;
    if (o === undefined) return;
    out = undefined;
    stopSenderTimer();
    o.finish({ sent: false, reason });
  };

  const begin = (o: Outgoing): void => {
    out = o;
    drive({ type: 'start', lineBusy: receiver.currentState !== 'idle' });
  };

  /** After the receiver took bytes: the analyzer's own transmission may have ended. */
  const receiverMoved = (): void => {
    if (out?.state.name === 'yielded' && receiver.currentState === 'idle') drive({ type: 'instrumentDone' });
  };

  const answer = (queries: HostQuery[]): void => {
    if (queries.some((q) => q.cancel) && out?.kind === 'answer') {
      log.info('the analyzer cancelled its host query: the answer waiting for the line is dropped');
      abort('the analyzer cancelled its query before the answer could start');
    }
    const specimenIds = [...new Set(queries.filter((q) => !q.cancel).flatMap((q) => q.specimenIds))];
    if (specimenIds.length === 0) return;
    const worklist = link.worklist;
    let result: WorklistAnswer = { orders: [], unknown: specimenIds };
    if (worklist === undefined) {
      log.debug('host query answered "no information": this device does not take queries (its orders mode, or no orders settings)');
    } else {
      try {
        result = worklist.query(specimenIds);
      } catch (err) {
        log.error({ err }, 'the worklist could not be read: the host query is answered "no information"');
      }
    }
    const now = link.now();
    const instrumentSpecimen = Object.assign({}, ...queries.map((q) => q.instrumentSpecimen)) as Record<string, string[]>;
    let records = noInformationMessage(now);
    if (result.orders.length > 0) {
      try {
        records = orderMessage(result.orders, now, instrumentSpecimen);
      } catch (err) {
        // Orders the encoder cannot write: the analyzer hears "no information" now, the worklist that nothing went out.
        log.error({ err }, 'the host-query answer could not be written: answered "no information"');
        try {
          worklist?.answered(result, { sent: false, reason: `the answer could not be written: ${errorText(err)}` });
        } catch (inner) {
          log.error({ err: inner }, 'the worklist could not record the host-query answer');
        }
        result = { orders: [], unknown: specimenIds };
      }
    }
    if (out !== undefined) {
      abort(out.kind === 'download' ? "the analyzer's host query goes first" : 'a newer host query from the analyzer came first');
    }
    const o: Outgoing = {
      kind: 'answer',
      frames: framesOf(records, options.maxFrameText, options.textEncoding),
      deadline: Date.now() + (worklist?.answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS),
      deadlineName: 'the time to answer',
      state: { name: 'idle' },
      finish: (r) => {
        if (r.sent) log.info({ orders: result.orders.length, unknown: result.unknown.length }, 'host query answered');
        else log.warn({ reason: r.reason, orders: result.orders.length, unknown: result.unknown.length }, 'host-query answer not sent');
        if (worklist === undefined) return;
        // An answer with work says nothing about the unknown specimens: they were not told "no information".
        const told: WorklistAnswer = result.orders.length > 0 ? { orders: result.orders, unknown: [] } : result;
        try {
          worklist.answered(told, r.sent ? { sent: true } : { sent: false, reason: r.reason });
        } catch (err) {
          log.error({ err }, 'the worklist could not record the host-query answer');
        }
      },
    };
    out = o;
    // Started after the receiver has finished with the chunk that carried the analyzer's EOT.
    void Promise.resolve().then(() => {
      if (out === o && o.state.name === 'idle' && !closed) begin(o);
    });
  };

  const receiver: LinkReceiver = new LinkReceiver(options.maxFrameText, {
    opened: () => {
      transmission.discard();
      // The analyzer took the line while we waited to try again: it goes first.
      if (out !== undefined && !onWire(out.state)) drive({ type: 'instrumentStarted' });
    },
    frame: (text, final) => transmission.frame(text, final),
    ended: () => {
      const { done, queries } = transmission.end();
      if (queries.length > 0) answer(queries);
      receiverMoved();
      return done;
    },
    abandoned,
    reply: (byte) => write(Uint8Array.of(byte), 'reply'),
    protocolError: (problem, bytes) => events.protocolError(problem, bytes),
    awaitSender: () => {
      stopTimer();
      if (closed) return;
      timer = setTimeout(() => {
        timer = undefined;
        receiver.timeout(`receiver timeout: no frame or EOT within ${options.receiveTimeoutMs} ms`);
        receiverMoved();
      }, options.receiveTimeoutMs);
    },
    stopAwaiting: stopTimer,
    debug: (msg) => log.debug(msg),
  });

  const toReceiver = (chunk: Uint8Array): void => {
    try {
      receiver.push(chunk);
    } catch (err) {
      // A bug must not take the link down: say so loudly and start clean at the next ENQ.
      receiver.reset('internal error');
      transmission.discard();
      events.protocolError(internalError(err), '');
    }
  };

  return {
    receive(chunk: Uint8Array): void {
      if (closed) return;
      let i = 0;
      while (i < chunk.length) {
        if (out === undefined || !onWire(out.state)) {
          toReceiver(chunk.subarray(i));
          break;
        }
        const b = chunk[i++] ?? 0;
        drive({ type: 'byte', byte: b }, () => toReceiver(Uint8Array.of(b)));
      }
      receiverMoved();
    },
    on(event: 'report' | 'protocolError', cb: ReportListener | ProtocolErrorListener): void {
      if (event === 'report') events.on('report', cb as ReportListener);
      else events.on('protocolError', cb as ProtocolErrorListener);
    },
    linkUp(): void {
      up = true;
    },
    linkDown(): void {
      up = false;
      stopTimer();
      receiver.reset('link down during a transmission');
      abort('the link went down');
    },
    download(order: WorkOrder): Promise<DownloadOutcome> {
      if (closed || !up) return Promise.resolve({ outcome: 'retry', reason: 'the analyzer is not connected' });
      if (out !== undefined) {
        return Promise.resolve({
          outcome: 'retry',
          reason: out.kind === 'answer' ? 'a host-query answer is waiting for the line' : 'another download is on the wire',
        });
      }
      if (order.specimenId.trim() === '' || order.tests.length === 0) {
        return Promise.resolve({ outcome: 'rejected', reason: 'the order has no specimen id or no test: nothing an analyzer could run' });
      }
      const frames = framesOf(orderMessage([order], link.now()), options.maxFrameText, options.textEncoding);
      return new Promise((resolve) => {
        begin({
          kind: 'download',
          frames,
          deadline: Date.now() + options.downloadStartWithinMs,
          deadlineName: `the ${options.downloadStartWithinMs} ms a download may wait for the line`,
          state: { name: 'idle' },
          finish: (r) => resolve(r.sent ? { outcome: 'accepted' } : { outcome: 'retry', reason: r.reason, ...(r.answered ? { answered: true } : {}) }),
        });
      });
    },
    close(): void {
      if (closed) return;
      receiver.reset('session closed during a transmission');
      closed = true;
      stopTimer();
      abort('the session closed');
    },
  };
}
