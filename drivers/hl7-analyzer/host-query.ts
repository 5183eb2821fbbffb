// Answers an analyzer's host queries on its session: the answer (RSP_K11, query.ts) at once, within
// the analyzer's wait (`Worklist.answerWithinMs`) or not at all, then each order found as an order
// message in turn (order-sender.ts); what became of each part is told to the worklist.

import type { AckCode } from '../../src/hl7/ack-types.ts';
import { encodeFrame } from '../../src/mllp/framing.ts';
import type { DeviceLink } from '../../src/model/driver.ts';
import { errorText } from '../../src/model/error-text.ts';
import type { Worklist, WorklistAnswer } from '../../src/model/work-order.ts';
import type { SessionEvents } from '../_shared/session-events.ts';
import type { OrderSender } from './order-sender.ts';
import { buildQueryResponse, readWorklistQuery, type WorklistQuery } from './query.ts';

export interface HostQueryDeps {
  link: DeviceLink;
  events: SessionEvents;
  sender: OrderSender;
  acknowledge(message: string, code: AckCode, reason: { text: string; errorCode: string }): Promise<void>;
  nextControlId(): string;
  /** Orders waiting for the analyzer beyond which a query is answered busy. */
  maxPending: number;
  sendingApp?: string;
  sendingFacility?: string;
}

const BUSY = 'gateway busy: too many orders waiting for this analyzer to acknowledge them; query again after acknowledging them';

export class HostQueries {
  /** Queries between receipt and their orders taken by the sender. */
  private answering = 0;

  constructor(private readonly deps: HostQueryDeps) {}

  /** `receivedAt`: performance.now() when the query arrived. Never rejects. */
  async answer(text: string, receivedAt: number): Promise<void> {
    const { events, acknowledge, sender, link } = this.deps;
    const read = readWorklistQuery(text);
    if (!read.ok) {
      const { code, errorCode, reason } = read.rejection;
      events.protocolError(read.rejection, text.split(/[\r\n]/)[0] ?? '');
      await acknowledge(text, code, { text: reason, errorCode });
      return;
    }
    if (sender.pending + this.answering >= this.deps.maxPending) {
      // An analyzer that queries faster than it takes orders: it asks again once it has room.
      link.log.warn({ pending: sender.pending }, 'HL7 host query while too many orders wait for the analyzer: answered AE');
      await acknowledge(text, 'AE', { text: BUSY, errorCode: '207' });
      return;
    }
    this.answering++;
    try {
      await this.answerFound(read.value, receivedAt);
    } finally {
      this.answering--;
    }
  }

  private async answerFound(query: WorklistQuery, receivedAt: number): Promise<void> {
    const { link } = this.deps;
    const worklist = link.worklist;
    if (worklist === undefined) link.log.debug({ specimens: query.specimenIds.length }, 'HL7 host query without a worklist for this device: answered NF');
    // A worklist that throws here rejects answer(): the session answers AE, nothing was sent yet.
    const answer: WorklistAnswer = worklist?.query(query.specimenIds) ?? { orders: [], unknown: query.specimenIds };
    const budget = worklist?.answerWithinMs;
    const elapsed = Math.round(performance.now() - receivedAt);
    if (budget !== undefined && elapsed > budget) {
      // The analyzer has stopped waiting: sent now, this would be taken for the answer to its next query.
      link.log.warn({ controlId: query.controlId, elapsedMs: elapsed, budgetMs: budget }, 'HL7 host query answer too late: dropped');
      this.tellWorklist(answer, { sent: false, reason: `the answer was ready after ${elapsed} ms, past the analyzer's ${budget} ms: not sent` });
      return;
    }
    const status = answer.orders.length > 0 ? 'OK' : 'NF';
    const rsp = buildQueryResponse(query, status, {
      controlId: this.deps.nextControlId(),
      now: link.now(),
      ...(this.deps.sendingApp ? { sendingApp: this.deps.sendingApp } : {}),
      ...(this.deps.sendingFacility ? { sendingFacility: this.deps.sendingFacility } : {}),
    });
    try {
      await link.write(encodeFrame(rsp));
    } catch (err) {
      link.log.warn({ err }, 'HL7 host query answer could not be written');
      this.tellWorklist(answer, { sent: false, reason: `the answer could not be written: ${errorText(err)}` });
      return;
    }
    link.log.debug({ controlId: query.controlId, status, orders: answer.orders.length, unknown: answer.unknown.length }, 'HL7 host query answered');
    if (answer.unknown.length > 0) this.tellWorklist({ orders: [], unknown: answer.unknown }, { sent: true });
    // Each order's status follows its own ACK: one accepted and one refused are told apart.
    for (const order of answer.orders) {
      void this.deps.sender.sendInTurn(order).then((outcome) => {
        this.tellWorklist({ orders: [order], unknown: [] }, outcome.outcome === 'accepted' ? { sent: true } : { sent: false, reason: outcome.reason });
      });
    }
  }

  /**
   * Tells the worklist what became of (part of) an answer. Never throws: once the RSP is on the wire
   * a throw here would make the session send a contradicting AE for the same query.
   */
  private tellWorklist(answer: WorklistAnswer, result: Parameters<Worklist['answered']>[1]): void {
    try {
      this.deps.link.worklist?.answered(answer, result);
    } catch (err) {
      this.deps.link.log.error({ err }, 'the worklist could not record the HL7 host-query answer');
    }
  }
}
