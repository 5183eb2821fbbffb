// Sends order messages on the session's connection, one at a time, and waits for the analyzer's
// answer whose MSA-2 is the order's MSH-10 (HL7 v2.5.1 chapter 2, original acknowledgment mode:
// the receiver answers each message; an ACK, or the structure's own response ORL^O22 / ORR^O02,
// both carry the MSA). The outcome follows the DownloadOutcome contract: AA/CA accepted; AE/AR/CR
// rejected with the analyzer's reason (MSA-3, ERR-8, ERR-3); CE (commit error, a temporary one),
// no answer in time, the connection lost, a write that failed: retry.

import type { Ack } from '../../src/hl7/ack-types.ts';
import { parseAck } from '../../src/hl7/ack.ts';
import { encodeFrame } from '../../src/mllp/framing.ts';
import type { Logger } from '../../src/model/logger.ts';
import type { DownloadOutcome, WorkOrder } from '../../src/model/work-order.ts';
import { errorText } from '../../src/model/error-text.ts';

export interface OrderSenderDeps {
  write(bytes: Uint8Array): Promise<void>;
  log: Logger;
  /** A new MSH-10. */
  nextControlId(): string;
  /** The message text for an order under that control ID; may throw (a WorkOrder it cannot write). */
  build(order: WorkOrder, controlId: string): string;
  timeoutMs: number;
  /** A reply that is not an acknowledgement (no MSA, MSA-1 unknown): for the review journal. */
  badReply(reason: string, text: string): void;
}

interface Waiting {
  controlId: string;
  settle(outcome: DownloadOutcome): void;
  /** Bytes came from the analyzer after the order went out: it is there, just not acknowledging. */
  heard: boolean;
}

/** What an analyzer's answer means for the order. */
export function outcomeOfAck(ack: Ack): DownloadOutcome {
  if (ack.code === 'AA' || ack.code === 'CA') return { outcome: 'accepted' };
  const reason = `analyzer answered ${ack.code}${ack.errorCode === undefined ? '' : ` (error ${ack.errorCode})`}: ${ack.text ?? 'no reason given'}`;
  return ack.code === 'CE' ? { outcome: 'retry', reason, answered: true } : { outcome: 'rejected', reason };
}

export class OrderSender {
  private waiting: Waiting | undefined;
  /** Orders taken and not yet answered, the one on the wire included. */
  private inFlight = 0;
  private tail: Promise<unknown> = Promise.resolve();
  private down = false;

  constructor(private readonly deps: OrderSenderDeps) {}

  /** The DriverSession.download obligation: never rejects; a call while another order is in flight resolves retry. */
  send(order: WorkOrder): Promise<DownloadOutcome> {
    if (this.inFlight > 0) return Promise.resolve({ outcome: 'retry', reason: 'another order is being sent to this analyzer' });
    return this.sendInTurn(order);
  }

  /** After the orders already taken (a host query's answer: the analyzer waits for it). Never rejects. */
  sendInTurn(order: WorkOrder): Promise<DownloadOutcome> {
    this.inFlight++;
    const done = this.tail.then(() => this.transmit(order)).finally(() => this.inFlight--);
    this.tail = done;
    return done;
  }

  /** Every message the analyzer sends whose MSH-9 is an acknowledgement or an order response. */
  reply(text: string): void {
    let ack: Ack;
    try {
      ack = parseAck(text);
    } catch (err) {
      this.deps.badReply(`acknowledgement not understood: ${errorText(err)}`, text);
      return;
    }
    const waiting = this.waiting;
    if (waiting === undefined || waiting.controlId !== ack.controlId) {
      // An analyzer that acknowledges twice, or late after a timeout: nothing waits for it.
      this.deps.log.debug({ msa2: ack.controlId, code: ack.code }, 'HL7 acknowledgement for no order waiting on it: dropped');
      return;
    }
    waiting.settle(outcomeOfAck(ack));
  }

  /** The analyzer sent something (any bytes): what a missing acknowledgement means depends on it. */
  heard(): void {
    if (this.waiting) this.waiting.heard = true;
  }

  /** Orders taken and not yet answered. */
  get pending(): number {
    return this.inFlight;
  }

  linkUp(): void {
    this.down = false;
  }

  /** The connection dropped or the session closed: the order on the wire, and those waiting their turn, are sent again later. */
  linkDown(reason: string): void {
    this.down = true;
    this.waiting?.settle({ outcome: 'retry', reason });
  }

  private async transmit(order: WorkOrder): Promise<DownloadOutcome> {
    if (this.down) return { outcome: 'retry', reason: 'not connected to the analyzer' };
    const controlId = this.deps.nextControlId();
    let text: string;
    try {
      text = this.deps.build(order, controlId);
    } catch (err) {
      // The same order would fail the same way: a dead letter a person can read, not a loop. The
      // builder's RangeError quotes the bad value (a birth date is patient data): the reason names the field kind only.
      const why = err instanceof RangeError ? 'a time or birth date in the order is not ISO 8601' : errorText(err);
      return { outcome: 'rejected', reason: `order message could not be built: ${why}` };
    }
    let resolveAnswer: (outcome: DownloadOutcome) => void = () => undefined;
    const answered = new Promise<DownloadOutcome>((resolve) => {
      resolveAnswer = resolve;
    });
    const waiting: Waiting = {
      controlId,
      heard: false,
      settle: (outcome) => {
        if (this.waiting !== waiting) return;
        this.waiting = undefined;
        clearTimeout(timer);
        resolveAnswer(outcome);
      },
    };
    this.waiting = waiting;
    // An analyzer that talks on the connection but never acknowledges the order counts as one that
    // did not take it, so a few in a row make it a dead letter rather than block the queue. Silence
    // is an analyzer switched off on a half-open socket: a plain retry, never a false refusal.
    const timer = setTimeout(() => {
      const reason = `no acknowledgement from the analyzer within ${this.deps.timeoutMs} ms`;
      waiting.settle(
        waiting.heard ? { outcome: 'retry', reason, answered: true } : { outcome: 'retry', reason: `${reason}, and nothing else from it: is it on?` },
      );
    }, this.deps.timeoutMs);
    this.deps.log.debug({ controlId, tests: order.tests.length, action: order.action }, 'HL7 order sent to the analyzer');
    try {
      await this.deps.write(encodeFrame(text));
    } catch (err) {
      waiting.settle({ outcome: 'retry', reason: `order could not be written: ${errorText(err)}` });
    }
    return answered;
  }
}
