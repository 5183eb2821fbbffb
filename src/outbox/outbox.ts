// The outbox: one ordered line per destination, as pure operations on the state document, plus a
// thin shell that makes them durable through the StateStore.
//
// Order is kept per destination, head-of-line on purpose: results of one patient must reach the
// chart in the order they were taken (a corrected result after the final one it corrects, today's
// weight after yesterday's), and an EHR that rejects one message for a transient reason usually
// rejects the next too. So while the head waits out its backoff, nothing behind it overtakes it.
// Other destinations have their own line and are not held up.

import type { Ack } from '../hl7/ack-types.ts';
import type { StateStore } from '../store/state-store.ts';
import type { MessageState, OutboxMessage, QcMessageSubject, ReadingStatus, StateDoc } from '../store/types.ts';

/** Misuse of the state machine (a transition from the wrong state, an unknown id): a bug or a race. */
export class OutboxError extends Error {
  override name = 'OutboxError';
}

export interface EnqueueInput {
  destinationId: string;
  readingId: string;
  controlId: string;
  body: string;
  now: Date;
}

/** States that keep a message in its destination's line. */
const IN_LINE: ReadonlySet<MessageState> = new Set(['queued', 'retry_wait', 'sending']);

export function isInLine(m: OutboxMessage): boolean {
  return IN_LINE.has(m.state);
}

/** Puts a built message at the end of its destination's line. The id is the control ID. */
export function enqueue(doc: StateDoc, input: EnqueueInput): OutboxMessage {
  if (Object.hasOwn(doc.messages, input.controlId)) {
    const other = doc.messages[input.controlId];
    throw new OutboxError(`control ID ${input.controlId} is already in the outbox (destination ${other?.destinationId}); control IDs must be unique`);
  }
  const message: OutboxMessage = {
    id: input.controlId,
    destinationId: input.destinationId,
    readingId: input.readingId,
    seq: ++doc.seq,
    controlId: input.controlId,
    body: input.body,
    state: 'queued',
    attempts: 0,
    createdAt: input.now.toISOString(),
  };
  doc.messages[message.id] = message;
  const reading = doc.readings[input.readingId];
  if (reading) (reading.messageIds ??= []).push(message.id);
  return message;
}

export interface EnqueueQcInput extends Omit<EnqueueInput, 'readingId'> {
  qc: QcMessageSubject;
}

/**
 * A QC message in its destination's line, behind the patient messages queued before it (one line,
 * one order). It never holds the line up for long: a refusal makes it a dead letter at once (kind-policy.ts).
 */
export function enqueueQc(doc: StateDoc, input: EnqueueQcInput): OutboxMessage {
  const first = input.qc.entries[0];
  if (first === undefined) throw new OutboxError('a QC message carries at least one QC entry');
  const m = enqueue(doc, { destinationId: input.destinationId, controlId: input.controlId, body: input.body, readingId: first, now: input.now });
  m.kind = 'qc';
  m.qc = { entries: [...input.qc.entries], device: input.qc.device, tests: [...input.qc.tests], lots: [...input.qc.lots] };
  return m;
}

/** Delivered QC messages leave the document (nothing to archive: no reading). Returns the ids removed. */
export function dropDeliveredQc(doc: StateDoc, ids: Iterable<string>): string[] {
  const dropped: string[] = [];
  for (const id of ids) {
    const m = doc.messages[id];
    if (m?.kind !== 'qc' || m.state !== 'delivered') continue;
    delete doc.messages[id];
    dropped.push(id);
  }
  return dropped;
}

/**
 * A dead QC message out of the document, when a person decides it will not be sent (a LIS that
 * refuses the lot): it has no reading to settle it, so without this it would stay for good. A
 * patient message is settled through its reading (release, discard), never here.
 */
export function discardDeadQc(doc: StateDoc, id: string): OutboxMessage {
  const m = get(doc, id);
  if (m.kind !== 'qc' || m.state !== 'dead') throw new OutboxError(`message ${id} is not a dead QC message`);
  delete doc.messages[id];
  return m;
}

/** The destination's line in order (queued, retry_wait, sending; lowest seq first). */
export function line(doc: Readonly<StateDoc>, destinationId: string): OutboxMessage[] {
  return Object.values(doc.messages)
    .filter((m) => m.destinationId === destinationId && isInLine(m))
    .sort((a, b) => a.seq - b.seq);
}

/** The first message of the destination's line, whatever its state. */
export function head(doc: Readonly<StateDoc>, destinationId: string): OutboxMessage | undefined {
  let best: OutboxMessage | undefined;
  for (const m of Object.values(doc.messages)) {
    if (m.destinationId === destinationId && isInLine(m) && (!best || m.seq < best.seq)) best = m;
  }
  return best;
}

/** The head if it may be sent now; nothing when the head is in flight or waiting out its backoff. */
export function nextDue(doc: Readonly<StateDoc>, destinationId: string, now: Date): OutboxMessage | undefined {
  const h = head(doc, destinationId);
  if (!h) return undefined;
  if (h.state === 'queued') return h;
  if (h.state === 'retry_wait' && (!h.nextAttemptAt || Date.parse(h.nextAttemptAt) <= now.getTime())) return h;
  return undefined;
}

/** The receiver's answer with when it came. Object.assign: a spread literal with a field after it costs ten times more on Node 20. */
function answeredAt(ack: Ack, now: Date): NonNullable<OutboxMessage['ack']> {
  return Object.assign({}, ack, { at: now.toISOString() });
}

function get(doc: StateDoc, id: string): OutboxMessage {
  const m = doc.messages[id];
  if (!m) throw new OutboxError(`no outbox message ${id}`);
  return m;
}

function expect(m: OutboxMessage, from: readonly MessageState[], to: MessageState): void {
  if (!from.includes(m.state)) throw new OutboxError(`message ${m.id} is ${m.state}; cannot go to ${to}`);
}

export function markSending(doc: StateDoc, id: string, now: Date): OutboxMessage {
  const m = get(doc, id);
  expect(m, ['queued', 'retry_wait'], 'sending');
  m.state = 'sending';
  m.attempts++;
  m.lastAttemptAt = now.toISOString();
  delete m.nextAttemptAt;
  return m;
}

/** `ack`: the receiver's answer when its protocol has one (an MQTT PUBACK is no HL7 ACK: none is made up). */
export function markDelivered(doc: StateDoc, id: string, ack: Ack | undefined, now: Date): OutboxMessage {
  const m = get(doc, id);
  expect(m, ['sending'], 'delivered');
  m.state = 'delivered';
  // An earlier attempt's AE must not read as the answer that delivered it.
  if (ack) m.ack = answeredAt(ack, now);
  else delete m.ack;
  m.deliveredAt = now.toISOString();
  delete m.lastError;
  delete m.nextAttemptAt;
  syncReadingStatus(doc, m.readingId, now);
  return m;
}

/** AE/CE or a failed send: wait, then the same bytes go again. */
export function markRetry(doc: StateDoc, id: string, error: string, nextAttemptAt: Date, ack?: Ack, now: Date = new Date()): OutboxMessage {
  const m = get(doc, id);
  expect(m, ['sending'], 'retry_wait');
  m.state = 'retry_wait';
  m.lastError = error;
  m.nextAttemptAt = nextAttemptAt.toISOString();
  if (ack) m.ack = answeredAt(ack, now);
  return m;
}

/** AR/CR: out of the line, kept with the EHR's reason until a person resends it. */
export function markDead(doc: StateDoc, id: string, reason: string, ack?: Ack, now: Date = new Date()): OutboxMessage {
  const m = get(doc, id);
  expect(m, ['sending', 'queued', 'retry_wait'], 'dead');
  m.state = 'dead';
  m.lastError = reason;
  delete m.nextAttemptAt;
  if (ack) m.ack = answeredAt(ack, now);
  syncReadingStatus(doc, m.readingId, now);
  return m;
}

/**
 * A dead message back in the line after someone fixed the cause, with the same bytes and control
 * ID (the EHR sees the same message again, not a new one). It gets a new seq and so goes to the END
 * of the line: its old place is gone (what was behind it has been delivered since), and jumping
 * ahead would put a message that may fail again in front of the healthy traffic queued meanwhile.
 */
export function resend(doc: StateDoc, id: string, now: Date): OutboxMessage {
  const m = get(doc, id);
  expect(m, ['dead'], 'queued');
  m.state = 'queued';
  m.seq = ++doc.seq;
  m.attempts = 0;
  delete m.nextAttemptAt;
  syncReadingStatus(doc, m.readingId, now);
  return m;
}

/** What a reading's messages say about it: all delivered, any dead, or still on its way. */
export function statusFromMessages(messages: readonly OutboxMessage[]): ReadingStatus {
  if (messages.some((m) => m.state === 'dead')) return 'dead';
  if (messages.length > 0 && messages.every((m) => m.state === 'delivered')) return 'delivered';
  return 'queued';
}

export function messagesOf(doc: Readonly<StateDoc>, readingId: string): OutboxMessage[] {
  const ids = doc.readings[readingId]?.messageIds;
  // Without the index (a message queued for a reading not in the document), fall back to a scan.
  if (!ids) return Object.values(doc.messages).filter((m) => m.readingId === readingId);
  const found: OutboxMessage[] = [];
  for (const id of ids) {
    const m = doc.messages[id];
    if (m) found.push(m);
  }
  return found;
}

/** Lets a forwarded reading's status follow its messages; held or discarded readings are left alone. */
export function syncReadingStatus(doc: StateDoc, readingId: string, now: Date): void {
  const r = doc.readings[readingId];
  if (!r || (r.status !== 'queued' && r.status !== 'delivered' && r.status !== 'dead')) return;
  const status = statusFromMessages(messagesOf(doc, readingId));
  if (status !== r.status) {
    r.status = status;
    r.updatedAt = now.toISOString();
  }
}

export interface OutboxOptions {
  now?: () => Date;
  /** Told after a message entered a destination's line durably: the gateway kicks that worker. */
  onQueued?: (destinationId: string) => void;
}

/** The durable shell over the pure operations, for callers that change only the outbox. */
export class Outbox {
  private readonly now: () => Date;

  constructor(
    private readonly store: StateStore,
    private readonly opts: OutboxOptions = {},
  ) {
    this.now = opts.now ?? (() => new Date());
  }

  async enqueue(input: Omit<EnqueueInput, 'now'>): Promise<OutboxMessage> {
    const m = await this.store.update((doc) => ({ ...enqueue(doc, { ...input, now: this.now() }) }));
    this.opts.onQueued?.(m.destinationId);
    return m;
  }

  async resend(id: string): Promise<OutboxMessage> {
    const m = await this.store.update((doc) => ({ ...resend(doc, id, this.now()) }));
    this.opts.onQueued?.(m.destinationId);
    return m;
  }

  line(destinationId: string): OutboxMessage[] {
    return line(this.store.data, destinationId);
  }

  dead(destinationId?: string): OutboxMessage[] {
    return Object.values(this.store.data.messages)
      .filter((m) => m.state === 'dead' && (destinationId === undefined || m.destinationId === destinationId))
      .sort((a, b) => a.seq - b.seq);
  }
}
